"""Read-side queries behind ``khabar search``, ``alerts``, ``runs``, ``export`` and the demo summary."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from typing import Any, TextIO

import sqlite_utils

from crawler.store.runs import losses, lost_articles, pid_alive, run_counts, run_status
from crawler.store.search import SEARCH_TABLE
from crawler.text.cleaning import terminal_safe
from crawler.text.hindi import search_tokens
from crawler.text.search_query import OtherSpellings, fts_query

# Stats keys the summary reads (written by pipelines/since.py, crawler/components/follow.py and site.py, the
# alert pipeline and crawler/components/stopping.py).
TOO_OLD = "khabar/skipped/too_old"
TOO_OLD_UNFETCHED = ("khabar/discovery/too_old", "khabar/discovery/listing_too_old")
NOT_SENT_IN_THIS_RUN = "khabar/notify/held"
NOT_FETCHED_ON_STOP = "khabar/stopped/not_fetched"


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def snippet(text: str, query: str, width: int = 160, names: OtherSpellings | None = None) -> str:
    """The first sentence of the original text that holds a query word (matched on the search form), or another
    spelling of a name in it."""
    wanted = set(search_tokens(query))
    for word in query.split() if names is not None else []:
        for spelling in names.others(word.strip('"()*')) if names is not None else []:
            wanted.update(search_tokens(spelling))
    for sentence in text.replace("\n", " ").split("।"):
        if wanted & set(search_tokens(sentence)):
            sentence = sentence.strip()
            return sentence if len(sentence) <= width else sentence[:width] + "…"
    return text[:width]


def search(db: sqlite_utils.Database, query: str, *, limit: int = 20, site: str | None = None,
           collapse: bool = False, names: OtherSpellings | None = None) -> list[dict[str, Any]]:
    """Best matches first; ``collapse`` keeps the best-ranked article of each story (near-duplicate copies
    on other sites folded into it; ``copies`` says how many matching articles the story has). ``names``
    (the config's name list) lets a name find its spellings in other scripts."""
    expression = fts_query(query, names)
    where = "AND a.site = ?" if site else ""
    params: list[Any] = [expression] + ([site] if site else []) + [limit]
    hits = f"""
        SELECT a.id, a.url, a.site, a.title, a.published_at, a.section, a.body,
               COALESCE(a.story_id, a.id) AS story_id,
               bm25([{SEARCH_TABLE}], 10.0, 4.0, 4.0, 1.0, 3.0) AS rank
        FROM [{SEARCH_TABLE}] JOIN articles a ON a.id = [{SEARCH_TABLE}].rowid
        WHERE [{SEARCH_TABLE}] MATCH ? {where}"""
    if collapse:
        # MATERIALIZED: bm25() may only run in the full-text query itself, not inside the window functions.
        rows = _rows(db, f"""
            WITH hits AS MATERIALIZED ({hits}),
            ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY story_id ORDER BY rank, id) AS story_rank,
                              COUNT(*) OVER (PARTITION BY story_id) AS copies FROM hits)
            SELECT id, url, site, title, published_at, section, body, story_id, rank, copies
            FROM ranked WHERE story_rank = 1 ORDER BY rank LIMIT ?""", params)
    else:
        rows = _rows(db, f"{hits} ORDER BY rank LIMIT ?", params)
    for row in rows:
        row["snippet"] = snippet(row.pop("body"), query, names=names)
    return rows


def latest_articles(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    return _rows(db, "SELECT id, url, site, section, title, published_at FROM articles "
                     "ORDER BY published_utc DESC LIMIT ?", [limit])


def alerts(db: sqlite_utils.Database, *, topic: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    where = "WHERE alerts.topic = ?" if topic else ""
    rows = _rows(db, f"""
        SELECT alerts.id, alerts.topic, alerts.created_at, alerts.status, alerts.score, alerts.matched,
               articles.id AS article_id, articles.title, articles.url, articles.site, articles.published_at
        FROM alerts JOIN articles ON articles.id = alerts.article_id {where}
        ORDER BY alerts.id DESC LIMIT ?""", ([topic] if topic else []) + [limit])
    for row in rows:
        row["matched"] = json.loads(row["matched"] or "{}")
        row["matched_terms"] = ", ".join(row["matched"].get("terms", []))
    return rows


def runs(db: sqlite_utils.Database, limit: int = 20, spider: str | None = None) -> list[dict[str, Any]]:
    """The latest crawl runs, newest first, with health; Scrapy's full stats stay in the table."""

    where = "WHERE spider = ?" if spider else ""
    params = ([spider] if spider else []) + [limit]
    rows = _rows(db, f"SELECT * FROM crawl_runs {where} ORDER BY id DESC LIMIT ?", params)
    for row in rows:
        row.pop("stats", None)
        row["dropped_reasons"] = json.loads(row["dropped_reasons"] or "{}")
        row["args"] = json.loads(row["args"] or "{}")
        row["health"] = json.loads(row.get("health") or "null")
        if row.get("status") == "running" and not pid_alive(row.get("pid")):
            row["status"] = "crashed"  # its process is gone without recording an end
    return rows


EXPORT_COLUMNS = ("id", "url", "site", "title", "authors", "published_at", "published_utc", "updated_at",
                  "section", "summary", "highlights", "dateline", "body", "tags", "related", "more_from_section",
                  "image_url", "language", "content_hash", "first_seen_at", "last_seen_at")
JSON_COLUMNS = {"authors", "highlights", "tags", "related", "more_from_section"}


def export(db: sqlite_utils.Database, out: TextIO, fmt: str, *, site: str | None = None,
           topic: str | None = None, since: str | None = None) -> int:
    clauses, params = [], []
    if site:
        clauses.append("site = ?")
        params.append(site)
    if since:
        clauses.append("published_utc >= ?")
        params.append(since)
    if topic:
        clauses.append("id IN (SELECT article_id FROM alerts WHERE topic = ?)")
        params.append(topic)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = _rows(db, f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles {where} ORDER BY id", params)
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            for name in JSON_COLUMNS:
                row[name] = json.loads(row[name] or "[]")
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


HOW_IT_ENDED = {"finished": "finished", "stopped": "stopped before the end", "refused": "refused",
                "failed": "FAILED"}


def elapsed(stats: dict[str, Any]) -> str:
    """The crawl's wall-clock time as people say it: 48s, 3m 05s, 1h 02m."""
    seconds = stats.get("elapsed_time_seconds")
    if seconds is None and stats.get("start_time") is not None:
        seconds = (datetime.now(UTC) - stats["start_time"]).total_seconds()
    if seconds is None:
        return "?"
    whole = round(float(seconds))
    if whole < 60:
        return f"{float(seconds):.1f}s" if seconds < 10 else f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def format_summary(summary: dict[str, Any]) -> str:
    stats = summary["stats"]
    counts = run_counts(stats)
    reasons = json.loads(counts["dropped_reasons"])
    dropped = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items())) or "none"
    if summary.get("cluster"):
        return "\n".join([
            f"Cluster crawl of {summary['spider']} finished here ({stats.get('finish_reason', '?')}) in "
            f"{elapsed(stats)} through "
            f"{summary['cluster']}; `khabar writer` stores the articles",
            f"  pages fetched        {counts['pages']}",
            f"  handed to the writer {stats.get('khabar/cluster/pushed', 0)} articles",
            f"  known, not fetched   {counts['skipped']}",
            f"  pages dropped        {counts['dropped']} ({dropped})",
            f"  errors               {counts['errors']}",
            f"  taken back           {stats.get('khabar/cluster/requeued', 0)} requests of stopped crawlers",
        ])
    reason = stats.get("finish_reason", "?")
    ended = HOW_IT_ENDED.get(run_status(reason), reason) if reason != "?" else "stopped before the end"
    failed = stats.get("khabar/run_status") == "failed"
    if failed:
        ended = HOW_IT_ENDED["failed"]
    lines = [
        f"Crawl of {summary['spider']} {ended} ({reason}) in {elapsed(stats)}, run {summary.get('run_id')} "
        f"in {summary['db']}",
        f"  pages fetched        {counts['pages']}",
        f"  articles stored      {counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged",
        f"  duplicates skipped   {counts['duplicates']} (another URL of a stored story)",
        f"  known, not fetched   {counts['skipped']}",
    ]
    too_old, not_fetched = stats.get(TOO_OLD, 0), sum(stats.get(key, 0) for key in TOO_OLD_UNFETCHED)
    if too_old or not_fetched or summary.get("since"):
        lines.append(f"  older than since     {too_old} fetched, not stored or alerted"
                     + (f"; {not_fetched} links to older stories not followed (sitemap, feed and listing dates)"
                        if not_fetched else ""))
    lines += [
        f"  pages dropped        {counts['dropped']} ({dropped})",
        f"  errors               {counts['errors']}",
        f"  alerts raised        {counts['alerts']}",
    ]
    bounded = {name: n for name, n in losses(stats).items() if not name.startswith("lost/")}
    if bounded:
        lines.append("  limits and losses    " + ", ".join(f"{name}: {n}" for name, n in bounded.items()))
    lost = lost_articles(stats)
    if lost:
        lines.append(f"  not stored           {lost} articles (rolled back by a failed write; the next run fetches "
                     "them again)")
    if failed:
        lines.append(f"  FAILED               {terminal_safe(stats.get('khabar/run_failure', ''))}")
    if stats.get("khabar/notify/sent") or stats.get("khabar/notify/failed") or stats.get("khabar/notify/waiting"):
        undelivered = stats.get("khabar/notify/failed", 0)
        lines.append(f"  alert deliveries     {stats.get('khabar/notify/sent', 0)} sent, {undelivered} failed"
                     f"{' (retried by the next crawl or `khabar alerts deliver`)' if undelivered else ''}, "
                     f"{stats.get('khabar/notify/waiting', 0)} waiting")
    if stats.get(NOT_SENT_IN_THIS_RUN):
        lines.append("  alert deliveries     not sent in this run (--no-notify): they wait in the outbox")
    health = stats.get("khabar/health_status")
    if health:
        problems = "; ".join(stats.get("khabar/health_problems") or [])
        lines.append(f"  crawl health         {health}" + (f" ({problems})" if problems else ""))
        if stats.get("khabar/health_alerts/failed"):
            lines.append(f"  health alert         not delivered to {stats['khabar/health_alerts/failed']} target(s)")
    if stats.get(NOT_FETCHED_ON_STOP):
        lines.append(f"  left unfetched       {stats[NOT_FETCHED_ON_STOP]} queued requests (stopped on request)")
    return "\n".join(lines)

"""Recording alerts and planning their delivery.

One alert per (article, topic), ever (a UNIQUE index); optionally one per story. Each new
alert gets one outbox row per notify target in the same savepoint, so an alert is never
stored without the deliveries it owes. When it may go out is decided here: at once
(instant), at the next digest time (a cron in IST), and never inside quiet hours (held
until they end). ``now`` is a parameter everywhere so tests can use a fake clock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlite_utils
from croniter import croniter

from crawler.alerts.matcher import ArticleText, TopicMatch, TopicMatcher, Verdict, evaluate
from crawler.alerts.rules import Topic, compiled
from crawler.alerts.settings import AlertSetup, targets_for
from crawler.text import dates

logger = logging.getLogger(__name__)

ARTICLE_COLUMNS = "id, url, site, section, title, summary, highlights, body, tags, published_at, first_seen_at"


def utc(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def stamp(moment: datetime) -> str:
    """The database's timestamp form: '2024-05-07T12:12:00Z' (sorts as text)."""
    return dates.to_utc_iso(moment)


# ---------------------------------------------------------------------------
# Delivery plan: instant or digest, quiet hours
# ---------------------------------------------------------------------------


@dataclass
class Plan:
    delivery: str  # "instant" or "digest"
    due: datetime  # the earliest moment it may be sent
    held: bool  # due later than now (waiting for the digest or the end of quiet hours)


def _clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_until(quiet_hours: str, moment: datetime) -> datetime | None:
    """The end of the quiet window ``moment`` falls in ("22:30-06:30", IST), else None."""
    if not quiet_hours:
        return None
    start_text, end_text = quiet_hours.split("-")
    start, end = _clock(start_text), _clock(end_text)
    local = moment.astimezone(dates.IST)
    now_t = local.time()
    wraps = start > end  # e.g. 23:00-06:30 spans midnight
    inside = (start <= now_t or now_t < end) if wraps else (start <= now_t < end)
    if not inside:
        return None
    end_day = local.date() + timedelta(days=1) if wraps and now_t >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=dates.IST).astimezone(UTC)


def next_digest(cron: str, moment: datetime) -> datetime:
    """The next digest time strictly after ``moment``; the cron is read in IST."""
    return croniter(cron, moment.astimezone(dates.IST)).get_next(datetime).astimezone(UTC)


def plan_delivery(topic: Topic, score: float, now: datetime) -> Plan:
    mode = topic.delivery
    if mode == "auto":
        mode = "instant" if score >= topic.instant_score else "digest"
    due = utc(now) if mode == "instant" else next_digest(topic.digest, now)
    due = quiet_until(topic.quiet_hours, due) or due
    return Plan(delivery=mode, due=due, held=due > utc(now))


# ---------------------------------------------------------------------------
# Writing alerts and their outbox rows
# ---------------------------------------------------------------------------


class AlertRecorder:
    """Writes an alert and its deliveries atomically; works inside or outside an open transaction."""

    def __init__(self, db: sqlite_utils.Database, config: AlertSetup) -> None:
        self.db, self.config = db, config

    def same_story_alerted(self, article_id: int, topic: str) -> bool:
        row = self.db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
        if not row or row[0] is None:
            return False
        return self.db.execute(
            "SELECT 1 FROM alerts JOIN articles ON articles.id = alerts.article_id "
            "WHERE alerts.topic = ? AND articles.story_id = ? AND articles.id != ? LIMIT 1",
            [topic, row[0], article_id]).fetchone() is not None

    def record(self, article_id: int, topic: Topic, match: TopicMatch, now: datetime,
               notify: bool = True) -> str:
        """'created', 'exists' (this article already alerted for the topic) or 'same_story'."""
        if topic.once_per_story and self.same_story_alerted(article_id, topic.id):
            return "same_story"
        plan = plan_delivery(topic, match.score, now)
        targets = targets_for(topic, self.config) if notify else []
        self.db.execute("SAVEPOINT khabar_alert")
        try:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO alerts (article_id, topic, matched, score, created_at, delivery, status, "
                "held_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [article_id, topic.id, json.dumps(match.as_dict(), ensure_ascii=False), match.score, stamp(now),
                 plan.delivery, "pending" if targets else "silent", stamp(plan.due) if plan.held else None])
            created = bool(cursor.rowcount)
            if created:
                for target in targets:
                    self.db.execute(
                        "INSERT OR IGNORE INTO deliveries (alert_id, target, status, attempts, next_attempt_at, "
                        "created_at) VALUES (?, ?, 'pending', 0, ?, ?)",
                        [cursor.lastrowid, target, stamp(plan.due), stamp(now)])
            self.db.execute("RELEASE khabar_alert")
        except BaseException:
            if self.db.conn.in_transaction:  # else SQLite ended the transaction itself (a full disk can)
                self.db.execute("ROLLBACK TO khabar_alert")
                self.db.execute("RELEASE khabar_alert")
            raise
        return "created" if created else "exists"


# ---------------------------------------------------------------------------
# Stored articles: dry runs and backfills of one topic
# ---------------------------------------------------------------------------


def stored_articles(db: sqlite_utils.Database, batch: int = 500) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        cursor = db.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                            [last, batch])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def get_topic(config: AlertSetup, topic_id: str) -> Topic:
    if topic_id not in config.topics:
        known = ", ".join(sorted(config.topics)) or "none"
        raise KeyError(f"no topic named {topic_id!r} in {config.source_name} (topics: {known})")
    return config.topics[topic_id]


def try_topic(db: sqlite_utils.Database, config: AlertSetup, topic_id: str, *, now: datetime | None = None,
              misses: bool = False) -> list[dict[str, Any]]:
    """Which stored articles the topic would alert on and why; nothing is written or sent.

    With ``misses``, also every article that mentions the topic (one of its names occurs, or for a topic without
    names any term of its rule) and raises no alert, with the reason: which part of the rule failed (no war word
    within N words, only one side named ...), an exclusion, the threshold, or a passing mention.
    """
    topic = get_topic(config, topic_id)
    rule = compiled(topic)
    matcher = TopicMatcher([rule])
    alerted = {row[0] for row in db.execute("SELECT article_id FROM alerts WHERE topic = ?", [topic_id])}
    found = []
    for row in stored_articles(db):
        text, url, section = ArticleText.of_row(row), row["url"], row["section"] or ""
        verdicts: list[Verdict]
        if misses:
            present = matcher.present(text)
            verdicts = [evaluate(rule, text, url, section, present=present, explain=True)] if (
                present & rule.mentions) else []
        else:
            verdicts = matcher.verdicts(text, url, section)
        for verdict in verdicts:
            if verdict.match is None and not misses:
                continue
            match = verdict.match
            plan = plan_delivery(topic, match.score, utc(now)) if match else None
            found.append({
                "article_id": row["id"], "title": row["title"], "site": row["site"], "url": row["url"],
                "published_at": row["published_at"], "would_alert": match is not None, "reason": verdict.reason,
                "score": match.score if match else None, "delivery": plan.delivery if plan else "",
                "fields": match.fields if match else [], "terms": match.terms if match else [],
                "words": match.words if match else [], "variants": match.variants if match else [],
                "already_alerted": row["id"] in alerted,
            })
    return found


BACKFILL_BATCH = 500  # articles per write transaction of a backfill


def backfill(db: sqlite_utils.Database, config: AlertSetup, topic_id: str, *, notify: bool = False,
             now: datetime | None = None) -> dict[str, int]:
    """Apply a new or changed topic to every stored article; notify only if asked.

    Alerts that exist stay as they are (one per article and topic, ever).
    """
    topic = get_topic(config, topic_id)
    matcher = TopicMatcher([compiled(topic)])
    recorder = AlertRecorder(db, config)
    moment = utc(now)
    counts = {"articles": 0, "matched": 0, "created": 0, "exists": 0, "same_story": 0}
    db.execute("BEGIN IMMEDIATE")
    try:
        for row in stored_articles(db):
            counts["articles"] += 1
            for match in matcher.match(ArticleText.of_row(row), row["url"], row["section"] or ""):
                counts["matched"] += 1
                counts[recorder.record(row["id"], topic, match, moment, notify=notify)] += 1
            if counts["articles"] % BACKFILL_BATCH == 0:
                # A crawl writing the same file waits for this lock: give it a turn. Alerts are one per article and
                # topic, so a backfill stopped half-way and run again just finishes the work.
                db.execute("COMMIT")
                db.execute("BEGIN IMMEDIATE")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    logger.info("backfill of %s: %s", topic_id, counts)
    return counts


# ---------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------


def ist_clock(value: str | None) -> str:
    """'2024-05-07T12:30:00Z' -> '2024-05-07 18:00 IST'."""
    moment = dates.parse_iso(value) if value else None
    return moment.astimezone(dates.IST).strftime("%Y-%m-%d %H:%M IST") if moment else ""


def _state(alert: dict[str, Any], deliveries: list[dict[str, Any]], now: str) -> str:
    if alert["status"] == "silent":
        return "not notified"
    if alert["status"] == "sent":
        return "sent"
    if alert["held_until"] and alert["held_until"] > now:
        return f"held until {ist_clock(alert['held_until'])}"
    failing = [d for d in deliveries if d["status"] == "pending" and d["attempts"]]
    if failing:
        first = failing[0]
        return f"retry {ist_clock(first['next_attempt_at'])} ({first['attempts']} tries: {first['last_error']})"
    return "due" if deliveries else "pending"


def raise_alerts(recorder: AlertRecorder, matcher: TopicMatcher, topics: dict[str, Topic], article: Any,
                 now: datetime) -> list[tuple[TopicMatch, str]]:
    """Match a new or changed stored article against the topics and record each match: (match, outcome) with the
    outcome of ``AlertRecorder.record``. The alert pipeline and `khabar writer` both come through here."""
    # An edit can make a story match (a live page that turns to the war); the UNIQUE (article, topic) index keeps
    # it to one alert either way.
    if article.disposition not in ("new", "updated") or article.article_id is None:
        return []
    return [(found, recorder.record(article.article_id, topics[found.topic], found, now))
            for found in matcher.match_article(article)]


def list_alerts(db: sqlite_utils.Database, *, topic: str | None = None, limit: int = 50,
                now: datetime | None = None) -> list[dict[str, Any]]:
    where = "WHERE alerts.topic = ?" if topic else ""
    held = "alerts.held_until" if "held_until" in db["alerts"].columns_dict else "NULL AS held_until"
    cursor = db.execute(f"""
        SELECT alerts.id, alerts.topic, alerts.created_at, alerts.delivery, alerts.status, {held},
               alerts.delivered_at, alerts.score, alerts.matched, articles.id AS article_id, articles.title,
               articles.url, articles.site, articles.published_at
        FROM alerts JOIN articles ON articles.id = alerts.article_id {where}
        ORDER BY alerts.id DESC LIMIT ?""", ([topic] if topic else []) + [limit])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    moment = stamp(utc(now))
    has_outbox = "deliveries" in db.table_names()  # a file not yet upgraded by a crawl or deliver run
    for row in rows:
        row["matched"] = json.loads(row["matched"] or "{}")
        row["matched_terms"] = ", ".join(row["matched"].get("terms", []))
        deliveries = db.execute(
            "SELECT target, status, attempts, next_attempt_at, last_error, delivered_at FROM deliveries "
            "WHERE alert_id = ? ORDER BY target", [row["id"]]).fetchall() if has_outbox else []
        row["deliveries"] = [dict(zip(("target", "status", "attempts", "next_attempt_at", "last_error",
                                       "delivered_at"), d, strict=True)) for d in deliveries]
        row["state"] = _state(row, row["deliveries"], moment)
    return rows

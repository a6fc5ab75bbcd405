"""What a crawl stored, in a form two databases can be compared by: ids, times and run numbers left out.

Articles are keyed by their URL; stories are the groups of article URLs that share a ``story_id``; alerts,
URLs, signatures, validators and raw pages hang off their article's URL; the full-text index is compared by
what a few searches find. Two crawls of the same site that stored the same things give equal dicts, whatever
order they stored them in and whatever ids they handed out.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from crawler.store.compression import page_text

ARTICLE_COLUMNS = ("url", "url_key", "site", "title", "authors", "published_at", "published_utc", "updated_at",
                   "section", "summary", "highlights", "dateline", "body", "tags", "related", "more_from_section",
                   "image_url", "language", "content_hash")
SEARCHES = ("युद्ध", "रूस", "यूक्रेन", "मोदी", "शेयर", "पुतिन")
RUN_COUNTS = ("status", "finish_reason", "pages", "new", "updated", "unchanged", "duplicates", "skipped",
              "dropped", "errors", "alerts")


def database_content(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        url_of = dict(conn.execute("SELECT id, url FROM articles").fetchall())
        articles = {row[0]: row for row in conn.execute(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles")}
        stories: dict[int, set[str]] = {}
        for article_id, story_id in conn.execute("SELECT id, story_id FROM articles"):
            stories.setdefault(story_id, set()).add(url_of[article_id])
        alerts = sorted((url_of[row[0]], *row[1:]) for row in conn.execute(
            "SELECT article_id, topic, matched, score, delivery, status FROM alerts"))
        deliveries = sorted(conn.execute(
            "SELECT a.topic, d.target, d.status, d.attempts FROM deliveries d JOIN alerts a ON a.id = d.alert_id"))
        urls = sorted((row[0], row[1], url_of[row[2]]) for row in conn.execute(
            "SELECT url, url_key, article_id FROM article_urls"))
        signatures = {url_of[row[0]]: (row[1], row[2]) for row in conn.execute(
            "SELECT article_id, signature, bands FROM story_signatures")}
        pages = {url_of[row[0]]: (row[1], page_text(row[2])) for row in conn.execute(
            "SELECT article_id, url, html FROM pages")}
        validators = sorted(conn.execute("SELECT url, kind, etag, last_modified, content_type, body "
                                         "FROM http_validators"))
        found = {word: sorted(url_of[row[0]] for row in conn.execute(
            "SELECT rowid FROM articles_search WHERE articles_search MATCH ?", [word])) for word in SEARCHES}
        runs = [dict(zip(RUN_COUNTS, row, strict=True)) for row in conn.execute(
            f"SELECT {', '.join(RUN_COUNTS)} FROM crawl_runs ORDER BY id")]
        revisions = conn.execute("SELECT count(*) FROM article_revisions").fetchone()[0]
    finally:
        conn.close()
    return {"articles": articles, "stories": sorted(sorted(group) for group in stories.values()), "alerts": alerts,
            "deliveries": deliveries, "urls": urls, "signatures": signatures, "pages": pages,
            "validators": validators, "search": found, "runs": runs, "revisions": revisions}


def run_stats(db: Path) -> list[dict[str, Any]]:
    """The Scrapy stats of each run recorded in the file, oldest first."""
    conn = sqlite3.connect(db)
    try:
        return [json.loads(row[0] or "{}") for row in conn.execute("SELECT stats FROM crawl_runs ORDER BY id")]
    finally:
        conn.close()

"""The database: connection, schema and migrations (sqlite-utils).

One SQLite file holds everything. It is opened in WAL mode with a busy timeout so
that a crawl, a second crawl and a reader can share it. The schema is created and
upgraded by numbered migrations, so an older file opens in a newer Khabar.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.text.hindi import FTS_TOKENIZE

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
SEARCH_TABLE = "articles_search"
SEARCH_COLUMNS = ("title", "summary", "highlights", "body", "tags")

migrations = Migrations("khabar")


class DatabaseError(Exception):
    """A database problem phrased for the user (missing, unwritable, locked, corrupt)."""


def connect(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open (and, if ``create``, create and migrate) the database at ``path``."""
    file = Path(path)
    if not create and not file.is_file():
        raise DatabaseError(f"no database at {file}: run `khabar crawl SPIDER` or `khabar demo` first")
    try:
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(file), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = sqlite_utils.Database(conn)
        if create:
            _enable_wal(db)
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
        else:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except PermissionError as error:
        raise DatabaseError(f"cannot write the database at {file}: {error.strerror}") from None
    except OSError as error:
        raise DatabaseError(f"cannot create the database at {file}: {error.strerror or error}") from None
    except sqlite3.DatabaseError as error:
        raise DatabaseError(_explain(file, error)) from None
    return db


def _enable_wal(db: sqlite_utils.Database, attempts: int = 100) -> None:
    """Switch a file to WAL (a lasting property of the file). The switch needs the file to itself and can fail
    at once, without the busy timeout, while another process opens the same new file: retry for a while."""
    for attempt in range(attempts):
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if ("locked" not in str(error) and "busy" not in str(error)) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _explain(file: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"the database at {file} is locked by another process (waited {BUSY_TIMEOUT_MS // 1000} s)"
    if "unable to open" in text or "readonly" in text:
        return f"cannot open the database at {file} for writing: {text}"
    if "not a database" in text or "malformed" in text:
        return f"{file} is not a valid SQLite database: {text}"
    return f"database error at {file}: {text}"


def json_list(value: object) -> list[str]:
    """A JSON-array column (highlights, tags ...) as strings; empty for NULL, "" or text that is not an array."""
    if not value:
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations under the write lock, so two processes opening a new file don't race."""
    if not migrations.pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # re-checks what is pending, now that no one else can write
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@migrations(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db.table("articles").create(
        {
            "id": int, "url": str, "site": str, "title": str, "authors": str,
            "published_at": str, "published_utc": str, "updated_at": str, "section": str,
            "summary": str, "highlights": str, "dateline": str, "body": str, "tags": str,
            "related": str, "more_from_section": str, "image_url": str, "language": str,
            "content_hash": str, "story_id": int, "first_seen_at": str, "last_seen_at": str,
            "fetched_at": str,
        },
        pk="id",
        not_null={"url", "site", "title", "body", "content_hash", "first_seen_at", "last_seen_at"},
    )
    db.table("articles").create_index(["url"], unique=True)
    db.table("articles").create_index(["content_hash"])
    db.table("articles").create_index(["published_utc"])
    db.table("articles").create_index(["site", "published_utc"])
    db.table("article_urls").create({"url": str, "article_id": int, "first_seen_at": str}, pk="url",
                              foreign_keys=[("article_id", "articles", "id")])
    db.table("article_urls").create_index(["article_id"])
    db.table("article_revisions").create(
        {"id": int, "article_id": int, "title": str, "summary": str, "body": str, "published_at": str,
         "updated_at": str, "content_hash": str, "replaced_at": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_revisions").create_index(["article_id"])
    db.table("pages").create({"article_id": int, "url": str, "html": str, "fetched_at": str}, pk="article_id",
                       foreign_keys=[("article_id", "articles", "id")])
    db.table("alerts").create(
        {"id": int, "article_id": int, "topic": str, "matched": str, "score": float, "created_at": str,
         "delivery": str, "status": str, "delivered_at": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("alerts").create_index(["article_id", "topic"], unique=True)
    db.table("alerts").create_index(["topic", "created_at"])
    db.table("crawl_runs").create(
        {"id": int, "spider": str, "args": str, "started_at": str, "finished_at": str,
         "finish_reason": str, "pages": int, "new": int, "updated": int, "unchanged": int,
         "duplicates": int, "skipped": int, "dropped": int, "dropped_reasons": str, "errors": int,
         "alerts": int, "stats": str},
        pk="id",
    )
    db.table("crawl_runs").create_index(["spider", "started_at"])
    db.execute(
        f"CREATE VIRTUAL TABLE [{SEARCH_TABLE}] USING fts5("
        + ", ".join(SEARCH_COLUMNS)
        + f", tokenize = \"{FTS_TOKENIZE}\")"
    )


@migrations(name="0004_health")
def _run_health(db: sqlite_utils.Database) -> None:
    """Run status and health per crawl, schedule state, and an article-per-topic view for browsing."""
    runs = db.table("crawl_runs")
    for name, kind in (("status", str), ("scheduled", str), ("pid", int), ("health_status", str), ("health", str)):
        if name not in runs.columns_dict:
            runs.add_column(name, kind)
    db.table("schedule_state").create(
        {"name": str, "spider": str, "cron": str, "last_slot": str, "last_started_at": str, "last_pid": int,
         "last_finished_at": str, "last_exit_code": int, "last_refused_at": str, "last_refused_reason": str},
        pk="name", if_not_exists=True,
    )
    db.execute(
        "CREATE VIEW IF NOT EXISTS article_topics AS "
        "SELECT alerts.topic, articles.id AS article_id, articles.title, articles.site, articles.section, "
        "articles.published_at, substr(articles.published_at, 1, 10) AS day, articles.url, alerts.created_at "
        "FROM alerts JOIN articles ON articles.id = alerts.article_id"
    )


@migrations(name="0002_stories")
def _stories(db: sqlite_utils.Database) -> None:
    """URL identity keys, near-duplicate stories (MinHash signatures + LSH buckets), HTTP validators."""
    from crawler.store.stories import SIGNATURES_TABLE, backfill
    from crawler.text.urls import url_key

    for table in ("articles", "article_urls"):
        if "url_key" not in db.table(table).columns_dict:
            db.table(table).add_column("url_key", str)
        keys = [(url_key(url), url) for (url,) in db.execute(f"SELECT url FROM [{table}]").fetchall()]
        db.conn.executemany(f"UPDATE [{table}] SET url_key = ? WHERE url = ?", keys)
        db.table(table).create_index(["url_key"], if_not_exists=True)
    db.table("articles").create_index(["story_id"], if_not_exists=True)
    # (Files made before 0005 also got a story_buckets table here, which 0005 drops.)
    db.execute(f"CREATE TABLE IF NOT EXISTS [{SIGNATURES_TABLE}] "
               "(article_id INTEGER PRIMARY KEY REFERENCES articles(id), signature BLOB NOT NULL, bands BLOB)")
    db.table("http_validators").create(
        {"url": str, "kind": str, "etag": str, "last_modified": str, "content_type": str, "body": bytes,
         "checked_at": str},
        pk="url", if_not_exists=True,
    )
    backfill(db)


@migrations(name="0003_outbox")
def _outbox(db: sqlite_utils.Database) -> None:
    """The alert outbox: one delivery row per (alert, notify target), retried with backoff until sent.

    Alerts pending from before this migration have no rows yet; the first delivery run creates
    them from the config's targets (crawler.alerts.delivery.adopt_orphans), so none is lost.
    """
    alerts, deliveries = db.table("alerts"), db.table("deliveries")
    if "held_until" not in alerts.columns_dict:
        alerts.add_column("held_until", str)  # delivery waits for a digest or the end of quiet hours
    deliveries.create(
        {"id": int, "alert_id": int, "target": str, "status": str, "attempts": int, "next_attempt_at": str,
         "last_error": str, "lease_until": str, "created_at": str, "delivered_at": str},
        pk="id", foreign_keys=[("alert_id", "alerts", "id")], not_null={"alert_id", "target", "status"},
        defaults={"status": "pending", "attempts": 0}, if_not_exists=True,
    )
    deliveries.create_index(["alert_id", "target"], unique=True, if_not_exists=True)
    deliveries.create_index(["status", "next_attempt_at"], if_not_exists=True)


@migrations(name="0005_story_bands")
def _story_bands(db: sqlite_utils.Database) -> None:
    """LSH buckets move to memory (crawler.store.stories.BandIndex): each signature row keeps its 20 band keys, the
    table of one row per band and article (twenty index writes per article) goes."""
    from crawler.store.stories import SIGNATURES_TABLE, fill_bands

    if "bands" not in db.table(SIGNATURES_TABLE).columns_dict:
        db.table(SIGNATURES_TABLE).add_column("bands", bytes)
    fill_bands(db)
    db.execute("DROP TABLE IF EXISTS story_buckets")


@migrations(name="0006_search_contentless")
def _search_contentless(db: sqlite_utils.Database) -> None:
    """The full-text index stops keeping its own copy of the search forms (``content=''``): they are made from
    the article row when needed (crawler.store.articles.row_search_forms). A third of the file, and of an insert."""
    from crawler.store.articles import rebuild_search_index

    db.execute(f"DROP TABLE IF EXISTS [{SEARCH_TABLE}]")
    db.execute(f"CREATE VIRTUAL TABLE [{SEARCH_TABLE}] USING fts5({', '.join(SEARCH_COLUMNS)}, content='', "
               f'tokenize = "{FTS_TOKENIZE}")')
    rebuild_search_index(db)


@migrations(name="0007_one_url_index")
def _one_url_index(db: sqlite_utils.Database) -> None:
    """URL lookups go to ``article_urls`` alone: every article's own URL becomes one of its rows there (most
    already were), and the second index on ``articles.url_key`` that every insert paid for goes."""
    db.execute("INSERT OR IGNORE INTO article_urls (url, url_key, article_id, first_seen_at) "
               "SELECT url, url_key, id, first_seen_at FROM articles")
    db.execute("DROP INDEX IF EXISTS idx_articles_url_key")

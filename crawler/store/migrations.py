"""The schema: numbered migrations (``sqlite_utils.migrations``), applied in order when a file is opened.

An older file opens in a newer Khabar: each migration upgrades what is there. They are registered in
number order (sqlite-utils applies them in registration order, and records each by name).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.store.search import SEARCH_COLUMNS, SEARCH_TABLE, rebuild_search_index
from crawler.store.stories import SIGNATURES_TABLE, backfill, fill_bands
from crawler.text.hindi import FTS_TOKENIZE
from crawler.text.urls import url_key

logger = logging.getLogger(__name__)

migrations = Migrations("khabar")
META_TABLE = "khabar_meta"  # key/value facts about the file: which Khabar last upgraded it (written_by)


def khabar_version() -> str:
    try:
        return version("khabar")
    except PackageNotFoundError:
        return "(not installed)"


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations under the write lock, so two processes opening a new file don't race; the file
    then records which Khabar upgraded it, so an older one can say which version it needs."""
    if not migrations.pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # re-checks what is pending, now that no one else can write
        db.execute(f"INSERT OR REPLACE INTO [{META_TABLE}] (key, value) VALUES ('written_by', ?)", [khabar_version()])
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


@migrations(name="0002_stories")
def _stories(db: sqlite_utils.Database) -> None:
    """URL identity keys, near-duplicate stories (MinHash signatures + LSH buckets), HTTP validators."""
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


@migrations(name="0005_story_bands")
def _story_bands(db: sqlite_utils.Database) -> None:
    """LSH buckets move to memory (crawler.store.stories.BandIndex): each signature row keeps its 20 band keys, the
    table of one row per band and article (twenty index writes per article) goes."""
    if "bands" not in db.table(SIGNATURES_TABLE).columns_dict:
        db.table(SIGNATURES_TABLE).add_column("bands", bytes)
    fill_bands(db)
    db.execute("DROP TABLE IF EXISTS story_buckets")


@migrations(name="0006_search_contentless")
def _search_contentless(db: sqlite_utils.Database) -> None:
    """The full-text index stops keeping its own copy of the search forms (``content=''``): they are made from
    the article row when needed (crawler.store.search.row_search_forms). A third of the file, and of an insert."""
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


@migrations(name="0008_cluster_intake")
def _cluster_intake(db: sqlite_utils.Database) -> None:
    """`khabar writer` (a cluster crawl's one writer) notes the item ids of the batch it commits, in the same
    transaction: a writer killed between its commit and its acknowledgement to Redis then skips that batch."""
    db.execute("CREATE TABLE IF NOT EXISTS cluster_intake (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "batch TEXT NOT NULL, committed_at TEXT NOT NULL)")


@migrations(name="0009_reliability")
def _reliability(db: sqlite_utils.Database) -> None:
    """A failed run's reason (``crawl_runs.failure``); which process holds a delivery's lease
    (``deliveries.lease_owner``, so ``--retry-now`` can take over the lease of a killed run); ``khabar_meta``."""
    if "failure" not in db.table("crawl_runs").columns_dict:
        db.table("crawl_runs").add_column("failure", str)
    if "lease_owner" not in db.table("deliveries").columns_dict:
        db.table("deliveries").add_column("lease_owner", str)
    db.table(META_TABLE).create({"key": str, "value": str}, pk="key", if_not_exists=True)

"""The database: connection, schema and migrations (sqlite-utils).

One SQLite file holds everything. It is opened in WAL mode with a busy timeout so
that a crawl, a second crawl and a reader can share it. The schema is created and
upgraded by numbered migrations, so an older file opens in a newer Khabar.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.hindi import FTS_TOKENIZE

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
            db.enable_wal()
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


def _explain(file: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"the database at {file} is locked by another process (waited {BUSY_TIMEOUT_MS // 1000} s)"
    if "unable to open" in text or "readonly" in text:
        return f"cannot open the database at {file} for writing: {text}"
    if "not a database" in text or "malformed" in text:
        return f"{file} is not a valid SQLite database: {text}"
    return f"database error at {file}: {text}"


def migrate(db: sqlite_utils.Database) -> None:
    migrations.apply(db)


@migrations(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(
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
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["published_utc"])
    db["articles"].create_index(["site", "published_utc"])
    db["article_urls"].create({"url": str, "article_id": int, "first_seen_at": str}, pk="url",
                              foreign_keys=[("article_id", "articles", "id")])
    db["article_urls"].create_index(["article_id"])
    db["article_revisions"].create(
        {"id": int, "article_id": int, "title": str, "summary": str, "body": str, "published_at": str,
         "updated_at": str, "content_hash": str, "replaced_at": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_revisions"].create_index(["article_id"])
    db["pages"].create({"article_id": int, "url": str, "html": str, "fetched_at": str}, pk="article_id",
                       foreign_keys=[("article_id", "articles", "id")])
    db["alerts"].create(
        {"id": int, "article_id": int, "topic": str, "matched": str, "score": float, "created_at": str,
         "delivery": str, "status": str, "delivered_at": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db["alerts"].create_index(["article_id", "topic"], unique=True)
    db["alerts"].create_index(["topic", "created_at"])
    db["crawl_runs"].create(
        {"id": int, "spider": str, "args": str, "started_at": str, "finished_at": str,
         "finish_reason": str, "pages": int, "new": int, "updated": int, "unchanged": int,
         "duplicates": int, "skipped": int, "dropped": int, "dropped_reasons": str, "errors": int,
         "alerts": int, "stats": str},
        pk="id",
    )
    db["crawl_runs"].create_index(["spider", "started_at"])
    db.execute(
        f"CREATE VIRTUAL TABLE [{SEARCH_TABLE}] USING fts5("
        + ", ".join(SEARCH_COLUMNS)
        + f", tokenize = \"{FTS_TOKENIZE}\")"
    )

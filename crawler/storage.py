"""The data layer the pipelines share: one connection per crawl, writes batched in transactions.

Reads made while a batch is open see its uncommitted rows (same connection), so
deduplication within one run is exact even before a commit.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from crawler.db import SEARCH_TABLE, connect
from crawler.hindi import search_form
from crawler.items import Article

logger = logging.getLogger(__name__)

JSON_FIELDS = ("authors", "highlights", "tags", "related", "more_from_section")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ArticleStore:
    """Reads and writes of articles, aliases, revisions and alerts, batched in transactions."""

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 50, batch_seconds: float = 2.0) -> None:
        self.db = db
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self._pending = 0
        self._opened_at = 0.0

    @classmethod
    def open(cls, path: str, **kwargs: Any) -> ArticleStore:
        return cls(connect(path), **kwargs)

    # --- transactions -------------------------------------------------------
    def _write(self) -> None:
        """Count one write; open a transaction if none is open, commit when the batch is full."""
        if not self.db.conn.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self._opened_at = time.monotonic()
            self._pending = 0
        self._pending += 1

    def maybe_commit(self) -> None:
        if self.db.conn.in_transaction and (
            self._pending >= self.batch_size or time.monotonic() - self._opened_at >= self.batch_seconds
        ):
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.execute("COMMIT")
        self._pending = 0

    def close(self) -> None:
        self.commit()
        self.db.close()

    # --- lookups --------------------------------------------------------------
    def article_id_for_url(self, url: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE url = ? UNION ALL SELECT article_id FROM article_urls WHERE url = ? "
            "LIMIT 1", [url, url]).fetchone()
        return row[0] if row else None

    def article_id_for_hash(self, content_hash: str) -> int | None:
        row = self.db.execute("SELECT id FROM articles WHERE content_hash = ? LIMIT 1", [content_hash]).fetchone()
        return row[0] if row else None

    def get(self, article_id: int) -> dict[str, Any]:
        return dict(self.db["articles"].get(article_id))

    def first_seen(self, url: str) -> str | None:
        row = self.db.execute(
            "SELECT a.first_seen_at FROM articles a WHERE a.url = ? UNION ALL "
            "SELECT a.first_seen_at FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ? "
            "LIMIT 1", [url, url]).fetchone()
        return row[0] if row else None

    # --- writes ---------------------------------------------------------------
    def insert(self, article: Article, now: str) -> int:
        self._write()
        row = self._row(article)
        row.update(first_seen_at=now, last_seen_at=now)
        article_id = int(self.db["articles"].insert(row).last_pk)  # type: ignore[arg-type]
        self._index(article_id, article)
        self._keep_page(article_id, article)
        self.add_alias(article.url, article_id, now)
        self.maybe_commit()
        return article_id

    def update(self, article_id: int, article: Article, now: str) -> None:
        """Replace an article's content, keeping the previous version in ``article_revisions``."""
        self._write()
        old = self.get(article_id)
        self.db["article_revisions"].insert({
            "article_id": article_id, "title": old["title"], "summary": old["summary"], "body": old["body"],
            "published_at": old["published_at"], "updated_at": old["updated_at"],
            "content_hash": old["content_hash"], "replaced_at": now,
        })
        row = self._row(article)
        row.pop("url")  # the canonical URL stays the row's identity
        row["last_seen_at"] = now
        self.db["articles"].update(article_id, row)
        self.db.execute(f"DELETE FROM [{SEARCH_TABLE}] WHERE rowid = ?", [article_id])
        self._index(article_id, article)
        self._keep_page(article_id, article)
        self.maybe_commit()

    def touch(self, article_id: int, now: str) -> None:
        self._write()
        self.db.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", [now, article_id])
        self.maybe_commit()

    def add_alias(self, url: str, article_id: int, now: str) -> None:
        self._write()
        self.db.execute(
            "INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) VALUES (?, ?, ?)",
            [url, article_id, now])

    def add_alert(self, article_id: int, topic: str, matched: dict[str, Any], score: float,
                  delivery: str, now: str) -> int | None:
        """One alert per (article, topic), ever: returns the new id, or None if it existed."""
        self._write()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO alerts (article_id, topic, matched, score, created_at, delivery, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
            [article_id, topic, json.dumps(matched, ensure_ascii=False), score, now, delivery])
        self.maybe_commit()
        return cursor.lastrowid if cursor.rowcount else None

    # --- helpers --------------------------------------------------------------
    def _row(self, article: Article) -> dict[str, Any]:
        row: dict[str, Any] = {
            "url": article.canonical_url, "site": article.site, "title": article.title,
            "published_at": article.published_at, "published_utc": article.published_utc,
            "updated_at": article.updated_at, "section": article.section, "summary": article.summary,
            "dateline": article.dateline, "body": article.body_text, "image_url": article.image_url,
            "language": article.language, "content_hash": article.content_hash,
            "fetched_at": article.fetched_at,
        }
        for name in JSON_FIELDS:
            row[name] = json.dumps(getattr(article, name), ensure_ascii=False)
        return row

    def _index(self, article_id: int, article: Article) -> None:
        self.db.execute(
            f"INSERT INTO [{SEARCH_TABLE}] (rowid, title, summary, highlights, body, tags) VALUES (?, ?, ?, ?, ?, ?)",
            [article_id, search_form(article.title), search_form(article.summary),
             search_form(" । ".join(article.highlights)), search_form(article.body_text),
             search_form(" । ".join(article.tags))])

    def _keep_page(self, article_id: int, article: Article) -> None:
        if article.html is not None:
            self.db["pages"].upsert({"article_id": article_id, "url": article.url, "html": article.html,
                                     "fetched_at": article.fetched_at}, pk="article_id")

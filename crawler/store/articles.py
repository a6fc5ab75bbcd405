"""The data layer the pipelines share: one connection per crawl, writes batched in transactions.

Writes go into one ``BEGIN IMMEDIATE`` transaction that the caller commits when a unit of work
is complete and ``batch_size`` writes or ``batch_seconds`` have passed (``maybe_commit``: in a
crawl, the commit pipeline after an item's last stage, so an article and its alerts are always
committed together; ``commit_if_due`` on a timer, so an idle crawl never sits on the write lock).
Each article is written under a savepoint: a write that fails leaves nothing of that article
behind and the batch goes on. A failed commit is retried once; then the batch is rolled back and
``StoreFailure`` says what was lost with it (``track``), so the run can report it truthfully.
Reads made while a batch is open see its uncommitted rows
(same connection), so deduplication within one run is exact even before a commit; the
dedup pipeline opens the transaction before it looks anything up (``begin``), so the
decision and the write happen under one lock and a second crawl writing the same file
cannot slip the same story in between.

Identity is ``crawler.text.urls.url_key``: every URL a story was seen under, its canonical URL
included, is a row in ``article_urls`` with its key, so one index answers every URL lookup.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from crawler.items import Article, Validators
from crawler.knobs import boolean, duration, knob, number, text, whole
from crawler.store.compression import pack, pack_page, unpack
from crawler.store.connection import connect
from crawler.store.search import INDEX_SQL, SEARCH_COLUMNS, UNINDEX_SQL, row_search_forms
from crawler.store.sqlite import BUSY_TIMEOUT_MS, DatabaseError, StoreFailure, error_kind, write_problem
from crawler.store.stories import (
    DedupSettings,
    StoryIndex,
    article_bands,
    article_signature,
    article_story_text,
    story_text,
)
from crawler.text.urls import resource_url, url_key

logger = logging.getLogger(__name__)

JSON_FIELDS = ("authors", "highlights", "tags", "related", "more_from_section")
CACHE_KIB = 16_384
WAL_CHECKPOINT_PAGES = 16_384
LOCK_ATTEMPT_SECONDS = 5.0  # a waiting crawl says so in the log this often
COMMIT_RETRY_SECONDS = 0.5  # a failed commit is tried once more after this pause
# What a revision keeps of the version it replaces.
REVISION_COLUMNS = ("title", "summary", "body", "published_at", "updated_at", "content_hash")
OLD_COLUMNS = (*REVISION_COLUMNS, "highlights", "tags")  # what an update reads of the row it replaces


@dataclass
class StoreSettings:
    """``[storage]`` in khabar.toml: the file, and how writes are batched."""

    db: str = knob("data/khabar.db", setting="KHABAR_DB", read=text,
                   help="the SQLite file (relative to the config file's folder)")
    keep_html: bool = knob(True, setting="KHABAR_KEEP_HTML", read=boolean,
                           help="keep each page's raw HTML, so `khabar reparse` can re-run a fixed parser")
    batch_size: int = knob(500, setting="KHABAR_BATCH_SIZE", read=whole(1),
                           help="commit after this many written articles")
    batch_seconds: float = knob(2.0, setting="KHABAR_BATCH_SECONDS", read=number(0.05),
                                help="commit a batch open this long, full or not: how long another crawl may wait "
                                     "for the write lock, and what a kill can lose")
    lock_wait_seconds: float = knob(30.0, setting="KHABAR_LOCK_WAIT_SECONDS", key="lock_wait", read=duration,
                                    help="how long to wait for another process's write lock before dropping the "
                                         "item being stored (counted as database_locked)")


class ArticleStore:
    """Reads and writes of articles, aliases, revisions, stories, validators and alerts, batched in transactions."""

    def __init__(self, db: sqlite_utils.Database, settings: StoreSettings | None = None,
                 dedup: DedupSettings | None = None) -> None:
        self.db = db
        self.settings = settings or StoreSettings()
        self.path = db.execute("PRAGMA database_list").fetchone()[2] or ":memory:"
        # The indexes a crawl writes into at random places (URL keys, content hashes) outgrow SQLite's default 2 MB
        # page cache after a few thousand articles. 16 MB holds them at 100,000 articles; 64 MB bought no speed
        # there (measured) and cost its size in memory.
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # Checkpoint the WAL every 64 MB rather than every 4 MB: each checkpoint syncs the file, and pages written
        # again and again (index roots, the full-text index) are copied once per checkpoint, not once per 4 MB.
        self.db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        # Each article is written under a savepoint, whose journal holds the pages it changes until it is released:
        # in memory (a few dozen pages) rather than a temporary file written for every article.
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.stories = StoryIndex(db, (dedup or DedupSettings()).near_duplicate_threshold)
        # Articles this store inserted (one crawl), with the URL they were fetched under: a second URL of one
        # of them is a duplicate, whichever of the two came first.
        self.inserted: dict[int, str] = {}
        self._pending = 0
        self._opened_at = 0.0
        self._next_id: int | None = None  # ids are handed out here while the write lock is held
        # Full-text index changes of this transaction, by article id: (forms to remove, forms to add). Applied
        # just before COMMIT in ascending id order: FTS5 writes a whole segment out whenever a row arrives out
        # of id order, and an edit in between new articles did that on every edit (measured: 0.5 ms each).
        self._index_changes: dict[int, tuple[list[str] | None, list[str] | None]] = {}
        # What the open transaction holds, as stats keys ("articles/new", "alerts"): lost with it if it fails.
        self.batch: Counter[str] = Counter()
        self._batch_inserted: list[int] = []  # ids inserted by the open transaction

    @classmethod
    def open(cls, settings: StoreSettings, dedup: DedupSettings) -> ArticleStore:
        """The store of one process, fully configured (``crawler.config.Config.open_store`` calls this)."""
        return cls(connect(settings.db), settings, dedup)

    # --- transactions -------------------------------------------------------
    def begin(self) -> None:
        """Take the write lock (if not held yet): lookups made now stay true until the write."""
        if not self.db.conn.in_transaction:
            self._take_write_lock()
            self._opened_at = time.monotonic()
            self._pending = 0
            self._next_id = None
            if self.stories.bands is not None:
                self.stories.refresh()  # stories other processes stored since our last write

    def _take_write_lock(self) -> None:
        """BEGIN IMMEDIATE, waiting up to ``lock_wait_seconds`` for another process's write lock in short attempts,
        so that the wait is said in the log rather than silent; past that, a DatabaseError with a sentence."""
        started = time.monotonic()
        while True:
            remaining = self.settings.lock_wait_seconds - (time.monotonic() - started)
            self.db.execute(f"PRAGMA busy_timeout = {int(max(0.0, min(LOCK_ATTEMPT_SECONDS, remaining)) * 1000)}")
            try:
                self.db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                waited = time.monotonic() - started
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if waited >= self.settings.lock_wait_seconds:
                    raise DatabaseError(f"the database at {self.path} was locked by another process for "
                                        f"{waited:.0f} s (storage.lock_wait, KHABAR_LOCK_WAIT_SECONDS)") from None
                logger.warning("waiting for the write lock on %s: another process is writing it (%.0f s so far)",
                               self.path, waited)
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _write(self) -> None:
        """Count one write; open a transaction if none is open."""
        self.begin()
        self._pending += 1

    def track(self, key: str, count: int = 1) -> None:
        """Note that the open transaction holds ``count`` of ``key`` (a stats key under ``khabar/``, e.g.
        "alerts"), so a failed commit can say what it lost. Outside a transaction it is already stored."""
        if self.db.conn.in_transaction:
            self.batch[key] += count

    def maybe_commit(self) -> None:
        """Commit if the batch is full or has been open ``batch_seconds``: called when a unit of work is complete."""
        full = self._pending >= self.settings.batch_size
        if self.db.conn.in_transaction and (full or time.monotonic() - self._opened_at >= self.settings.batch_seconds):
            self.commit()

    def commit_if_due(self) -> None:
        """For a timer: commit a batch that has been open for ``batch_seconds``, full or not."""
        if self.db.conn.in_transaction and time.monotonic() - self._opened_at >= self.settings.batch_seconds:
            self.commit()

    def commit(self) -> None:
        """Commit the batch; a failed commit is tried once more, then the batch is rolled back (StoreFailure)."""
        for attempt in (1, 2):
            try:
                if self._index_changes:
                    self.begin()
                    self._apply_index_changes()
                if self.db.conn.in_transaction:
                    self.db.execute("COMMIT")
                break
            except sqlite3.Error as error:
                if attempt == 1 and self.db.conn.in_transaction and error_kind(error, self.path) != "schema":
                    logger.warning("commit to %s failed (%s); trying once more", self.path, error)
                    time.sleep(COMMIT_RETRY_SECONDS)
                    continue
                raise self._lose_batch(error, "commit failed twice: " if attempt == 2 else "") from None
        self._pending = 0
        self.batch.clear()
        self._batch_inserted.clear()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.db.close()

    def rollback(self) -> Counter[str]:
        """Give up the open transaction; what it held (``track``), which is now not stored."""
        if self.db.conn.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error as error:  # a rollback that fails leaves nothing to keep either
                logger.warning("rollback on %s failed: %s", self.path, error)
        lost = Counter(self.batch)
        for article_id in self._batch_inserted:
            self.inserted.pop(article_id, None)
        if self._batch_inserted:
            self.stories.seen_up_to = min(self.stories.seen_up_to, min(self._batch_inserted) - 1)
            self.stories.bands = None  # it holds the rolled-back articles' bands: read again from the file
        self._index_changes.clear()
        self._pending, self._next_id = 0, None
        self.batch.clear()
        self._batch_inserted.clear()
        return lost

    def _lose_batch(self, error: BaseException, prefix: str = "") -> StoreFailure:
        lost = self.rollback()
        failure = StoreFailure(prefix + write_problem(self.path, error), error_kind(error, self.path), lost)
        logger.error("%s: %s not stored", failure, ", ".join(f"{n} {key}" for key, n in sorted(lost.items()))
                     or "nothing")
        return failure

    @contextmanager
    def _article_write(self, track: str) -> Iterator[None]:
        """One article's writes, all or nothing: a failing statement rolls back this article alone (a savepoint),
        unless SQLite gave up the whole transaction (a full disk can), which loses the batch."""
        self._write()
        conn = self.db.conn  # the plain connection: these two statements run for every article
        conn.execute("SAVEPOINT khabar_article")
        try:
            yield
            conn.execute("RELEASE khabar_article")
        except BaseException as error:
            this = Counter({track: 1} if track else {})
            if not self._undo_article():
                self.batch.update(this)
                raise self._lose_batch(error) from None
            self._pending -= 1
            if isinstance(error, sqlite3.Error):
                raise StoreFailure(write_problem(self.path, error), error_kind(error, self.path), this) from None
            raise
        if track:
            self.batch[track] += 1

    def _undo_article(self) -> bool:
        """Roll back to the article's savepoint; False when the transaction itself is gone or cannot be kept."""
        if not self.db.conn.in_transaction:
            return False
        try:
            self.db.execute("ROLLBACK TO khabar_article")
            self.db.execute("RELEASE khabar_article")
        except sqlite3.Error:
            return False
        return True

    # --- lookups --------------------------------------------------------------
    def article_id_for_key(self, key: str) -> int | None:
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url_key = ? LIMIT 1", [key]).fetchone()
        return row[0] if row else None

    def article_id_for_url(self, url: str) -> int | None:
        return self.article_id_for_key(url_key(url))

    def url_of(self, article_id: int) -> str:
        """The stored (canonical) URL of an article."""
        return str(self.db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0])

    def articles_with_hash(self, content_hash: str) -> list[tuple[int, str, int]]:
        """(id, url, story_id) of every stored article with this content fingerprint."""
        return [(row[0], row[1], row[2]) for row in self.db.execute(
            "SELECT id, url, COALESCE(story_id, id) FROM articles WHERE content_hash = ? ORDER BY id",
            [content_hash]).fetchall()]

    def get(self, article_id: int) -> dict[str, Any]:
        return dict(self.db.table("articles").get(article_id))

    def version(self, article_id: int) -> tuple[str, str | None]:
        """(content_hash, updated_at) of a stored article: what decides whether a re-crawl is an update."""
        row = self.db.execute("SELECT content_hash, updated_at FROM articles WHERE id = ?", [article_id]).fetchone()
        return row[0], row[1]

    def known(self, key: str) -> tuple[int, str] | None:
        """(article_id, first_seen_at) of the stored article this URL key belongs to, if any."""
        row = self.db.execute(
            "SELECT a.id, a.first_seen_at FROM article_urls u JOIN articles a ON a.id = u.article_id "
            "WHERE u.url_key = ? LIMIT 1", [key]).fetchone()
        return (row[0], row[1]) if row else None

    def validators(self, url: str) -> Validators | None:
        """The validators stored for one resource (``crawler.text.urls.resource_url``)."""
        row = self.db.execute(
            "SELECT etag, last_modified, kind, content_type, body FROM http_validators WHERE url = ?",
            [resource_url(url)]).fetchone()
        if row is None:
            return None
        body = unpack(row[4]) if row[4] else None
        return Validators(etag=row[0] or "", last_modified=row[1] or "", kind=row[2] or "",
                          content_type=row[3] or "", body=body)

    # --- writes ---------------------------------------------------------------
    def insert(self, article: Article, now: str, story_id: int | None = None, aliases: list[str] | None = None,
               track: str = "") -> int:
        """Store a new article; it joins ``story_id`` if given, else the story of its nearest near-duplicate.
        The URL it was fetched under, its canonical URL and ``aliases`` are kept as its URLs. ``track``: the
        stats key the caller counted it under (see ``track``). Committing is the caller's (``maybe_commit``)."""
        with self._article_write(track):
            article_id = self._new_id()
            sig = article_signature(article)
            keys = article_bands(article)
            if story_id is None and sig is not None:
                story_id = self.stories.best_story(sig, None, keys)
            row = self._row(article)
            row.update(id=article_id, story_id=story_id or article_id, first_seen_at=now, last_seen_at=now)
            # Plain SQL: sqlite-utils' insert() inspects the table on every call, which costs more than the insert.
            self.db.execute(f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))
            self._keep_page(article_id, article)
            self.add_aliases(list(dict.fromkeys([article.url, article.canonical_url, *(aliases or [])])),
                             article_id, now)
            self.stories.remember(article_id, sig, keys)  # last: its in-memory bands are only added on success
        article.story_id = row["story_id"]
        self._index(article_id, article)
        self.inserted[article_id] = article.url
        self._batch_inserted.append(article_id)
        return article_id

    def _new_id(self) -> int:
        """The next article id: read once per transaction (the write lock is held, no one else inserts)."""
        if self._next_id is None:
            self._next_id = int(self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])
        article_id, self._next_id = self._next_id, self._next_id + 1
        return article_id

    def update(self, article_id: int, article: Article, now: str, track: str = "") -> None:
        """Replace an article's content, keeping the previous version in ``article_revisions``."""
        with self._article_write(track):
            # Plain SQL throughout: sqlite-utils' get/insert/update inspect the table on every call.
            old = dict(zip(OLD_COLUMNS, self.db.execute(
                f"SELECT {', '.join(OLD_COLUMNS)} FROM articles WHERE id = ?", [article_id]).fetchone(), strict=True))
            self.db.execute(
                f"INSERT INTO article_revisions (article_id, {', '.join(REVISION_COLUMNS)}, replaced_at) "
                f"VALUES (?, {', '.join('?' * len(REVISION_COLUMNS))}, ?)",
                [article_id, *(old[name] for name in REVISION_COLUMNS), now])
            row = self._row(article)
            for identity in ("url", "url_key"):
                row.pop(identity)  # the first canonical URL stays the row's identity
            row["last_seen_at"] = now
            self.db.execute(f"UPDATE articles SET {', '.join(f'{name} = ?' for name in row)} WHERE id = ?",
                            [*row.values(), article_id])
            self._keep_page(article_id, article)
            text = article_story_text(article)
            if text != story_text(old["title"] or "", old["body"] or ""):
                self.stories.reindex(article_id, text)
        queued = self._index_changes.get(article_id)
        remove = queued[0] if queued else row_search_forms(old)  # what the index holds for it now
        self._index_changes[article_id] = (remove, self._forms(article))

    def touch(self, article_id: int, now: str, track: str = "") -> None:
        with self._article_write(track):
            self.db.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", [now, article_id])

    def add_aliases(self, urls: list[str], article_id: int, now: str) -> None:
        """Every URL the story was seen under, in one statement."""
        self.begin()  # part of the article's write; not counted as one of its own
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, url_key, article_id, first_seen_at) VALUES (?, ?, ?, ?)",
            [(url, url_key(url), article_id, now) for url in urls])

    def save_validators(self, url: str, found: Validators, now: str) -> None:
        """Remember a URL's ETag / Last-Modified (and, for listing-like pages, the body a 304 stands for)."""
        with self._article_write(""):
            body = pack(found.body) if found.body is not None else None
            self.db.execute(
                "INSERT OR REPLACE INTO http_validators (url, kind, etag, last_modified, content_type, body, "
                "checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [resource_url(url), found.kind, found.etag, found.last_modified, found.content_type, body, now])

    # --- helpers --------------------------------------------------------------
    def _row(self, article: Article) -> dict[str, Any]:
        row: dict[str, Any] = {
            "url": article.canonical_url, "url_key": url_key(article.canonical_url), "site": article.site,
            "title": article.title, "published_at": article.published_at, "published_utc": article.published_utc,
            "updated_at": article.updated_at, "section": article.section, "summary": article.summary,
            "dateline": article.dateline, "body": article.body_text, "image_url": article.image_url,
            "language": article.language, "content_hash": article.content_hash,
            "fetched_at": article.fetched_at,
        }
        for name in JSON_FIELDS:
            value = getattr(article, name)
            row[name] = "[]" if value == [] else json.dumps(value, ensure_ascii=False)  # most lists are empty
        return row

    def _index(self, article_id: int, article: Article) -> None:
        self._index_changes[article_id] = (None, self._forms(article))

    @staticmethod
    def _forms(article: Article) -> list[str]:
        return search_forms(article)

    def _apply_index_changes(self) -> None:
        additions: list[list[Any]] = []
        for article_id in sorted(self._index_changes):
            remove, add = self._index_changes[article_id]
            if remove is not None:
                self.db.conn.executemany(INDEX_SQL, additions)
                additions = []
                self.db.execute(UNINDEX_SQL, [article_id, *remove])
            if add is not None:
                additions.append([article_id, *add])
        self.db.conn.executemany(INDEX_SQL, additions)
        self._index_changes.clear()

    def _keep_page(self, article_id: int, article: Article) -> None:
        """The raw page, packed (``crawler.store.compression``), where it was parsed or else here."""
        if not self.settings.keep_html:
            return
        packed = article.packed_html
        if packed is None and article.html is not None:
            packed = pack_page(article.html)
        if packed is not None:
            # Plain SQL: sqlite-utils' upsert() inspects the table on every call (0.8 ms of a 2.6 ms insert, measured).
            self.db.execute("INSERT OR REPLACE INTO pages (article_id, url, html, fetched_at) VALUES (?, ?, ?, ?)",
                            [article_id, article.url, packed, article.fetched_at])


def search_forms(article: Article) -> list[str]:
    """The search form of each full-text column, made once per article (``Article.derived``), perhaps in a parse
    worker."""
    return article.derived("search_forms", _search_forms)


def _search_forms(article: Article) -> list[str]:
    tokens = article.tokens()  # tokenized once for dedup, this index, the story and the alert stage
    return [tokens.search_form(name) for name in SEARCH_COLUMNS]

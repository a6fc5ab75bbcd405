"""`khabar writer`: the one process that stores a cluster crawl's articles in the SQLite file.

Crawler processes started with ``-s KHABAR_CLUSTER=redis://...`` push parsed articles onto ``khabar:items``
(``pipelines.handoff``). The writer drains that list through the code a one-process crawl runs (dedup
``decide`` and ``store_decided``, ``raise_alerts``), so stories, revisions and alerts come out the same.

It is a reliable queue: a batch is moved to ``khabar:items:processing`` (``ItemQueue.claim``), stored in one
transaction that also records the batch's item ids (table ``cluster_intake``), and acknowledged only after the
commit. Killed before the commit, the next writer stores the batch again from the processing list; killed
after it, the next writer finds the ids recorded and only acknowledges. After each commit the batch's URL keys
go to ``khabar:known``, which the crawlers' skip-known middleware reads. One writer per cluster: it holds
``khabar:writer`` while it runs, and a second one waits for it to stop (or its lease to run out).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from crawler.alerts.delivery import deliver_due
from crawler.alerts.matcher import TopicMatcher
from crawler.alerts.recording import AlertRecorder, raise_alerts
from crawler.config import Config
from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.cluster import KNOWN, WRITER, ClusterError, ItemQueue, KnownUrls, decode_article
from crawler.store.dedup import content_hash, decide, store_decided
from crawler.store.sqlite import DatabaseError
from crawler.text.clock import utc_now
from crawler.text.urls import url_key

logger = logging.getLogger(__name__)

KNOWN_DB = KNOWN + ":db"  # the SQLite file whose URLs khabar:known mirrors
SEED_CHUNK = 10_000
REPORT_SECONDS = 10.0
# The writer commits once per batch itself (with the batch's ids), never in the middle of one.
NEVER = 10**9


class Writer:
    def __init__(self, config: Config, client: Any) -> None:
        self.config = config
        self.client = client
        self.queue = ItemQueue(client)
        self.known = KnownUrls(client)
        self.batch_size = config.storage.batch_size
        self.batch_wait = min(config.storage.batch_seconds, 1.0)
        self.identity = f"{socket.gethostname()}:{os.getpid()} {os.path.abspath(config.db_path)}"
        self.counts: Counter[str] = Counter()
        self.store = self._open_store()
        self.matcher = TopicMatcher(config.topics)  # compiled once

    def _open_store(self) -> ArticleStore:
        settings = dataclasses.replace(self.config.storage, batch_size=NEVER, batch_seconds=float(NEVER))
        store = ArticleStore.open(settings, self.config.dedup)
        self.recorder = AlertRecorder(store.db, self.config)
        return store

    # --- the loop -------------------------------------------------------------------------------------------
    def run(self, until_idle: float | None = None, stop: threading.Event | None = None) -> Counter[str]:
        """Drain the queue until ``stop`` is set, or until it has been empty for ``until_idle`` seconds."""
        stop = stop or threading.Event()
        self._take_writer_lock(stop)
        try:
            self._seed_known()
            idle_since = last_report = time.monotonic()
            undelivered = False
            while not stop.is_set():
                self._renew_writer_lock()
                batch = self.queue.claimed() or self.queue.claim(self.batch_size, self.batch_wait)
                if batch:
                    self._store_batch(batch)
                    idle_since, undelivered = time.monotonic(), True
                elif undelivered:  # caught up: send what the new alerts owe, as a crawl does when it closes
                    self._deliver()
                    undelivered = False
                elif until_idle is not None and time.monotonic() - idle_since >= until_idle:
                    break
                if time.monotonic() - last_report >= REPORT_SECONDS:
                    logger.info("writer: %s", self.summary())
                    last_report = time.monotonic()
            if undelivered:
                self._deliver()
        finally:
            if self.client.get(WRITER) == self.identity.encode():
                self.client.delete(WRITER)
            self._discard_open_batch()
            self.store.db.close()
        return self.counts

    def summary(self) -> str:
        counts = self.counts
        waiting = self.queue.lengths()
        return (f"{counts['articles']} articles: {counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['duplicate']} duplicates; {counts['alerts']} alerts; "
                f"{counts['rejected']} unreadable; {waiting['waiting']} waiting in Redis")

    # --- one batch ------------------------------------------------------------------------------------------
    def _store_batch(self, batch: list[bytes]) -> None:
        """Store a claimed batch in one transaction, then acknowledge it. A record that cannot be stored (unreadable,
        or an error storing it) is set aside in khabar:items:rejected, counted, and the rest stored without it."""
        poison: dict[int, str] = {}
        while True:
            try:
                counts, known = self._write(batch, poison)
                break
            except DatabaseError as error:  # another process held the file's write lock too long: try again
                logger.warning("writer: %s; retrying the batch", error)
                self._reset_store()
                time.sleep(1.0)
            except _BadRecord as bad:
                poison[bad.index] = bad.reason
                self._reset_store()  # the transaction and the store's in-memory state of it are gone
        for index, reason in poison.items():
            logger.warning("writer: set aside an unreadable record (%s)", reason)
            self.queue.reject(batch[index])
            counts["rejected"] += 1
            counts[f"rejected/{reason.split(':', 1)[0]}"] += 1
        self.known.remember(known)
        self.queue.ack()
        self.counts.update(counts)

    def _write(self, batch: list[bytes], poison: dict[int, str]) -> tuple[Counter[str], list[tuple[str, int, str]]]:
        store = self.store
        store.begin()
        committed = self._committed_ids()
        counts: Counter[str] = Counter()
        known: list[tuple[str, int, str]] = []
        ids: list[str] = []
        now = utc_now()
        for index, record in enumerate(batch):
            if index in poison:
                continue
            try:
                item_id, article = decode_article(record)
            except ValueError as error:
                raise _BadRecord(index, f"unreadable: {error}") from None
            ids.append(item_id)
            if item_id in committed:  # stored by a writer killed before it acknowledged the batch
                counts["already_stored"] += 1
                known += self._known_entries(article)
                continue
            try:
                self._store_article(article, now, counts)
            except DatabaseError:
                raise
            except Exception as error:  # a record this code cannot store: set aside, not retried forever
                logger.exception("writer: could not store %s", article.url)
                raise _BadRecord(index, f"{type(error).__name__}: {error}") from None
            known += self._known_entries(article)
        store.db.execute("INSERT OR REPLACE INTO cluster_intake (id, batch, committed_at) VALUES (1, ?, ?)",
                         [json.dumps(ids), now])
        store.commit()
        return counts, known

    def _store_article(self, article: Article, now: str, counts: Counter[str]) -> None:
        """What the dedup, store and alert pipelines do to an article in a one-process crawl."""
        article.content_hash = content_hash(article)
        decide(self.store, article)
        if store_decided(self.store, article, now):
            counts["stories/joined"] += 1
        counts["articles"] += 1
        counts[article.disposition] += 1
        for found, outcome in raise_alerts(self.recorder, self.matcher, self.config.topics, article,
                                           datetime.now(UTC)):
            counts[f"alerts/{outcome}"] += 1
            if outcome == "created":
                counts["alerts"] += 1
                logger.info("alert %s (score %s): %s", found.topic, found.score, article.title)

    def _known_entries(self, article: Article) -> list[tuple[str, int, str]]:
        """The URL keys skip-known should find for this article, with its id and first sighting."""
        found = self.store.known(url_key(article.canonical_url))
        if found is None:
            return []
        article_id, first_seen = found
        urls = [article.url, article.canonical_url, *article.aliases,
                *(article.validators.aliases if article.validators else [])]
        return [(url_key(url), article_id, first_seen) for url in dict.fromkeys(urls)]

    def _committed_ids(self) -> set[str]:
        row = self.store.db.execute("SELECT batch FROM cluster_intake WHERE id = 1").fetchone()
        return set(json.loads(row[0])) if row else set()

    def _discard_open_batch(self) -> None:
        """A batch is committed whole, with its ids, or not at all: never half of it (it is still claimed)."""
        if self.store.db.conn.in_transaction:
            self.store.db.execute("ROLLBACK")

    def _reset_store(self) -> None:
        self._discard_open_batch()
        self.store.db.close()
        self.store = self._open_store()

    def _deliver(self) -> None:
        if not self.config.delivery.at_close:
            return
        report = deliver_due(self.store.db, self.config)
        self.counts["notify/sent"] += report.sent
        self.counts["notify/failed"] += report.failed

    # --- one writer per cluster, and the known URLs ---------------------------------------------------------
    def _take_writer_lock(self, stop: threading.Event) -> None:
        lease_ms = int(self.config.cluster.lease * 1000)
        waited_since = time.monotonic()
        while not self.client.set(WRITER, self.identity, nx=True, px=lease_ms):
            holder = (self.client.get(WRITER) or b"?").decode()
            logger.warning("writer: another writer (%s) holds this cluster; waiting for it to stop or for its "
                           "lease to run out (%.0f s so far)", holder, time.monotonic() - waited_since)
            if stop.wait(min(self.config.cluster.lease / 3, 5.0)):
                raise ClusterError(f"stopped while waiting for the other writer ({holder})")

    def _renew_writer_lock(self) -> None:
        if not self.client.set(WRITER, self.identity, xx=True, px=int(self.config.cluster.lease * 1000)):
            self.client.set(WRITER, self.identity, nx=True, px=int(self.config.cluster.lease * 1000))

    def _seed_known(self) -> None:
        """khabar:known mirrors this file's URLs: filled from the file when empty, refused for another file."""
        path = os.path.abspath(self.config.db_path)
        mirrored = self.client.get(KNOWN_DB)
        if mirrored is not None and mirrored.decode() != path:
            raise ClusterError(f"this Redis database serves the cluster of {mirrored.decode()}, not {path}: give "
                               "each SQLite file its own Redis database (redis://HOST:PORT/N)")
        if mirrored is not None:
            return
        cursor = self.store.db.execute("SELECT u.url_key, a.id, a.first_seen_at FROM article_urls u "
                                       "JOIN articles a ON a.id = u.article_id")
        seeded = 0
        while chunk := cursor.fetchmany(SEED_CHUNK):
            self.known.remember(chunk)
            seeded += len(chunk)
        self.client.set(KNOWN_DB, path)
        logger.info("writer: %s stored URLs of %s made known to the cluster", seeded, path)


class _BadRecord(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason

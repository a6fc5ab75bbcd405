"""FailureMonitor: every exception in a pipeline or the store counted, the run failed, a fatal one stops the crawl.

Scrapy logs an exception raised in an item pipeline and goes on: the run would "finish" with nothing
said. Here each one is counted as ``khabar/errors/<stage>/<kind>`` (the stage is the pipeline module,
``store``, ``alert`` ...; the kind is ``disk_full``, ``io_error``, ``schema`` ... or the exception's
class), the first one's sentence is kept (``khabar/failure``), and what a failed write rolled back
(``StoreFailure.lost``) is moved from ``khabar/articles/new`` ... to ``khabar/lost/...``, so the counts
say what is really stored. ``crawler.store.runs.run_outcome`` then records the run as ``failed``.

A fatal failure (a full disk, an I/O error: no later write can be trusted) closes the crawl with reason
``failed``: fetching more pages would only lose them too, and the next run fetches what was missed.
Pipelines report failures outside ``process_item`` (a commit on a timer or at close) with ``record``.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler.components.addon import KhabarAddon
from crawler.store.runs import (
    ERRORS_PREFIX,
    FAILED_REASON,
    FAILURE_KEY,
    FAILURE_KIND_KEY,
    FAILURES_KEY,
    LOST_PREFIX,
)
from crawler.store.sqlite import FATAL_KINDS, DatabaseError, StoreFailure, error_kind, write_problem

logger = logging.getLogger(__name__)


def stage_of(tb: Any) -> str:
    """The pipeline a traceback went through (the outermost ``pipelines.<name>`` frame), else "pipeline"."""
    for frame, _ in traceback.walk_tb(tb):
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith("pipelines."):
            return module.rsplit(".", 1)[-1]
    return "pipeline"


def sentence(stage: str, error: BaseException, db: str | None = None) -> str:
    if isinstance(error, DatabaseError):
        return str(error)  # already phrased for the user
    if isinstance(error, sqlite3.Error) and db:
        return write_problem(db, error)
    return f"the {stage} stage raised {type(error).__name__}: {error}"


def record(crawler: Crawler, stage: str, error: BaseException) -> None:
    """Count one failure of ``stage``; keep the first one's sentence; move what it lost; stop on a fatal one."""
    stats = crawler.stats
    assert stats is not None
    store = KhabarAddon.of(crawler).opened_store
    db = store.path if store is not None else None
    kind = error_kind(error, db)
    stats.inc_value(f"{ERRORS_PREFIX}{stage}/{kind}")
    stats.inc_value(FAILURES_KEY)
    lost = Counter(error.lost) if isinstance(error, StoreFailure) else Counter()
    lost.update(_abandoned_batch(crawler))
    for key, count in lost.items():
        stats.inc_value(f"khabar/{key}", -count)
        stats.inc_value(f"{LOST_PREFIX}{key}", count)
    if not stats.get_value(FAILURE_KEY):
        stats.set_value(FAILURE_KEY, sentence(stage, error, db))
        stats.set_value(FAILURE_KIND_KEY, kind)
    if kind in FATAL_KINDS:
        stop(crawler, sentence(stage, error, db))


def _abandoned_batch(crawler: Crawler) -> Counter[str]:
    """What the store's batch held when an error outside the store ended its transaction (SQLite rolls a
    transaction back by itself on a full disk): the store forgets it, and the run counts it as lost."""
    store = KhabarAddon.of(crawler).opened_store
    if store is None or not store.batch or store.db.conn.in_transaction:
        return Counter()
    return store.rollback()


def stop(crawler: Crawler, why: str) -> None:
    """Close the crawl with reason ``failed`` (once)."""
    engine = crawler.engine
    if engine is None or engine.spider is None or getattr(crawler, "_khabar_failing", False):
        return
    crawler._khabar_failing = True  # type: ignore[attr-defined]
    logger.error("stopping the crawl: %s", why)
    deferred_from_coro(engine.close_spider_async(reason=FAILED_REASON))


class FailureMonitor:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureMonitor:
        return cls(crawler)

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        error = failure.value
        if isinstance(error, BaseException):
            record(self.crawler, stage_of(failure.getTracebackObject()), error)

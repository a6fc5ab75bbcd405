"""StorePipeline: write the article (insert, update with a revision, or touch), counting each outcome.

Every URL the story was seen under (the fetched URL, the canonical URL, redirects that led
to it) becomes an alias, and the response's ETag / Last-Modified are written in the same
transaction as the article, so a crash can never leave validators for content not stored.
The outcome is counted before the write and noted in the batch (``ArticleStore.track``): a write or
commit that fails takes it back (``crawler.components.failures``), so the counts are what is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from crawler.components import failures
from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.store.dedup import store_decided
from crawler.store.sqlite import DatabaseError
from crawler.text.clock import utc_now

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self._committer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        addon = KhabarAddon.of(crawler)
        if addon.in_cluster:
            raise NotConfigured  # a cluster crawl hands its articles to `khabar writer` (pipelines/handoff.py)
        return cls(crawler, addon)

    def open_spider(self) -> None:
        store = self.addon.store  # open the database before the first page
        # Commit on a timer too: a crawl waiting on the network must not hold the write lock another crawl needs.
        self._committer = task.LoopingCall(self._commit_if_due)
        self._committer.start(max(store.settings.batch_seconds / 2, 0.1), now=False)

    def _commit_if_due(self) -> None:
        try:
            self.addon.store.commit_if_due()
        except DatabaseError as error:  # counted and reported; the timer goes on
            failures.record(self.crawler, "store", error)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        outcome = f"articles/{item.disposition}"
        self.stats.inc_value(f"khabar/{outcome}")  # taken back if the write fails (failures.record)
        if store_decided(self.addon.store, item, utc_now(), track=outcome):
            self.stats.inc_value("khabar/stories/joined")
        logger.debug("%s: %s", item.disposition, item.canonical_url)
        return item

    def close_spider(self) -> None:
        if self._committer is not None and self._committer.running:
            self._committer.stop()
        try:
            self.addon.store.commit()
        except DatabaseError as error:
            failures.record(self.crawler, "store", error)

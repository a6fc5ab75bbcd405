"""StorePipeline: write the article (insert, update with a revision, or touch), counting each outcome.

Every URL the story was seen under (the fetched URL, the canonical URL, redirects that led
to it) becomes an alias, and the response's ETag / Last-Modified are written in the same
transaction as the article, so a crash can never leave validators for content not stored.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.text.clock import utc_now

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self._committer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, KhabarAddon.of(crawler))

    def open_spider(self) -> None:
        store = self.addon.store  # open the database before the first page
        # Commit on a timer too: a crawl waiting on the network must not hold the write lock another crawl needs.
        self._committer = task.LoopingCall(store.commit_if_due)
        self._committer.start(max(store.settings.batch_seconds / 2, 0.1), now=False)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        store = self.addon.store
        now = utc_now()
        found = item.validators
        redirects = found.aliases if found else []
        urls = list(dict.fromkeys([item.url, item.canonical_url, *item.aliases, *redirects]))
        if item.disposition == "new":
            item.article_id = store.insert(item, now, story_id=item.story_id, aliases=urls)
            if item.story_id != item.article_id:
                self.stats.inc_value("khabar/stories/joined")
        else:
            assert item.article_id is not None
            if item.disposition == "updated":
                store.update(item.article_id, item, now)
            else:
                store.touch(item.article_id, now)
            store.add_aliases(urls, item.article_id, now)
        if found:
            store.save_validators(item.url, found, now)
        self.stats.inc_value(f"khabar/articles/{item.disposition}")
        logger.debug("%s: %s", item.disposition, item.canonical_url)
        return item

    def close_spider(self) -> None:
        if self._committer is not None and self._committer.running:
            self._committer.stop()
        self.addon.store.commit()

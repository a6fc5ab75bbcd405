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

from crawler.components.runtime import Runtime
from crawler.items import Article
from crawler.store.articles import utc_now

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.keep_html = crawler.settings.getbool("KHABAR_KEEP_HTML")
        self.batch_seconds = crawler.settings.getfloat("KHABAR_BATCH_SECONDS", 2.0)
        self._committer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        store = Runtime.of(self.crawler).store  # open the database (and refuse a bad config) before the first page
        store.batch_size = self.crawler.settings.getint("KHABAR_BATCH_SIZE", store.batch_size)
        store.batch_seconds = self.batch_seconds
        # Commit on a timer too: a crawl waiting on the network must not hold the write lock another crawl needs.
        self._committer = task.LoopingCall(store.commit_if_due)
        self._committer.start(max(self.batch_seconds / 2, 0.1), now=False)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        store = Runtime.of(self.crawler).store
        now = utc_now()
        if not self.keep_html:
            item.html = None
        note = store.fetch_notes.pop(item.url, None)
        urls = list(dict.fromkeys([item.url, item.canonical_url, *item.aliases, *(note.aliases if note else [])]))
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
        if note:
            store.save_validators(item.url, note, now)
        self.stats.inc_value(f"khabar/articles/{item.disposition}")
        logger.debug("%s: %s", item.disposition, item.canonical_url)
        return item

    def close_spider(self) -> None:
        if self._committer is not None and self._committer.running:
            self._committer.stop()
        store = Runtime.of(self.crawler).store
        store.fetch_notes.clear()
        store.commit()

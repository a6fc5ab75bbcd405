"""StorePipeline: write the article (insert, update with a revision, or touch), counting each outcome."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.runtime import Runtime
from crawler.storage import utc_now

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.keep_html = crawler.settings.getbool("KHABAR_KEEP_HTML")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        Runtime.of(self.crawler)  # open the database (and refuse a bad config) before the first page

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        store = Runtime.of(self.crawler).store
        now = utc_now()
        if not self.keep_html:
            item.html = None
        if item.disposition == "new":
            item.article_id = store.insert(item, now)
        elif item.disposition == "updated":
            assert item.article_id is not None
            store.update(item.article_id, item, now)
        else:
            assert item.article_id is not None
            store.touch(item.article_id, now)
        for url in {item.url, item.canonical_url}:
            store.add_alias(url, item.article_id, now)
        self.stats.inc_value(f"khabar/articles/{item.disposition}")
        logger.debug("%s: %s", item.disposition, item.canonical_url)
        return item

    def close_spider(self) -> None:
        Runtime.of(self.crawler).store.commit()

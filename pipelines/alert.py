"""AlertPipeline: match new articles against the configured topics; one alert per (article, topic), ever."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.notify import deliver_pending
from crawler.runtime import Runtime
from crawler.storage import utc_now
from crawler.topics import match_all

logger = logging.getLogger(__name__)


class AlertPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or item.disposition != "new" or item.article_id is None:
            return item
        runtime = Runtime.of(self.crawler)
        for found in match_all(runtime.config.topics, item):
            created = runtime.store.add_alert(item.article_id, found.topic, found.as_dict(), found.score,
                                              "instant", utc_now())
            if created:
                self.stats.inc_value("khabar/alerts")
                self.stats.inc_value(f"khabar/alerts/{found.topic}")
                logger.info("alert %s: %s (%s)", found.topic, item.title, ", ".join(found.terms))
        return item

    def close_spider(self) -> None:
        runtime = Runtime.of(self.crawler)
        runtime.store.commit()
        sent, failed = deliver_pending(runtime.store.db, runtime.config)
        self.stats.set_value("khabar/notify/sent", sent)
        self.stats.set_value("khabar/notify/failed", failed)

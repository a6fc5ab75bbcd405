"""AlertPipeline: match new and changed articles against the topics; one alert per (article, topic), ever.

Each alert is written with its outbox rows (crawler.alerts.recording); when the spider closes, due
alerts are sent (crawler.alerts.delivery) and the rest wait in the outbox for a later run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.alerts.delivery import deliver_due
from crawler.alerts.recording import AlertRecorder
from crawler.alerts.rules import TopicMatcher
from crawler.components.runtime import Runtime
from crawler.items import Article

logger = logging.getLogger(__name__)


class AlertPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        settings = crawler.settings
        self.deliver_at_close = settings.getbool("KHABAR_NOTIFY_AT_CLOSE", True)
        self.retry_seconds = settings.getfloat("KHABAR_NOTIFY_RETRY_SECONDS", 60)
        self.retry_max_seconds = settings.getfloat("KHABAR_NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
        self.lease_seconds = settings.getfloat("KHABAR_NOTIFY_LEASE_SECONDS", 600)
        self._matcher: TopicMatcher | None = None
        self._recorder: AlertRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertPipeline:
        return cls(crawler)

    def _ready(self) -> tuple[TopicMatcher, AlertRecorder]:
        if self._matcher is None or self._recorder is None:
            runtime = Runtime.of(self.crawler)
            self._matcher = TopicMatcher(runtime.config.topics)  # compiled once per crawl
            self._recorder = AlertRecorder(runtime.store.db, runtime.config)
        return self._matcher, self._recorder

    def process_item(self, item: Any) -> Any:
        # An edit can make a story match (a live page that turns to the war); the UNIQUE
        # (article, topic) index keeps it to one alert either way.
        if not isinstance(item, Article) or item.disposition not in ("new", "updated") or item.article_id is None:
            return item
        matcher, recorder = self._ready()
        topics = Runtime.of(self.crawler).config.topics
        now = datetime.now(UTC)
        for found in matcher.match_article(item):
            outcome = recorder.record(item.article_id, topics[found.topic], found, now)
            self.stats.inc_value(f"khabar/alert_outcomes/{outcome}")
            if outcome == "created":
                self.stats.inc_value("khabar/alerts")
                self.stats.inc_value(f"khabar/alerts/{found.topic}")
                logger.info("alert %s (score %s): %s [%s]", found.topic, found.score, item.title,
                            ", ".join(found.terms))
        return item

    def close_spider(self) -> None:
        runtime = Runtime.of(self.crawler)
        runtime.store.commit()
        if not self.deliver_at_close:
            return
        report = deliver_due(runtime.store.db, runtime.config, retry_seconds=self.retry_seconds,
                             retry_max_seconds=self.retry_max_seconds, lease_seconds=self.lease_seconds)
        for name in ("sent", "failed", "waiting", "messages"):
            self.stats.set_value(f"khabar/notify/{name}", getattr(report, name))

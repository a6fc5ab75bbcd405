"""AlertPipeline: match new and changed articles against the topics; one alert per (article, topic), ever.

Each alert is written with its outbox rows (crawler.alerts.recording); when the spider closes, due
alerts are sent (crawler.alerts.delivery) and the rest wait in the outbox for a later run.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.alerts.delivery import deliver_due
from crawler.alerts.matcher import TopicMatcher
from crawler.alerts.recording import AlertRecorder, raise_alerts
from crawler.components import failures
from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.store.sqlite import DatabaseError

logger = logging.getLogger(__name__)


class AlertPipeline:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self.config = addon.config
        self.matcher = TopicMatcher(self.config.topics)  # compiled once per crawl
        self._recorder: AlertRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AlertPipeline:
        addon = KhabarAddon.of(crawler)
        if addon.in_cluster:
            raise NotConfigured  # a cluster crawl hands its articles to `khabar writer` (pipelines/handoff.py)
        return cls(crawler, addon)

    def open_spider(self) -> None:
        self._recorder = AlertRecorder(self.addon.store.db, self.config)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        assert self._recorder is not None
        for found, outcome in raise_alerts(self._recorder, self.matcher, self.config.topics, item, datetime.now(UTC)):
            self.stats.inc_value(f"khabar/alert_outcomes/{outcome}")
            if outcome == "created":
                self.stats.inc_value("khabar/alerts")
                self.stats.inc_value(f"khabar/alerts/{found.topic}")
                # Lost with the batch if its commit fails: then the article is not stored either, and the next
                # run stores it and raises the alert again.
                self.addon.store.track("alerts")
                self.addon.store.track(f"alerts/{found.topic}")
                logger.info("alert %s (score %s): %s [%s]", found.topic, found.score, item.title,
                            ", ".join(found.terms))
        return item

    def close_spider(self) -> None:
        store = self.addon.store
        try:
            store.commit()
            if not self.config.delivery.at_close:
                # --no-notify (or [delivery] at_close = false): nothing is sent by this run; say what waits.
                waiting = store.db.execute("SELECT count(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]
                self.stats.set_value("khabar/notify/held", waiting)
                return
            report = deliver_due(store.db, self.config)
        except (DatabaseError, sqlite3.Error) as error:  # the alerts wait in the outbox for the next run
            failures.record(self.crawler, "alert", error)
            return
        for name in ("sent", "failed", "waiting", "messages"):
            self.stats.set_value(f"khabar/notify/{name}", getattr(report, name))

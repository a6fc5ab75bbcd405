"""Every crawl's ``crawl_runs`` row, its health, and the one-run-per-spider lock.

``CrawlRunExtension`` runs in every crawl (``scrapy crawl``, ``khabar crawl``,
scheduled runs): it takes the spider's lock, writes a ``running`` row when the spider
opens, and at the end fills in the counts from Scrapy's stats, the status, and the
crawl health (``crawler.alerts.health``), sending a health alert when output dropped.
The rows and the lock are the store's (``crawler.store.runs``).
"""

from __future__ import annotations

import json
import logging
import os

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.alerts import health as crawl_health
from crawler.components.addon import KhabarAddon
from crawler.store.runs import REFUSED, SpiderLock, http_errors, mark_crashed, run_counts, run_status
from crawler.text.clock import utc_now

logger = logging.getLogger(__name__)


class CrawlRunExtension:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self.config = addon.config
        self.run_id: int | None = None
        self.lock: SpiderLock | None = None
        self.use_lock = self.config.crawl.spider_lock
        self.unlocked = set(self.config.crawl.unlocked_spiders)
        self.schedule = crawler.settings.get("KHABAR_SCHEDULE") or None  # a label `khabar schedule` sets
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunExtension:
        addon = KhabarAddon.of(crawler)
        if addon.in_cluster:
            # Several processes crawl one spider at once and none of them writes the file.
            raise NotConfigured
        return cls(crawler, addon)

    def spider_opened(self, spider: Spider) -> None:
        store = self.addon.store
        holder = None
        if self.use_lock and spider.name not in self.unlocked:
            lock = SpiderLock.for_db(self.config.db_path, spider.name)
            if lock.acquire():
                self.lock = lock
            else:
                holder = lock.holder() or "?"
        args = {k: v for k, v in vars(spider).items() if k in {"base_url", "max_pages", "url", "since", "recheck"}}
        store.commit()
        mark_crashed(store.db, spider.name)
        cursor = store.db.execute(
            "INSERT INTO crawl_runs (spider, args, started_at, status, scheduled, pid) VALUES (?, ?, ?, ?, ?, ?)",
            [spider.name, json.dumps(args, ensure_ascii=False, default=str), utc_now(),
             "running" if holder is None else "refused", self.schedule, os.getpid()])
        self.run_id = cursor.lastrowid
        self.stats.set_value("khabar/run_id", self.run_id)
        if holder is not None:
            self.stats.set_value("khabar/refused_by_pid", holder)
            logger.error("%s is already being crawled into %s by process %s; this run stops without fetching",
                         spider.name, self.config.db_path, holder)
            raise CloseSpider(REFUSED)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        try:
            self._finish(spider, reason)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _finish(self, spider: Spider, reason: str) -> None:
        store = self.addon.store
        store.commit()
        assert self.run_id is not None
        stats = self.stats.get_stats()
        report = None
        if reason != REFUSED:
            past = crawl_health.history(store.db, spider.name, self.run_id, self.config.health.median_runs)
            report = crawl_health.assess(stats, spider.name, reason, past, self.config.health)
            report["http_errors"] = http_errors(stats)
            self.stats.set_value("khabar/health_status", report["status"])
            self.stats.set_value("khabar/health_problems", report["problems"])
        if report and report["problems"]:
            logger.warning("crawl health alert for %s run %s: %s", spider.name, self.run_id,
                           "; ".join(report["problems"]))
            previous = crawl_health.previous_codes(store.db, spider.name, self.run_id)
            if not self.config.delivery.at_close:
                logger.info("health alert not sent: this run sends nothing (--no-notify / delivery.at_close)")
            elif crawl_health.worth_sending(report, previous):
                message = crawl_health.alert_message(self.run_id, spider.name, report)
                sent, failed = crawl_health.send_alert(self.config, message)
                self.stats.set_value("khabar/health_alerts/sent", sent)
                self.stats.set_value("khabar/health_alerts/failed", failed)
            else:
                logger.info("same health problems as the previous run of %s: not sent again", spider.name)
        stats = self.stats.get_stats()
        row = run_counts(stats) | {
            "finished_at": utc_now(), "finish_reason": reason, "status": run_status(reason),
            "health_status": report["status"] if report else None,
            "health": json.dumps(report, ensure_ascii=False) if report else None,
            "stats": json.dumps(stats, ensure_ascii=False, default=str),
        }
        store.db.table("crawl_runs").update(self.run_id, row)
        logger.info("crawl run %s finished (%s): %s", self.run_id, reason,
                    {k: v for k, v in row.items() if k not in {"stats", "finished_at", "health"}})

"""Every crawl's ``crawl_runs`` row, its health, and the one-run-per-spider lock.

``CrawlRunExtension`` runs in every crawl (``scrapy crawl``, ``khabar crawl``,
scheduled runs): it takes the spider's lock, writes a ``running`` row when the spider
opens, and at the end fills in the counts from Scrapy's stats, the status (``failed``, with
the reason, when a pipeline or the store raised: ``crawler.store.runs.run_outcome``), and the
crawl health (``crawler.alerts.health``), sending a health alert when output dropped.
The rows and the lock are the store's (``crawler.store.runs``). A start that cannot be
written (another process holding the write lock past ``storage.lock_wait``) is written at
the end instead, so every run is recorded.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.alerts import health as crawl_health
from crawler.components import failures
from crawler.components.addon import KhabarAddon
from crawler.store.runs import REFUSED, SpiderLock, http_errors, mark_crashed, run_counts, run_outcome
from crawler.store.sqlite import DatabaseError
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
        self.started_at = ""
        self.status = "running"
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
        holder = None
        if self.use_lock and spider.name not in self.unlocked:
            lock = SpiderLock.for_db(self.config.db_path, spider.name)
            if lock.acquire():
                self.lock = lock
            else:
                holder = lock.holder() or "?"
        self.started_at = utc_now()
        self.status = "running" if holder is None else "refused"
        self.run_id = self._insert_row(spider, self.status)
        if holder is not None:
            self.stats.set_value("khabar/refused_by_pid", holder)
            logger.error("%s is already being crawled into %s by process %s; this run stops without fetching",
                         spider.name, self.config.db_path, holder)
            raise CloseSpider(REFUSED)

    def _insert_row(self, spider: Spider, status: str) -> int | None:
        """The run's row; None (said in the log) when another process holds the write lock past storage.lock_wait:
        the row is then written when the run ends."""
        store = self.addon.store
        args = {k: v for k, v in vars(spider).items() if k in {"base_url", "max_pages", "url", "since", "recheck"}}
        try:
            store.commit()
            store.begin()  # waits up to storage.lock_wait for another process's write lock, saying so
            mark_crashed(store.db, spider.name)
            cursor = store.db.execute(
                "INSERT INTO crawl_runs (spider, args, started_at, status, scheduled, pid) VALUES (?, ?, ?, ?, ?, ?)",
                [spider.name, json.dumps(args, ensure_ascii=False, default=str), self.started_at, status,
                 self.schedule, os.getpid()])
            store.commit()
        except (DatabaseError, sqlite3.Error) as error:
            store.rollback()
            logger.warning("could not record the start of this run yet (%s); it is recorded when the run ends", error)
            return None
        run_id = int(cursor.lastrowid or 0)
        self.stats.set_value("khabar/run_id", run_id)
        return run_id

    def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            if self.run_id is None:
                self.run_id = self._insert_row(spider, self.status)
            if self.run_id is not None:
                self._finish(spider, reason)
        except (DatabaseError, sqlite3.Error) as error:
            failures.record(self.crawler, "runs", error)
            logger.error("the end of run %s could not be recorded: %s", self.run_id, error)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _finish(self, spider: Spider, reason: str) -> None:
        store = self.addon.store
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
        status, failure = run_outcome(self.stats.get_stats(), reason)
        self.stats.set_value("khabar/run_status", status)
        if failure:
            self.stats.set_value("khabar/run_failure", failure)
            logger.error("crawl run %s failed: %s", self.run_id, failure)
        stats = self.stats.get_stats()
        row = run_counts(stats) | {
            "finished_at": utc_now(), "finish_reason": reason, "status": status, "failure": failure or None,
            "health_status": report["status"] if report else None,
            "health": json.dumps(report, ensure_ascii=False) if report else None,
            "stats": json.dumps(stats, ensure_ascii=False, default=str),
        }
        store.rollback()  # nothing of the crawl's may still be open here; a failed batch is already counted
        store.db.table("crawl_runs").update(self.run_id, row)
        logger.info("crawl run %s finished (%s): %s", self.run_id, reason,
                    {k: v for k, v in row.items() if k not in {"stats", "finished_at", "health"}})

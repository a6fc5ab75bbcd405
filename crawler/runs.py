"""CrawlRunExtension: every crawl writes its ``crawl_runs`` row from Scrapy's stats."""

from __future__ import annotations

import json
import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.runtime import Runtime
from crawler.storage import utc_now

logger = logging.getLogger(__name__)

DROPPED_PREFIX = "khabar/dropped/"


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs counters, from a Scrapy stats dict."""
    dropped = {key[len(DROPPED_PREFIX):]: value for key, value in stats.items() if key.startswith(DROPPED_PREFIX)}
    errors = sum(value for key, value in stats.items()
                 if key.startswith(("downloader/exception_type_count/", "spider_exceptions/")))
    errors += sum(value for key, value in stats.items()
                  if key.startswith("downloader/response_status_count/") and key.rsplit("/", 1)[-1] >= "400")
    return {
        "pages": stats.get("response_received_count", 0),
        "new": stats.get("khabar/articles/new", 0),
        "updated": stats.get("khabar/articles/updated", 0),
        "unchanged": stats.get("khabar/articles/unchanged", 0),
        "duplicates": stats.get("khabar/articles/duplicate", 0),
        "skipped": stats.get("khabar/skipped/known", 0),
        "dropped": sum(dropped.values()),
        "dropped_reasons": json.dumps(dropped, ensure_ascii=False),
        "errors": errors,
        "alerts": stats.get("khabar/alerts", 0),
    }


class CrawlRunExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        store = Runtime.of(self.crawler).store
        args = {k: v for k, v in vars(spider).items() if k in {"base_url", "max_pages", "url", "since", "recheck"}}
        store.commit()
        cursor = store.db.execute(
            "INSERT INTO crawl_runs (spider, args, started_at) VALUES (?, ?, ?)",
            [spider.name, json.dumps(args, ensure_ascii=False, default=str), utc_now()])
        self.run_id = cursor.lastrowid
        self.stats.set_value("khabar/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        store = Runtime.of(self.crawler).store
        store.commit()
        stats = self.stats.get_stats()
        row = run_counts(stats) | {"finished_at": utc_now(), "finish_reason": reason,
                                   "stats": json.dumps(stats, ensure_ascii=False, default=str)}
        store.db["crawl_runs"].update(self.run_id, row)
        logger.info("crawl run %s finished (%s): %s", self.run_id, reason,
                    {k: v for k, v in row.items() if k not in {"stats", "finished_at"}})

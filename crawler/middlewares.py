"""SkipKnownMiddleware: don't fetch an article URL that is already stored.

A known article first seen longer ago than the re-check window is skipped; a recent
one is fetched again to catch edits. Listing, sitemap and feed pages always go
through. ``-a skip_known=false`` turns skipping off for one run; ``-a recheck=6h``
changes the window.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawler.config import parse_duration
from crawler.runtime import Runtime
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)


class SkipKnownMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.default_skip = crawler.settings.getbool("KHABAR_SKIP_KNOWN")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipKnownMiddleware:
        return cls(crawler)

    def _recheck_seconds(self, spider: Spider) -> float:
        given = getattr(spider, "recheck", None)
        if given:
            return parse_duration(given, "-a recheck", "recheck")
        setting = self.crawler.settings.get("KHABAR_RECHECK_SECONDS")
        config = Runtime.of(self.crawler).config
        return config.recheck_seconds if config.source != "(built-in defaults)" else float(setting)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if request.meta.get("khabar_kind") != "article" or not getattr(spider, "skip_known", self.default_skip):
            return None
        real = spider.real_url(request.url) if hasattr(spider, "real_url") else request.url
        first_seen = Runtime.of(self.crawler).store.first_seen(normalize_url(real)) \
            or Runtime.of(self.crawler).store.first_seen(real)
        if first_seen is None:
            return None
        age = datetime.now(UTC) - datetime.fromisoformat(first_seen.replace("Z", "+00:00"))
        if age.total_seconds() < self._recheck_seconds(spider):
            self.stats.inc_value("khabar/recheck/fetched")
            return None
        self.stats.inc_value("khabar/skipped/known")
        raise IgnoreRequest(f"already stored: {real}")

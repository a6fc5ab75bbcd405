"""SkipKnownMiddleware: don't fetch an article that is already stored, outside the re-check window.

Before an article URL is fetched, its URL key is looked up. A stored article first seen longer
ago than the re-check window (``[crawl] recheck``, ``-s KHABAR_RECHECK_SECONDS``, or ``-a recheck=6h``
for one run; ``0s``: never re-fetch) is skipped (``khabar/skipped/known``); a recent one is fetched
again to catch edits (``khabar/recheck/fetched``). Listing, sitemap and feed pages always go through.
``-a skip_known=false`` turns skipping (and conditional requests) off for one run. In a cluster crawl the
stored URLs are looked up in Redis (``khabar:known``, kept by `khabar writer`), so it works on any host.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.store.articles import ArticleStore
from crawler.store.cluster import KnownUrls
from crawler.text.clock import parse_duration
from crawler.text.urls import url_key

logger = logging.getLogger(__name__)

ARTICLE = "article"


def real_url(spider: Spider | None, url: str) -> str:
    """The URL on the real site (a local copy's URL mapped back by the spider)."""
    return spider.real_url(url) if spider is not None and hasattr(spider, "real_url") else url


def skip_known(spider: Spider | None, default: bool) -> bool:
    return bool(getattr(spider, "skip_known", default))


class SkipKnownMiddleware:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self.default_skip = addon.config.crawl.skip_known
        self.configured_recheck = addon.config.crawl.recheck
        self._recheck: float | None = None
        self.known = KnownUrls(addon.cluster).lookup if addon.in_cluster else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipKnownMiddleware:
        return cls(crawler, KhabarAddon.of(crawler))

    @property
    def store(self) -> ArticleStore:
        return self.addon.store  # opened on first use, not when the crawler is built

    def recheck_seconds(self, spider: Spider | None) -> float:
        """``-a recheck=`` for this run, else the config's (``[crawl] recheck``, ``-s KHABAR_RECHECK_SECONDS``)."""
        if self._recheck is None:
            self._recheck = self.configured_recheck
            given = getattr(spider, "recheck", None)
            if given not in (None, ""):
                try:
                    self._recheck = parse_duration(given)
                except ValueError:
                    self.stats.inc_value("khabar/errors/bad_argument/recheck")
                    logger.error("-a recheck=%s is not a duration such as 90s, 30m, 6h or 2d; using the configured "
                                 "re-check window of %g s", given, self._recheck)
        return self._recheck

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if request.meta.get("khabar_kind") != ARTICLE or not skip_known(spider, self.default_skip):
            return None
        real = real_url(spider, request.url)
        known = (self.known or self.store.known)(url_key(real))
        if known is None:
            return None
        article_id, first_seen = known
        age = datetime.now(UTC) - datetime.fromisoformat(first_seen.replace("Z", "+00:00"))
        if age.total_seconds() < self.recheck_seconds(spider):
            request.meta["khabar_article_id"] = article_id
            self.stats.inc_value("khabar/recheck/fetched")
            return None
        self.stats.inc_value("khabar/skipped/known")
        raise IgnoreRequest(f"already stored: {real}")

"""Incremental crawling: don't fetch what is already stored, and ask the server whether anything changed.

``SkipKnownMiddleware``: before an article URL is fetched, its URL key is looked up. A stored
article first seen longer ago than the re-check window is skipped (``khabar/skipped/known``);
a recent one is fetched again to catch edits (``khabar/recheck/fetched``). Listing, sitemap
and feed pages always go through. ``-a skip_known=false`` turns skipping (and conditional
requests) off for one run; ``-a recheck=6h`` changes the window (``0s``: never re-fetch a
stored article).

``ConditionalRequestMiddleware``: where a server gave an ETag or Last-Modified, the next
request for that URL carries If-None-Match / If-Modified-Since. A 304 for a stored article
counts as unchanged (its ``last_seen_at`` moves); a 304 for an article page that was dropped
last time (no body, not an article) is left alone; a 304 for a listing, sitemap or feed page
is answered with the body stored last time, so discovery still sees every link.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import StatsCollector

from crawler.components.runtime import Runtime
from crawler.config import ConfigError, parse_duration
from crawler.store.articles import Validators, utc_now
from crawler.text.urls import url_key

logger = logging.getLogger(__name__)

ARTICLE = "article"
# Listing-like pages whose body is kept with their validators, so a 304 can be answered from it.
DISCOVERY_KINDS = frozenset({"listing", "sitemap", "feed"})
DROPPED = "dropped"


def real_url(spider: Spider | None, url: str) -> str:
    """The URL on the real site (a local copy's URL mapped back by the spider)."""
    return spider.real_url(url) if spider is not None and hasattr(spider, "real_url") else url


def skip_known(spider: Spider | None, default: bool) -> bool:
    return bool(getattr(spider, "skip_known", default))


class SkipKnownMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.default_skip = crawler.settings.getbool("KHABAR_SKIP_KNOWN")
        self._recheck: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipKnownMiddleware:
        return cls(crawler)

    def recheck_seconds(self, spider: Spider | None) -> float:
        """``-a recheck=``, else the config's ``crawl.recheck``, else KHABAR_RECHECK_SECONDS."""
        if self._recheck is None:
            config = Runtime.of(self.crawler).config
            self._recheck = config.recheck_seconds if config.source != "(built-in defaults)" \
                else self.crawler.settings.getfloat("KHABAR_RECHECK_SECONDS")
            given = getattr(spider, "recheck", None)
            if given not in (None, ""):
                try:
                    self._recheck = parse_duration(given, "-a recheck", "recheck")
                except ConfigError:
                    self.stats.inc_value("khabar/errors/bad_argument/recheck")
                    logger.error("-a recheck=%s is not a duration such as 90s, 30m, 6h or 2d; using the configured "
                                 "re-check window of %g s", given, self._recheck)
        return self._recheck

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if request.meta.get("khabar_kind") != ARTICLE or not skip_known(spider, self.default_skip):
            return None
        real = real_url(spider, request.url)
        known = Runtime.of(self.crawler).store.known(url_key(real))
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


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.enabled = crawler.settings.getbool("KHABAR_CONDITIONAL_REQUESTS", True)
        self.default_skip = crawler.settings.getbool("KHABAR_SKIP_KNOWN")
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def _active(self, request: Request, spider: Spider | None) -> bool:
        kind = request.meta.get("khabar_kind")
        if not self.enabled or kind is None:
            return False
        return kind != ARTICLE or skip_known(spider, self.default_skip)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if not self._active(request, spider):
            return None
        found = Runtime.of(self.crawler).store.validators(real_url(spider, request.url))
        if not found or not self._usable(request, found):
            return None
        if found.etag:
            request.headers[b"If-None-Match"] = found.etag
        if found.last_modified:
            request.headers[b"If-Modified-Since"] = found.last_modified
        request.meta["khabar_conditional"] = True
        self.stats.inc_value("khabar/conditional/sent")
        return None

    @staticmethod
    def _usable(request: Request, found: Validators) -> bool:
        """Validators stand for something only if we have it: the stored article, the dropped page's verdict,
        or the listing body to replay."""
        if request.meta.get("khabar_kind") == ARTICLE:
            return "khabar_article_id" in request.meta or found.kind == DROPPED
        return found.body is not None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if not self._active(request, spider):
            return response
        kind = request.meta["khabar_kind"]
        real = real_url(spider, request.url)
        if response.status == 304 and request.meta.get("khabar_conditional"):
            self.stats.inc_value(f"khabar/not_modified/{kind}")
            return self._not_modified(request, response, kind, real)
        if response.status != 200:
            return response
        self.stats.inc_value(f"khabar/fetched/{kind}")
        found = Validators(etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                           kind=kind)
        store = Runtime.of(self.crawler).store
        if kind == ARTICLE:
            # Written with the article by the store pipeline (or as 'dropped' if the page is dropped).
            found.aliases = [real_url(spider, url) for url in request.meta.get("redirect_urls", [])]
            store.fetch_notes[real_url(spider, response.url)] = found
        elif found:
            found.content_type = _header(response, b"Content-Type")
            found.body = response.body
            store.save_validators(real, found, utc_now())
        return response

    def _not_modified(self, request: Request, response: Response, kind: str, real: str) -> Response:
        store = Runtime.of(self.crawler).store
        if kind == ARTICLE:
            article_id = request.meta.get("khabar_article_id")
            if article_id is not None:
                store.touch(article_id, utc_now())
                self.stats.inc_value("khabar/articles/unchanged")
            else:
                self.stats.inc_value("khabar/not_modified/dropped")  # still the page we dropped last time
            raise IgnoreRequest(f"not modified: {real}")
        found = store.validators(real)
        if found is None or found.body is None:
            raise IgnoreRequest(f"not modified, and no stored copy: {real}")
        headers = Headers({"Content-Type": found.content_type} if found.content_type else {})
        cls = responsetypes.from_args(headers=headers, url=response.url, body=found.body)
        return cls(url=response.url, status=200, headers=headers, body=found.body, request=request,
                   flags=[*response.flags, "not-modified"])

    def item_dropped(self, item: Any, response: Response | None = None, exception: Exception | None = None,
                     **kwargs: Any) -> None:
        """A dropped article page: keep its validators, so next time a 304 says it is still the same page."""
        url = getattr(item, "url", None)
        if not isinstance(url, str):
            return
        store = Runtime.of(self.crawler).store
        found = store.fetch_notes.pop(url, None)
        if found:
            found.kind = DROPPED
            store.save_validators(url, found, utc_now())


class NotModifiedAwareAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle never lowers the delay on a non-200 answer (error pages are small and fast, so
    they would fake a quick server). A 304 is the normal answer of an incremental crawl: let it count as a
    200, or a crawl of an unchanged site would crawl at the start delay."""

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""

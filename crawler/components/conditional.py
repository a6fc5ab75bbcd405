"""ConditionalRequestMiddleware: ask the server whether anything changed (ETag / Last-Modified).

Where a server gave an ETag or Last-Modified, the next request for that URL carries
If-None-Match / If-Modified-Since. A 304 for a stored article counts as unchanged (its
``last_seen_at`` moves); a 304 for an article page that was dropped last time (no body, not an
article) is left alone; a 304 for a listing, sitemap or feed page is answered with the body
stored last time, so discovery still sees every link.

An article response's validators travel with it (``response.meta["khabar_validators"]`` ->
``Page.validators`` -> ``Article.validators``) and are written with the article by the store
pipeline, or, when the page is dropped, with the verdict ``dropped`` by ``item_dropped`` here. A cluster crawler
has no file: it sends no conditional requests and keeps no listing bodies, but an article's validators still
travel with it to `khabar writer`, which stores them.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.components.skip_known import ARTICLE, real_url, skip_known
from crawler.items import Validators
from crawler.store.articles import ArticleStore
from crawler.text.clock import utc_now

logger = logging.getLogger(__name__)

DROPPED = "dropped"
VALIDATORS_META = "khabar_validators"


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.addon = addon
        self.enabled = addon.config.crawl.conditional_requests
        self.default_skip = addon.config.crawl.skip_known
        self.has_store = not addon.in_cluster
        if self.has_store:
            crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler, KhabarAddon.of(crawler))

    @property
    def store(self) -> ArticleStore:
        return self.addon.store

    def _active(self, request: Request, spider: Spider | None) -> bool:
        kind = request.meta.get("khabar_kind")
        if not self.enabled or kind is None:
            return False
        if not self.has_store:
            # Only to pass an article's validators on to the writer.
            return kind == ARTICLE and skip_known(spider, self.default_skip)
        return kind != ARTICLE or skip_known(spider, self.default_skip)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if not self._active(request, spider) or not self.has_store:
            return None
        found = self.store.validators(real_url(spider, request.url))
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
        if kind == ARTICLE:
            # They travel with the page: written with the article (or as 'dropped' if the page is dropped).
            found.aliases = [real_url(spider, url) for url in request.meta.get("redirect_urls", [])]
            request.meta[VALIDATORS_META] = found
        elif found:
            found.content_type = _header(response, b"Content-Type")
            found.body = response.body
            self.store.save_validators(real, found, utc_now())
        return response

    def _not_modified(self, request: Request, response: Response, kind: str, real: str) -> Response:
        store = self.store
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
        found = getattr(item, "validators", None)
        if isinstance(url, str) and isinstance(found, Validators) and found:
            found.kind = DROPPED
            self.store.save_validators(url, found, utc_now())


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""

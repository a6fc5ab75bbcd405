"""RedirectGuardMiddleware: redirects that would lose a page silently are dropped with a counted reason.

Scrapy follows redirects itself; a loop (A -> B -> A) then ends in its duplicate filter, counted only as
``dupefilter/filtered``, and a redirect to another host is followed wherever it leads. This middleware
sees each redirect before Scrapy's RedirectMiddleware does and drops, counted under ``khabar/dropped/``:

- ``redirect_loop``: the target is a URL this chain of redirects already visited;
- ``too_many_redirects``: the chain is longer than REDIRECT_MAX_TIMES;
- ``offsite_redirect``: the target is on a host the spider does not crawl: outside ``allowed_domains``
  for site spiders, and for the ``article`` spider any host but the one asked for, unless the spider was
  given ``-a follow_offsite=true``;
- ``redirect_not_http``: the target is not an http(s) URL (``ftp:``, ``file:``, ``javascript:``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)

REDIRECTS = {301, 302, 303, 307, 308}


class RedirectGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECTS or not location or request.meta.get("dont_redirect"):
            return response
        target = urldefrag(urljoin(request.url, safe_url_string(location.decode("latin-1"))))[0]
        chain = [urldefrag(url)[0] for url in [*request.meta.get("redirect_urls", []), request.url]]
        if urlsplit(target).scheme not in ("http", "https"):
            self._drop(request, "redirect_not_http", f"redirects to {urlsplit(target).scheme or 'no'} URL")
        if target in chain:
            self._drop(request, "redirect_loop", f"redirects back to {target}")
        if len(chain) > self.max_redirects:
            self._drop(request, "too_many_redirects", f"more than {self.max_redirects} redirects")
        if not self._allowed(target, chain[0]):
            self._drop(request, "offsite_redirect", f"redirects to another host ({target})")
        return response

    def _allowed(self, target: str, first: str) -> bool:
        spider = self.crawler.spider
        host = urlsplit(target).hostname or ""
        domains = [d for d in getattr(spider, "allowed_domains", None) or [] if d]
        if domains:
            return url_is_from_any_domain(target, domains)
        if getattr(spider, "follow_offsite", True):
            return True
        return host == (urlsplit(first).hostname or "")

    def _drop(self, request: Request, reason: str, why: str) -> None:
        self.stats.inc_value(f"khabar/dropped/{reason}")
        logger.warning("dropped %s: %s (%s)", request.meta.get("redirect_urls", [request.url])[0], why, reason)
        raise IgnoreRequest(reason)

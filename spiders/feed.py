"""The generic ``feed`` spider: fetch and store the articles a sitemap or feed lists.

    scrapy crawl feed -a url=https://example.com/news-sitemap.xml
    scrapy crawl feed -a url=https://example.com/rss/india.xml,https://example.com/sitemap-index.xml.gz -a since=6h

``url`` is one or more sitemaps, Google News sitemaps, sitemap indexes (``.xml.gz`` too),
RSS/Atom feeds, or a robots.txt (its ``Sitemap:`` lines are followed). Every entry inside
the ``since`` window (``6h``, ``2d`` or a date like ``2024-06-01``; entries without a date
are always followed) is fetched as an article and parsed by the generic extractor alone,
so it works on any news site. ``max_pages=N`` fetches at most N articles in all (newest
first in each document) and follows at most N child sitemaps of each index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.components.discovery import Entry
from crawler.components.follow import DiscoveryMixin
from crawler.components.site import as_bool, as_positive_int, as_url_list, is_page, make_page
from crawler.items import Page
from crawler.text.clock import parse_since
from crawler.text.urls import site_key


class FeedSpider(DiscoveryMixin, scrapy.Spider):
    name = "feed"

    def __init__(self, *args: Any, url: str = "", since: str = "", max_pages: Any = None, skip_known: Any = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = as_url_list(url, "sitemap or feed URLs")
        self.since = since
        self.since_cutoff = parse_since(since)
        self.max_pages = as_positive_int("max_pages", max_pages) if max_pages else None
        self.skip_known = as_bool(skip_known)
        self.requested: set[str] = set()

    def real_url(self, url: str) -> str:
        return url

    async def start(self) -> Any:
        for url in self.urls:
            is_feed = any(word in url.lower() for word in ("rss", "feed", "atom")) and "sitemap" not in url.lower()
            request = self.discovery_request(url, "feed" if is_feed else "sitemap")
            if request is not None:
                yield request

    def entry_request(self, entry: Entry) -> scrapy.Request | None:
        if entry.url in self.requested:  # listed by two documents: fetched once, counted once against max_pages
            self.count("listed_twice")
            return None
        if self.max_pages is not None and len(self.requested) >= self.max_pages:
            self.count("over_limit")
            return None
        self.requested.add(entry.url)
        return scrapy.Request(entry.url, callback=self.parse, meta={"khabar_kind": "article",
                                                                    "khabar_hints": entry.hints})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Page]:
        if not is_page(response, self.crawler) or not isinstance(response, TextResponse):
            return
        page = make_page(response, response.url, site_key(urlsplit(response.url).netloc) or "feed")
        page.hints = dict(response.meta.get("khabar_hints") or {})
        yield page

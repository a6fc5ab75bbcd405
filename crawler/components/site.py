"""The base class of every site spider: start points, URL rules, discovery, and ``Page`` items.

A site is one small declarative class (see ``spiders/lokmat.py``): its real origin,
start paths, article and listing URL patterns, and the field selectors the standard
data lacks. This class does the rest: ``-a base_url=`` (crawl a local copy, store the
real URLs), ``-a max_pages=N`` (bound listing pagination), decoding pages by their
real encoding, and following article links from listings and from related blocks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.components.discovery import Entry
from crawler.components.follow import DiscoveryMixin
from crawler.components.listing import card_dates
from crawler.extract.fields import SiteFields
from crawler.items import Page
from crawler.text.clock import parse_since, utc_now
from crawler.text.urls import rebase, same_site, unbase

logger = logging.getLogger(__name__)

_PAGE_NUMBER = re.compile(r"/page/(\d+)/?$")


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def as_url_list(value: str, what: str) -> list[str]:
    """``-a url=URL[,URL...]``: the http(s) URLs given, or a ValueError naming what is missing or wrong."""
    urls = [u.strip() for u in value.split(",") if u.strip()]
    if not urls:
        raise ValueError(f"give one or more {what}: -a url=URL[,URL...]")
    bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https")]
    if bad:
        raise ValueError(f"not an http(s) URL: {bad[0]}")
    return urls


def as_positive_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"-a {name}= must be a whole number, not {value!r}") from None
    if number < 1:
        raise ValueError(f"-a {name}= must be at least 1, not {number}")
    return number


def is_page(response: Response, crawler: Any) -> bool:
    """Whether a response is text a page can be made of; an article URL answering with something else (an image, a
    PDF, bytes of no known kind) is counted as ``khabar/dropped/not_html`` instead of vanishing."""
    if isinstance(response, TextResponse):
        return True
    if response.meta.get("khabar_kind") == "article" and crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value("khabar/dropped/not_html")
        logger.info("dropped %s: not an HTML page (%s)", response.url,
                    (response.headers.get("Content-Type") or b"no Content-Type").decode("latin-1"))
    return False


def make_page(response: TextResponse, url: str, site: str) -> Page:
    """A ``Page`` item from a response: its bytes and declared charset, decoded by the page's real encoding only
    where it is parsed (``Page.text``), perhaps in a parse worker."""
    declared = (response.headers.get("Content-Type") or b"").decode("latin-1")
    charset = declared.split("charset=")[-1].split(";")[0].strip() if "charset=" in declared else None
    return Page(url=url, html="", body=response.body, encoding=charset, site=site, fetched_at=utc_now(),
                status=response.status, validators=response.meta.get("khabar_validators"))


class SiteSpider(DiscoveryMixin, scrapy.Spider):
    origin: ClassVar[str] = ""  # the real site, e.g. https://www.lokmatnews.in
    start_paths: ClassVar[tuple[str, ...]] = ("/",)
    # Discovery start points: paths on the site ("/news-sitemap.xml") or absolute real URLs.
    sitemaps: ClassVar[tuple[str, ...]] = ()
    feeds: ClassVar[tuple[str, ...]] = ()
    article_path: ClassVar[str] = ""  # regex on the URL path of article pages
    listing_path: ClassVar[str] = ""  # regex on the URL path of listing pages worth following
    fields: ClassVar[SiteFields | None] = None
    default_max_pages: ClassVar[int] = 5

    def __init__(self, *args: Any, base_url: str = "", max_pages: Any = None, skip_known: Any = True,
                 since: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.since = since
        self.since_cutoff = parse_since(since)
        self.max_pages = as_positive_int("max_pages", max_pages) if max_pages else self.default_max_pages
        self.skip_known = as_bool(skip_known)
        self._article = re.compile(self.article_path)
        self._listing = re.compile(self.listing_path) if self.listing_path else None
        root = self.base_url or self.origin
        self.allowed_domains = [urlsplit(root).hostname or ""]

    @property
    def root(self) -> str:
        return self.base_url or self.origin

    def real_url(self, url: str) -> str:
        """The URL on the real site (a local copy's URL mapped back to ``origin``)."""
        return rebase(url, self.base_url, self.origin) if self.base_url else url

    def kind_of(self, url: str) -> str:
        path = urlsplit(url).path or "/"
        if self._article.search(path):
            return "article"
        if self._listing is not None and self._listing.search(path):
            return "listing"
        return "other"

    def fetch_url(self, url: str) -> str:
        """Where to fetch a URL a sitemap or feed lists: real-site URLs go to the local copy when crawling one."""
        if url.startswith("/"):
            return self.root + url
        if not self.base_url:
            return url
        for origin in (self.origin, self.origin.replace("https://", "http://", 1)):
            local = unbase(url, self.base_url, origin)
            if local != url:
                return local
        return url

    def entry_request(self, entry: Entry) -> scrapy.Request | None:
        """An article request for a sitemap or feed entry on this site; other entries are counted and left."""
        url = self.fetch_url(entry.url)
        if not same_site(url, self.root):
            self.count("offsite")
            return None
        if self.kind_of(url) != "article":
            self.count("not_article")
            return None
        return scrapy.Request(url, callback=self.parse, meta={"khabar_kind": "article", "khabar_hints": entry.hints})

    async def start(self) -> Any:
        for url, kind in [*((url, "sitemap") for url in self.sitemaps), *((url, "feed") for url in self.feeds)]:
            request = self.discovery_request(url, kind)
            if request is not None:
                yield request
        for path in self.start_paths:
            yield scrapy.Request(self.root + path, callback=self.parse, meta={"khabar_kind": "listing"})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not is_page(response, self.crawler) or not isinstance(response, TextResponse):
            return
        if response.meta.get("khabar_kind") == "article" or self.kind_of(response.url) == "article":
            yield self.page(response)
        yield from self.follow_links(response)

    def page(self, response: TextResponse) -> Page:
        page = make_page(response, self.real_url(response.url), self.name)
        page.hints = dict(response.meta.get("khabar_hints") or {})
        return page

    def follow_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        from_article = self.kind_of(response.url) == "article"
        urls = list(dict.fromkeys(response.urljoin(href.strip()) for href in response.css("a::attr(href)").getall()))
        limit = self.limits.entries_per_document
        if len(urls) > limit:  # a page of a million links (a trap, or junk) does not fill the scheduler
            self.count("over_entry_limit", len(urls) - limit)
            urls = urls[:limit]
        too_old: set[str] = set()
        if self.since_cutoff is not None and not from_article:
            cutoff = self.since_cutoff
            dated = card_dates(response.selector.root, response.urljoin, lambda url: self.kind_of(url) == "article")
            too_old = {url for url, moment in dated.items() if moment < cutoff}
        articles = [url for url in urls if self.kind_of(url) == "article"]
        # A listing page whose every story is older than the window: its next pages are older still.
        stop_paging = bool(articles) and all(url in too_old for url in articles)
        for url in urls:
            kind = self.kind_of(url)
            if kind == "article" and from_article and self.since_cutoff is not None:
                continue  # a monitoring run (-a since=) leaves related stories: they are mostly older
            if kind == "article" and url in too_old:
                self.count("listing_too_old")
            elif kind == "article":
                yield scrapy.Request(url, callback=self.parse, meta={"khabar_kind": "article"})
            elif kind == "listing" and not from_article and self._within_page_limit(url):
                if stop_paging and _PAGE_NUMBER.search(urlsplit(url).path):
                    self.count("listing_paging_stopped")
                    continue
                yield scrapy.Request(url, callback=self.parse, meta={"khabar_kind": "listing"})

    def _within_page_limit(self, url: str) -> bool:
        match = _PAGE_NUMBER.search(urlsplit(url).path)
        return match is None or int(match.group(1)) <= self.max_pages

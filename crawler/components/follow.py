"""From discovery documents to requests: what site spiders and the ``feed`` spider share.

``DiscoveryMixin.parse_discovery`` is the callback for every sitemap, sitemap index and
feed. It follows child sitemaps (newest first, inside the ``since`` window, at most
``max_pages`` per index) and hands each page entry inside the window to the spider's
``entry_request``, which decides whether it is an article worth fetching. Every outcome
is counted under ``khabar/discovery/...``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.components.discovery import Document, Entry, is_recent, newest_first, read_document

logger = logging.getLogger(__name__)

STATS = "khabar/discovery/"


class DiscoveryMixin:
    """Needs ``self.crawler``, ``since_cutoff``, an ``entry_request`` method, and may have ``max_pages``."""

    crawler: Any
    since_cutoff: datetime | None

    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(STATS + key, value)

    def fetch_url(self, url: str) -> str:
        """Where to fetch a URL a document lists (site spiders map it onto a local copy)."""
        return url

    def entry_request(self, entry: Entry) -> scrapy.Request | None:
        raise NotImplementedError

    def discovery_request(self, url: str, kind: str) -> scrapy.Request:
        """A request for a sitemap (``kind="sitemap"``) or a feed (``kind="feed"``)."""
        return scrapy.Request(self.fetch_url(url), callback=self.parse_discovery, meta={"khabar_kind": kind})

    def parse_discovery(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        document = read_document(response.body)
        if not document.readable:
            self.count("unreadable")
            logger.warning("unreadable sitemap or feed %s: %s", response.url, document.problem)
            return
        self.count(f"documents/{document.kind}")
        yield from self._child_sitemaps(document, response.url)
        for entry in newest_first(document.pages):
            self.count("entries")
            if not is_recent(entry, self.since_cutoff):
                self.count("too_old")
                continue
            request = self.entry_request(entry)
            if request is not None:
                self.count("followed")
                yield request

    def _child_sitemaps(self, document: Document, url: str) -> Iterator[scrapy.Request]:
        followed, limit = 0, getattr(self, "max_pages", None)
        for child in newest_first(document.sitemaps):
            if not is_recent(child, self.since_cutoff):
                self.count("too_old_sitemaps")
            elif limit is not None and followed >= limit:
                self.count("sitemaps_over_limit")
            else:
                followed += 1
                yield self.discovery_request(child.url, "sitemap")
        if followed:
            logger.debug("following %d of %d sitemaps listed in %s", followed, len(document.sitemaps), url)

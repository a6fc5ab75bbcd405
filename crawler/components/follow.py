"""From discovery documents to requests: what site spiders and the ``feed`` spider share.

``DiscoveryMixin.parse_discovery`` is the callback for every sitemap, sitemap index and
feed. It follows child sitemaps (newest first, inside the ``since`` window, at most
``max_pages`` per index) and hands each page entry inside the window to the spider's
``entry_request``, which decides whether it is an article worth fetching. Every outcome
is counted under ``khabar/discovery/...``.

Bounded by ``[limits]`` whatever the site serves: indexes are followed ``sitemap_depth`` levels
down (an index whose child is another index, forever, stops there: ``too_deep``), at most
``discovery_documents`` documents are fetched per run (``over_document_limit``), and at most
``entries_per_document`` entries of one document are taken, newest first (``over_entry_limit``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.components.addon import KhabarAddon
from crawler.components.discovery import Document, Entry, is_recent, newest_first, read_document
from crawler.config import LimitSettings

logger = logging.getLogger(__name__)

STATS = "khabar/discovery/"
DEPTH = "khabar_discovery_depth"  # request meta: how many sitemap indexes led to this document


class DiscoveryMixin:
    """Needs ``self.crawler``, ``since_cutoff``, an ``entry_request`` method, and may have ``max_pages``."""

    crawler: Any
    since_cutoff: datetime | None
    _discovery_documents = 0

    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(STATS + key, value)

    @property
    def limits(self) -> LimitSettings:
        """The crawl's ``[limits]`` (the defaults for a spider made without Khabar's add-on, as in unit tests)."""
        crawler = getattr(self, "crawler", None)
        addon = crawler.get_addon(KhabarAddon) if crawler is not None else None
        return addon.config.limits if addon is not None else LimitSettings()

    def fetch_url(self, url: str) -> str:
        """Where to fetch a URL a document lists (site spiders map it onto a local copy)."""
        return url

    def entry_request(self, entry: Entry) -> scrapy.Request | None:
        raise NotImplementedError

    def discovery_request(self, url: str, kind: str, depth: int = 0) -> scrapy.Request | None:
        """A request for a sitemap (``kind="sitemap"``) or a feed (``kind="feed"``) ``depth`` indexes down;
        None (counted) past the run's document limit."""
        if self._discovery_documents >= self.limits.discovery_documents:
            self.count("over_document_limit")
            return None
        self._discovery_documents += 1
        return scrapy.Request(self.fetch_url(url), callback=self.parse_discovery,
                              meta={"khabar_kind": kind, DEPTH: depth})

    def parse_discovery(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        document = read_document(response.body, self.limits.download_max or None)
        if not document.readable:
            self.count("unreadable")
            if document.problem.startswith("more than"):
                self.count("too_large")  # a gzip document inflating past limits.download_max
            logger.warning("unreadable sitemap or feed %s: %s", response.url, document.problem)
            return
        self.count(f"documents/{document.kind}")
        if document.recovered:
            self.count("entries_recovered", document.recovered)
        if document.unreadable_entries:
            self.count("entries_unreadable", document.unreadable_entries)
            logger.warning("%s: %d entries could not be read (a broken document)", response.url,
                           document.unreadable_entries)
        yield from self._child_sitemaps(document, response.url, int(response.meta.get(DEPTH, 0)))
        for entry in self._bounded(newest_first(document.pages), response.url):
            self.count("entries")
            if not is_recent(entry, self.since_cutoff):
                self.count("too_old")
                continue
            request = self.entry_request(entry)
            if request is not None:
                self.count("followed")
                yield request

    def _bounded(self, entries: list[Entry], url: str) -> list[Entry]:
        """At most ``entries_per_document`` of a document's entries (newest first, as given); the rest counted."""
        limit = self.limits.entries_per_document
        if len(entries) > limit:
            self.count("over_entry_limit", len(entries) - limit)
            logger.warning("%s lists %d entries; taking the first %d (limits.entries_per_document)", url,
                           len(entries), limit)
        return entries[:limit]

    def _child_sitemaps(self, document: Document, url: str, depth: int) -> Iterator[scrapy.Request]:
        followed, limit = 0, getattr(self, "max_pages", None)
        children = self._bounded(newest_first(document.sitemaps), url)
        if children and depth + 1 > self.limits.sitemap_depth:
            self.count("too_deep", len(children))
            logger.warning("%s is a sitemap index %d levels down: its %d sitemaps are not followed "
                           "(limits.sitemap_depth = %d)", url, depth, len(children), self.limits.sitemap_depth)
            return
        for child in children:
            if not is_recent(child, self.since_cutoff):
                self.count("too_old_sitemaps")
            elif limit is not None and followed >= limit:
                self.count("sitemaps_over_limit")
            else:
                request = self.discovery_request(child.url, "sitemap", depth + 1)
                if request is not None:
                    followed += 1
                    yield request
        if followed:
            logger.debug("following %d of %d sitemaps listed in %s", followed, len(document.sitemaps), url)

"""DedupPipeline: decide whether an article is new, an update, unchanged, or a duplicate.

Identity is the URL key (``crawler.text.urls.url_key``) of the canonical URL or of any URL the
story was seen under. A known URL whose title, body (content fingerprint) or ``dateModified``
changed is ``updated``; else ``unchanged`` when the stored URL itself was fetched, ``duplicate`` when
another of its URLs was (an AMP copy, a tracking link). An unknown URL whose content fingerprint (the
hash of the search form of title and body, so nukta/NBSP/NFC noise does not split it)
matches a stored article of the same site is a ``duplicate`` (the story under a second URL:
kept as an alias). The same fingerprint on another site is a ``new`` article in the same
story (each site's copy is its own row; ``story_id`` groups them). Everything else is
``new``; the store puts it in the story of its nearest near-duplicate (``crawler.store.stories``).

The decision is made under the write lock (``ArticleStore.begin``), so a second crawl
writing the same file cannot store the same URL between this decision and the write.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.store.dedup import content_hash, decide
from crawler.store.sqlite import DatabaseError

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.addon = addon

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        addon = KhabarAddon.of(crawler)
        if addon.in_cluster:
            raise NotConfigured  # a cluster crawl hands its articles to `khabar writer` (pipelines/handoff.py)
        return cls(crawler, addon)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        item.content_hash = content_hash(item)
        store = self.addon.store
        try:
            store.begin()
        except DatabaseError as error:  # another process held the write lock too long: this item only
            self.stats.inc_value("khabar/dropped/database_locked")
            logger.warning("dropped %s: %s", item.url, error)
            raise DropItem("database_locked") from None
        decide(store, item)
        return item

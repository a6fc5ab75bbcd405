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

import hashlib
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.components.runtime import Runtime
from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.connection import DatabaseError
from crawler.text.urls import same_site, url_key

logger = logging.getLogger(__name__)


def content_hash(article: Article) -> str:
    tokens = article.tokens()  # shared with the store's index and story, and the alert stage
    fingerprint = tokens.search_form("title") + "\n" + tokens.search_form("body")
    return hashlib.sha1(fingerprint.encode("utf-8")).hexdigest()


def decide(store: ArticleStore, item: Article) -> None:
    """Set ``item.disposition`` and ``item.article_id`` (and ``story_id`` for a cross-site copy)."""
    existing = store.article_id_for_url(item.canonical_url)
    if existing is None and url_key(item.url) != url_key(item.canonical_url):
        existing = store.article_id_for_url(item.url)
    if existing is not None:
        stored_hash, stored_modified = store.version(existing)
        modified = bool(item.updated_at) and item.updated_at != stored_modified
        item.article_id = existing
        if stored_hash != item.content_hash or modified:
            item.disposition = "updated"
        else:
            # A story met again in the run that stored it, or under another of its URLs (its AMP copy, a
            # tracking link), is a duplicate skipped; a re-check of the stored URL itself is unchanged.
            again = item.url != store.inserted.get(existing, item.url) or item.url != store.url_of(existing)
            item.disposition = "duplicate" if again else "unchanged"
        return
    for article_id, url, story_id in store.articles_with_hash(item.content_hash):
        if same_site(url, item.canonical_url):
            item.article_id, item.disposition = article_id, "duplicate"
            return
        item.story_id = item.story_id or story_id
    item.article_id, item.disposition = None, "new"


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        runtime = Runtime.of(self.crawler)
        runtime.store.stories.threshold = runtime.config.near_duplicate_threshold

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        item.content_hash = content_hash(item)
        store = Runtime.of(self.crawler).store
        try:
            store.begin()
        except DatabaseError as error:  # another process held the write lock too long: this item only
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("khabar/dropped/database_locked")
            logger.warning("dropped %s: %s", item.url, error)
            raise DropItem("database_locked") from None
        decide(store, item)
        return item

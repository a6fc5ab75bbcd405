"""DedupPipeline: decide whether an article is new, an update, unchanged, or a duplicate.

Identity is the canonical URL (or any URL the story was seen under); a story under a
second URL is recognised by its content fingerprint, the hash of the search form of
its title and body, so spelling-level noise (nukta, NBSP, NFC) does not split it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy.crawler import Crawler

from crawler.hindi import search_form
from crawler.items import Article
from crawler.runtime import Runtime
from crawler.storage import ArticleStore


def content_hash(article: Article) -> str:
    fingerprint = search_form(article.title) + "\n" + search_form(article.body_text)
    return hashlib.sha1(fingerprint.encode("utf-8")).hexdigest()


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    @property
    def store(self) -> ArticleStore:
        return Runtime.of(self.crawler).store

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        item.content_hash = content_hash(item)
        existing = self.store.article_id_for_url(item.canonical_url) or self.store.article_id_for_url(item.url)
        if existing is not None:
            same = self.store.get(existing)["content_hash"] == item.content_hash
            item.article_id, item.disposition = existing, "unchanged" if same else "updated"
            return item
        duplicate = self.store.article_id_for_hash(item.content_hash)
        if duplicate is not None:
            item.article_id, item.disposition = duplicate, "duplicate"
            return item
        item.disposition = "new"
        return item

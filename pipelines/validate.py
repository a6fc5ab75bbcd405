"""ValidatePipeline: an article without title or body is dropped, its reason counted; every field is bounded.

Bounds come from ``[limits]``: the body is kept up to ``body_chars`` (cut at a paragraph, or inside a single
giant one), other text fields up to ``field_chars``, lists up to ``list_items`` items; each cut is counted as
``khabar/truncated/<field>``, so a hostile page (a 300,000-character title, a body of many megabytes) is
stored as a bounded article and the run says so.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.config import LimitSettings
from crawler.items import Article

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "summary", "section", "dateline", "image_url", "amp_url")
LIST_FIELDS = ("authors", "highlights", "tags", "related", "more_from_section", "aliases")


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, cut at the last space before the limit when there is one."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit + 1)
    return text[:space if space > limit // 2 else limit].rstrip()


class ValidatePipeline:
    def __init__(self, stats: StatsCollector, min_body_chars: int, limits: LimitSettings | None = None) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.limits = limits or LimitSettings()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        config = KhabarAddon.of(crawler).config
        return cls(crawler.stats, config.crawl.min_body_chars, config.limits)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for problem in item.problems:
            # "recovered/..." notes a page read another way (e.g. nesting too deep for the parser); the rest are
            # values rejected as implausible.
            self.stats.inc_value(f"khabar/{problem}" if problem.startswith("recovered/") else
                                 f"khabar/rejected/{problem}")
        reason = self.reason_to_drop(item)
        if reason:
            self.stats.inc_value(f"khabar/dropped/{reason}")
            logger.info("dropped %s: %s", item.url, reason)
            raise DropItem(reason)
        for name in self.bound(item):
            self.stats.inc_value(f"khabar/truncated/{name}")
            logger.info("%s: %s cut to the limit", item.url, name)
        return item

    def reason_to_drop(self, article: Article) -> str:
        if article.page_kind != "article":
            return f"not_article/{article.page_kind}"
        if not article.title:
            return "no_title"
        if len(article.body_text) < self.min_body_chars:
            return "too_deep" if "too_deep" in article.problems else "no_body"
        return ""

    def bound(self, article: Article) -> list[str]:
        """Cut every field to its limit; the names of the fields that were cut."""
        limits, cut_fields = self.limits, []
        if len(article.body_text) > limits.body_chars:
            kept: list[str] = []
            total = 0
            for paragraph in article.body:
                room = limits.body_chars - total - (2 if kept else 0)
                if room <= 0:
                    break
                kept.append(paragraph if len(paragraph) <= room else cut(paragraph, room))
                total += len(kept[-1]) + (2 if len(kept) > 1 else 0)
            article.body = [p for p in kept if p]
            cut_fields.append("body")
        for name in TEXT_FIELDS:
            value = getattr(article, name)
            if isinstance(value, str) and len(value) > limits.field_chars:
                setattr(article, name, cut(value, limits.field_chars))
                cut_fields.append(name)
        for name in LIST_FIELDS:
            values = getattr(article, name)
            bounded = [cut(v, limits.field_chars) if isinstance(v, str) else v for v in values[:limits.list_items]]
            if bounded != values:
                setattr(article, name, bounded)
                cut_fields.append(name)
        return cut_fields

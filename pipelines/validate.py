"""ValidatePipeline: an article without title or body is dropped, its reason counted."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.items import Article

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, stats: StatsCollector, min_body_chars: int) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats, KhabarAddon.of(crawler).config.crawl.min_body_chars)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for problem in item.problems:
            self.stats.inc_value(f"khabar/rejected/{problem}")
        reason = self.reason_to_drop(item)
        if reason:
            self.stats.inc_value(f"khabar/dropped/{reason}")
            logger.info("dropped %s: %s", item.url, reason)
            raise DropItem(reason)
        return item

    def reason_to_drop(self, article: Article) -> str:
        if article.page_kind != "article":
            return f"not_article/{article.page_kind}"
        if not article.title:
            return "no_title"
        if len(article.body_text) < self.min_body_chars:
            return "no_body"
        return ""

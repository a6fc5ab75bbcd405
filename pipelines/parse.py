"""ParsePipeline: a fetched ``Page`` becomes an ``Article`` (site selectors, then generic extraction)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.components.sites import site_fields
from crawler.extract.fields import build_article
from crawler.items import Article, Page

logger = logging.getLogger(__name__)


class ParsePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        try:
            article: Article = build_article(item, site_fields(item.site))
        except Exception as error:  # a broken page must never stop the crawl
            self.stats.inc_value("khabar/dropped/parse_error")
            logger.warning("could not parse %s: %s", item.url, error, exc_info=True)
            raise DropItem(f"parse_error: {error}") from None
        article.validators = item.validators
        self.stats.inc_value("khabar/parsed")
        return article

"""HealthPipeline: count, per site, the articles that reached the store and which fields they have.

It sits after the store (priority 450) and changes nothing; the counts are stats
(``khabar/health/<site>/articles``, ``.../title``, ``.../date``, ``.../body``,
``.../author``, ``.../unchanged``, ``.../failed``) that crawler/health.py turns into coverage shares
when the run closes. ``failed`` counts article pages dropped as unreadable (no title,
no body, a parse error): the usual first sign of a site redesign.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.alerts.health import HEALTH_PREFIX
from crawler.components.addon import KhabarAddon
from crawler.items import Article

logger = logging.getLogger(__name__)


def filled_fields(article: Article) -> list[str]:
    """The health fields an article has: title, date, body, author."""
    present = {"title": bool(article.title), "date": bool(article.published_at),
               "body": bool(article.body_text.strip()), "author": bool(article.authors)}
    return [name for name, ok in present.items() if ok]


class HealthPipeline:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.failed_reasons = set(KhabarAddon.of(crawler).config.health.failed_reasons)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article) and item.site:
            self.stats.inc_value(f"{HEALTH_PREFIX}{item.site}/articles")
            for name in filled_fields(item):
                self.stats.inc_value(f"{HEALTH_PREFIX}{item.site}/{name}")
            if item.disposition == "unchanged":
                self.stats.inc_value(f"{HEALTH_PREFIX}{item.site}/unchanged")
        return item

    def item_dropped(self, item: Any, exception: BaseException, **kwargs: Any) -> None:
        reason = str(exception).split(":", 1)[0].strip()
        site = getattr(item, "site", "")
        if site and reason in self.failed_reasons:
            self.stats.inc_value(f"{HEALTH_PREFIX}{site}/failed")

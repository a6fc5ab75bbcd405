"""SincePipeline: ``-a since=6h`` means since, for every article, however the crawl reached it.

Discovery leaves out sitemap and feed entries, and listing cards, whose own date is older than the
window, but a story reached through a listing without dates or a page that gives no date until it
is parsed still arrives here. This pipeline sits after parsing and validation and before dedup:
an article published before the spider's ``since_cutoff`` is not stored and raises no alert,
counted as ``khabar/skipped/too_old`` (a decision, not a drop: ``khabar runs`` and the summary show
it apart from broken pages). An article without a published date is kept, as an undated sitemap
entry is followed: nothing says it is old.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.text.dates import parse_iso

logger = logging.getLogger(__name__)

TOO_OLD = "khabar/skipped/too_old"


class SincePipeline:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SincePipeline:
        return cls(crawler)

    @property
    def cutoff(self) -> datetime | None:
        return getattr(self.crawler.spider, "since_cutoff", None)

    def process_item(self, item: Any) -> Any:
        cutoff = self.cutoff
        if cutoff is None or not isinstance(item, Article) or not item.published_at:
            return item
        published = parse_iso(item.published_at)
        if published is not None and published < cutoff:
            self.stats.inc_value(TOO_OLD)
            logger.debug("not stored, published %s before since %s: %s", item.published_at, cutoff.isoformat(),
                         item.url)
            raise DropItem(f"too_old: published {item.published_at}, before since")
        return item

"""ParsePipeline: a fetched ``Page`` becomes an ``Article``, prepared for the stages after it.

Preparing (``crawler.components.prepare``: decoding, parsing, extraction, tokens, fingerprint, search forms,
story signature, topic matches, the packed raw page) is the CPU-heavy part of a crawl. It starts in the crawl's
own process; once that has spent ``[crawl] parse_pool_after`` of CPU time on it (a crawl with real work to do),
the parse workers start (``crawler.components.parsepool``, ``[crawl] parse_workers`` of them) and prepare every
page after that while the event loop goes on downloading. The stages after this one (validate, dedup, store,
alerts) stay in the crawl process and take each article as its page comes back, in that order; they find what
was prepared already made, wherever it was, so the database written is the same either way.

Counted: ``khabar/parse/in_process`` and ``khabar/parse/in_workers`` (where pages were prepared),
``khabar/parse/workers`` (how many were started), ``khabar/parse/cpu_seconds/in_process|in_workers`` (the
CPU time preparing took there), ``khabar/errors/parse_pool/<reason>`` (a pool that could not
start, a worker that died, a pool given up: parsing goes on in the crawl process), and the dropped pages:
``khabar/dropped/parse_error``, ``khabar/dropped/parse_crashed`` (a page that killed two workers).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.components.parsepool import PageFailed, ParsePool, PoolUnavailable
from crawler.components.prepare import Preparer, PrepareSetup
from crawler.items import Article, Page

logger = logging.getLogger(__name__)


class ParsePipeline:
    def __init__(self, crawler: Crawler, addon: KhabarAddon) -> None:
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.workers = addon.config.crawl.parse_workers
        self.pool_after = addon.config.crawl.parse_pool_after
        level = logging.getLevelName(str(crawler.settings.get("LOG_LEVEL", "INFO")).upper())
        self.setup = PrepareSetup.of_crawl(addon.config, level if isinstance(level, int) else logging.INFO)
        self._local: Preparer | None = None
        self._local_cpu = 0.0  # CPU time spent preparing in this process
        self.pool: ParsePool | None = None
        self._pool_tried = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePipeline:
        return cls(crawler, KhabarAddon.of(crawler))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        if not self._pool_tried and self.workers and self._local_cpu >= self.pool_after:
            self._start_pool()
        article = None
        if self.pool is not None and self.pool.usable:
            try:
                article = await self.pool.prepare(item)
                self.stats.inc_value("khabar/parse/in_workers")
            except PageFailed as failure:
                logger.warning("could not parse %s: %s", item.url, failure)
                raise self._dropped(failure.reason, str(failure)) from None
            except PoolUnavailable:
                self.stats.set_value("khabar/errors/parse_pool/given_up", 1)
        if article is None:
            article = self._prepare_here(item)
        article.validators = item.validators
        self.stats.inc_value("khabar/parsed")
        return article

    def _prepare_here(self, page: Page) -> Article:
        if self._local is None:
            self._local = Preparer(self.setup)
        started = time.process_time()
        try:
            article = self._local.prepare(page)
        except Exception as error:  # a broken page must never stop the crawl
            logger.warning("could not parse %s: %s", page.url, error, exc_info=True)
            raise self._dropped("parse_error", str(error)) from None
        finally:
            self._local_cpu += time.process_time() - started
        self.stats.inc_value("khabar/parse/in_process")
        return article

    def _dropped(self, reason: str, message: str) -> DropItem:
        self.stats.inc_value(f"khabar/dropped/{reason}")
        return DropItem(f"{reason}: {message}")

    def _start_pool(self) -> None:
        self._pool_tried = True
        pool = ParsePool(self.workers, self.setup)
        try:
            pool.start()
        except PoolUnavailable as error:
            self.stats.inc_value("khabar/errors/parse_pool/unavailable")
            logger.warning("could not start the parse workers (%s): parsing in the crawl process", error)
            return
        self.pool = pool
        self.stats.set_value("khabar/parse/workers", self.workers)
        logger.info("parsing in %d worker processes from now on (%.2f s of parsing here so far)", self.workers,
                    self._local_cpu)

    def close_spider(self) -> None:
        # Where the CPU time of preparing went (for `make bench` and the README's figures).
        self.stats.set_value("khabar/parse/cpu_seconds/in_process", round(self._local_cpu, 3))
        if self.pool is not None:
            self.stats.set_value("khabar/parse/cpu_seconds/in_workers", round(self.pool.cpu_seconds, 3))
            if self.pool.deaths:
                self.stats.set_value("khabar/errors/parse_pool/worker_died", self.pool.deaths)
            self.pool.close()

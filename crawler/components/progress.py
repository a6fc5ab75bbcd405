"""ProgressExtension: what a running crawl has done so far, for the person watching it.

``[crawl] progress = "live"`` (``khabar crawl`` on a terminal; -s KHABAR_PROGRESS) rewrites one
line in place every ``progress_interval`` seconds; ``"lines"`` (output to a file or a pipe,
scheduled runs) writes a plain line every ``progress_lines_interval`` seconds; ``"off"`` (plain
``scrapy crawl``) disables it. The CLI turns it on: this is
terminal output, not a log.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from crawler.components.addon import KhabarAddon
from crawler.store.runs import run_counts


def progress_line(spider: str, stats: dict[str, Any], elapsed: float) -> str:
    counts = run_counts(stats)
    return (f"{spider} {int(elapsed)}s: pages {counts['pages']} · new {counts['new']} · "
            f"updated {counts['updated']} · duplicates {counts['duplicates']} · dropped {counts['dropped']} · "
            f"alerts {counts['alerts']}")


class ProgressExtension:
    def __init__(self, crawler: Crawler, mode: str, interval: float, stream: TextIO) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.mode = mode
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self.width = 0
        self.task: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        settings = KhabarAddon.of(crawler).config.crawl
        if settings.progress == "off":
            raise NotConfigured
        interval = settings.progress_interval if settings.progress == "live" else settings.progress_lines_interval
        return cls(crawler, settings.progress, interval, sys.stdout)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.task = task.LoopingCall(self.show)
        self.task.start(self.interval, now=self.mode == "live")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.mode == "live":
            self.show()
            self.stream.write("\n")  # keep the final count on screen; the summary follows below it
            self.stream.flush()

    def show(self) -> None:
        spider = self.crawler.spider.name if self.crawler.spider else "crawl"
        line = progress_line(spider, self.stats.get_stats(), time.monotonic() - self.started)
        if self.mode == "live":
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

"""The garbage collector in a crawl: what start-up built is frozen out of its sight.

A crawl process holds well over 100,000 objects made at start-up that live as long as it does: modules, Scrapy's
machinery, the config with its compiled topics, the site registry. Python's cyclic garbage collector walks all of
them in every full collection. Measured on the benchmark site: 0.4-0.7 s of the crawl process's 5 s of CPU time
in a 1,000-page crawl, in pauses of 50-90 ms during which no response is read, and 0.1 s of a one-page crawl's
start-up. ``gc.freeze()`` moves every object that exists into a permanent generation that collections skip; a
frozen object is still freed by reference counting when it is let go.

``StartupFreezer`` (an extension: built once most of start-up is done) freezes then, and again when the spider
opens; the parse pool freezes right before it forks its workers, so they share those objects' memory with the
crawl process instead of copying every page of it a collection would write to. ``collector_paused`` keeps the
collector off while a command imports what a crawl needs. What is cyclic garbage at a freeze is never collected:
a bounded amount, once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Scrapy is imported by the crawl; a command pausing the collector imports this module first
    from scrapy.crawler import Crawler


def freeze() -> None:
    """Every object alive now out of the garbage collector's sight (``gc.freeze``)."""
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (start-up makes objects to keep, not garbage); what was made is frozen
    on the way out and the collector left as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        freeze()
        if was_enabled:
            gc.enable()


class StartupFreezer:
    """Freezes start-up's objects when the extensions are built and again when the spider opens."""

    def __init__(self, crawler: Crawler) -> None:
        from scrapy import signals

        freeze()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartupFreezer:
        return cls(crawler)

    def spider_opened(self) -> None:
        freeze()

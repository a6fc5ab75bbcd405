"""StopExtension: Ctrl-C or SIGTERM stops a crawl at once, and a second one forces it.

Scrapy's own handler logs at INFO (hidden by ``khabar crawl``) and lets the downloader work through
the requests it has already queued, AutoThrottle delays included: seconds of fetching after the user
asked to stop. This extension takes over SIGINT and SIGTERM once the engine runs. The first signal
prints "stopping, press again to force" on stderr, gives every request still waiting in a downloader
slot back as ignored (``khabar/stopped/not_fetched``; with ``-s JOBDIR`` the scheduler keeps the rest
for a resumed run) and stops the engine, which lets the pages being downloaded finish, runs the
pipelines' and extensions' closing work and records the run as ``stopped`` (finish reason
``shutdown``). A second signal stops the reactor without waiting.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

STOPPING = "stopping, press again to force (pages already downloading finish; nothing new is fetched)"
FORCING = "forcing stop"
NOT_FETCHED = "khabar/stopped/not_fetched"
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.received = 0
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopExtension:
        return cls(crawler)

    def engine_started(self) -> None:
        # Scrapy installs its handlers when the reactor starts, before the engine: ours replace them.
        for number in SIGNALS:
            signal.signal(number, self.on_signal)

    def on_signal(self, number: int, frame: Any) -> None:
        """Runs between two bytecodes of the reactor thread: say it with os.write, act from the reactor."""
        from twisted.internet import reactor

        self.received += 1
        if self.received == 1:
            os.write(2, f"\n{STOPPING}\n".encode())
            reactor.callFromThread(self.stop)
        else:
            os.write(2, f"{FORCING}\n".encode())
            for each in SIGNALS:
                signal.signal(each, signal.SIG_DFL)  # a third signal ends the process whatever it is doing
            reactor.callFromThread(self.force)

    def stop(self) -> None:
        engine = self.crawler.engine
        if engine is None or not engine.running:
            return
        engine.pause()  # no request leaves the scheduler from now on
        slot_of_engine = getattr(engine, "_slot", None)
        scheduler = getattr(slot_of_engine, "scheduler", None)
        dropped = 0
        for slot in list(engine.downloader.slots.values()):
            while slot.queue:
                request, waiting = slot.queue.popleft()
                if scheduler is not None:
                    # Back to the scheduler, which keeps it for a resumed run with -s JOBDIR (its duplicate
                    # filter has seen it already, hence dont_filter); without JOBDIR it ends with the crawl.
                    scheduler.enqueue_request(request.replace(dont_filter=True))
                waiting.errback(Failure(IgnoreRequest("the crawl is stopping")))
                dropped += 1
        if dropped and self.crawler.stats is not None:
            self.crawler.stats.inc_value(NOT_FETCHED, dropped)
        logger.warning("stopping on request: %d queued requests not fetched; waiting for the pages in flight",
                       dropped)
        deferred_from_coro(self.crawler.stop_async())

    def force(self) -> None:
        from twisted.internet import reactor

        logger.warning("forced to stop: the run is recorded as crashed by the next crawl of this spider")
        try:
            reactor.stop()  # type: ignore[misc]
        except RuntimeError:
            pass  # already stopping

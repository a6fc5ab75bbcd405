"""NotModifiedAwareAutoThrottle: AutoThrottle that lets a 304 Not Modified speed a crawl up as a 200 does, and that
lets the first latency it measures on a server replace the start delay."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class NotModifiedAwareAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle never lowers the delay on a non-200 answer (error pages are small and fast, so
    they would fake a quick server). A 304 is the normal answer of an incremental crawl: let it count as a
    200, or a crawl of an unchanged site would crawl at the start delay.

    The start delay (``AUTOTHROTTLE_START_DELAY``) is a guess made before anything is known of a server. Scrapy
    averages the first measurement with it; here the first 200 measured on a download slot (robots.txt, which a
    crawl fetches first) replaces it: a one-page crawl otherwise waited half the start delay, randomized, between
    robots.txt and its page (25-75 ms, measured up to 0.14 s) for nothing. Later answers adjust the delay as
    Scrapy's do, and a slow server raises it at once as before."""

    start_delay = -1.0  # set when the spider opens

    def _spider_opened(self, spider: Spider) -> None:
        super()._spider_opened(spider)
        self.start_delay = self._start_delay()

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        if response.status == 200 and slot.delay == self.start_delay:
            # Nothing measured on this slot yet (a slot starts at the start delay, exactly; Scrapy's slots take no
            # attributes of ours): the measurement alone decides, max(DOWNLOAD_DELAY, latency / target concurrency).
            slot.delay = self.mindelay
        super()._adjust_delay(slot, latency, response)

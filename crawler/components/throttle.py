"""NotModifiedAwareAutoThrottle: AutoThrottle that lets a 304 Not Modified speed a crawl up as a 200 does."""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class NotModifiedAwareAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle never lowers the delay on a non-200 answer (error pages are small and fast, so
    they would fake a quick server). A 304 is the normal answer of an incremental crawl: let it count as a
    200, or a crawl of an unchanged site would crawl at the start delay."""

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)

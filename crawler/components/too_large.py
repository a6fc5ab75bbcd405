"""TooLargeMiddleware: a response over the download limit is a counted drop (``too_large``), not an error.

Scrapy cancels a download past DOWNLOAD_MAXSIZE (derived from ``limits.download_max``) and reports it as
a cancelled download, the same exception whatever the reason. This middleware counts each response's
bytes as they arrive (the ``bytes_received`` signal) and the sizes servers announce, so it can tell that
cancellation from others: it is counted as ``khabar/dropped/too_large`` and becomes an IgnoreRequest,
with one line in the log. It sits closest to the downloader, so Scrapy's download-error counters never
see it. Decompression past the limit is counted by ``crawler.components.compression``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

TOO_LARGE = "khabar/dropped/too_large"
_RECEIVED = "khabar_bytes_received"  # request meta


class TooLargeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TooLargeMiddleware:
        return cls(crawler)

    def bytes_received(self, data: bytes, request: Request, **kwargs: Any) -> None:
        request.meta[_RECEIVED] = request.meta.get(_RECEIVED, 0) + len(data)

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        limit = request.meta.get("download_maxsize", self.max_size)
        announced = "larger than download max size" in str(exception)
        if not limit or not (announced or request.meta.get(_RECEIVED, 0) > limit):
            return None
        self.stats.inc_value(TOO_LARGE)
        logger.warning("dropped %s: larger than %d bytes (limits.download_max)", request.url, limit)
        raise IgnoreRequest("too_large")

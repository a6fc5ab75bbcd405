"""Short log lines: dropped items by reason and URL (never the whole page), network errors and storage
failures as one sentence (never a traceback: an unreachable host, a mistyped ``base_url`` or a full disk
is not a bug). Other exceptions in a pipeline keep their traceback: those are bugs."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import logformatter
from scrapy.crawler import Crawler

from crawler.store.sqlite import DatabaseError

# Failures of the network or the server, reported as a sentence; anything else keeps its traceback.
NETWORK_ERRORS = ("ConnectionRefusedError", "DownloadConnectionRefusedError", "DNSLookupError",
                  "TimeoutError", "TCPTimedOutError", "DownloadTimeoutError", "ConnectionLost",
                  "ConnectionDone", "ResponseNeverReceived", "ResponseFailed", "DownloadFailedError",
                  "ConnectError", "NoRouteError", "SSLError", "TunnelError", "ResponseDataLossError",
                  "DownloadConnectionLostError", "DownloadTimeoutError", "DownloadCancelledError")


class ShortNetworkErrors(logging.Filter):
    """Scrapy logs every failed download and item error with its traceback; for network failures and storage
    failures (phrased already) keep only the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and (type(error).__name__ in NETWORK_ERRORS or isinstance(error, DatabaseError)):
            record.msg = f"{record.msg} ({type(error).__name__}: {error})"
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = ShortNetworkErrors()
# The Scrapy loggers that report a failed download with its traceback.
FAILED_DOWNLOAD_LOGGERS = ("scrapy.core.scraper", "scrapy.downloadermiddlewares.robotstxt", "scrapy.core.engine")


class KhabarLogFormatter(logformatter.LogFormatter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        for name in FAILED_DOWNLOAD_LOGGERS:
            log = logging.getLogger(name)
            if _FILTER not in log.filters:
                log.addFilter(_FILTER)
        return cls()

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> Any:
        url = getattr(item, "url", "") or getattr(response, "url", "")
        return {"level": logging.INFO, "msg": "Dropped %(url)s: %(reason)s",
                "args": {"url": url, "reason": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> Any:
        url = getattr(item, "canonical_url", "") or getattr(item, "url", "") or getattr(response, "url", "")
        return {"level": logging.ERROR, "msg": "Could not process %(url)s", "args": {"url": url}}

    def scraped(self, item: Any, response: Any, spider: Any = None) -> Any:
        url = getattr(item, "canonical_url", "") or getattr(item, "url", "")
        return {"level": logging.DEBUG, "msg": "Stored %(url)s", "args": {"url": url}}

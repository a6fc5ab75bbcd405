"""RetryAfterMiddleware: a 429 or 503 answer slows the host down and its retry waits as long as the server asked.

Scrapy's RetryMiddleware retries a 503 at once (three tries within a second) and never reads Retry-After.
This middleware sees the answer first: it waits the Retry-After delay (seconds or an HTTP date; without
one, the host's current delay doubled, from 1 s) before handing the answer on to be retried, and backs the
host off: its download delay doubles (from 1 s, at most HOST_DELAY_CAP; AutoThrottle brings it down again
as the host answers normally). A Retry-After longer than ``limits.retry_after_max`` is not waited for: the
request is dropped (``retry_after_too_long``). Every wait is counted (``khabar/retry_after/waited`` and
``.../seconds``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import sleep

from crawler.components.addon import KhabarAddon

logger = logging.getLogger(__name__)

SLOW_DOWN = {429, 503}
HOST_DELAY_CAP = 30.0  # seconds between two requests to a host that keeps answering 429/503


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, longest: float) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.longest = longest
        self.max_retries = crawler.settings.getint("RETRY_TIMES")
        self.retry_enabled = crawler.settings.getbool("RETRY_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler, KhabarAddon.of(crawler).config.limits.retry_after_max)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if response.status not in SLOW_DOWN or request.meta.get("dont_retry"):
            return response
        slot = self._slot(request)
        current = slot.delay if slot is not None else 0.0
        if slot is not None:
            slot.delay = min(HOST_DELAY_CAP, max(1.0, 2 * current))  # the host is backed off, whatever it asked
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        wait = asked if asked is not None else min(self.longest, max(1.0, 2 * current))
        if wait > self.longest:
            self.stats.inc_value("khabar/dropped/retry_after_too_long")
            logger.warning("dropped %s: the server asked to wait %.0f s (limits.retry_after_max is %.0f s)",
                           request.url, wait, self.longest)
            raise IgnoreRequest("retry_after_too_long")
        retries_left = self.retry_enabled and request.meta.get("retry_times", 0) < request.meta.get(
            "max_retry_times", self.max_retries)
        if retries_left and wait > 0:
            self.stats.inc_value("khabar/retry_after/waited")
            self.stats.inc_value("khabar/retry_after/seconds", round(wait))
            logger.info("%s answered %d: waiting %.1f s before retrying", request.url, response.status, wait)
            await sleep(wait)
        return response  # Scrapy's RetryMiddleware retries it (or gives up after RETRY_TIMES)

    def _slot(self, request: Request) -> Any:
        engine = self.crawler.engine
        if engine is None:
            return None
        return engine.downloader.slots.get(engine.downloader.get_slot_key(request))

"""Short log lines for dropped items: the reason and URL, never the whole page."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter


class KhabarLogFormatter(logformatter.LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> Any:
        url = getattr(item, "url", "") or getattr(response, "url", "")
        return {"level": logging.INFO, "msg": "Dropped %(url)s: %(reason)s",
                "args": {"url": url, "reason": exception}}

    def scraped(self, item: Any, response: Any, spider: Any = None) -> Any:
        url = getattr(item, "canonical_url", "") or getattr(item, "url", "")
        return {"level": logging.DEBUG, "msg": "Stored %(url)s", "args": {"url": url}}

"""BoundedCompressionMiddleware: Scrapy's decompression, with a body inflating past the limit counted.

Scrapy's HttpCompressionMiddleware already stops inflating at DOWNLOAD_MAXSIZE (``limits.download_max``),
so a gzip bomb never takes more than that in memory; it then ignores the response with a warning and no
counter. Here that drop is counted as ``khabar/dropped/too_large``, like a download over the limit.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.components.too_large import TOO_LARGE


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value(TOO_LARGE)
            raise

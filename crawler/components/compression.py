"""BoundedCompressionMiddleware: Scrapy's decompression, with every response it cannot use counted.

Scrapy's HttpCompressionMiddleware already stops inflating at DOWNLOAD_MAXSIZE (``limits.download_max``),
so a gzip bomb never takes more than that in memory; it then ignores the response with a warning and no
counter. Here that drop is counted as ``khabar/dropped/too_large``, like a download over the limit, and a
body that does not decompress at all (a server sending garbage as gzip, deflate, br or zstd) is dropped as
``bad_encoding`` instead of failing with a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.components.too_large import TOO_LARGE

logger = logging.getLogger(__name__)

BAD_ENCODING = "khabar/dropped/bad_encoding"


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            self._count(TOO_LARGE)
            raise
        except Exception as error:  # gzip.BadGzipFile, zlib.error, brotli and zstd errors, EOFError
            self._count(BAD_ENCODING)
            logger.warning("dropped %s: its %s body does not decompress (%s: %s)", response.url,
                           (response.headers.get("Content-Encoding") or b"").decode("latin-1"),
                           type(error).__name__, error)
            raise IgnoreRequest("bad_encoding") from None

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

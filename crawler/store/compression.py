"""How raw pages and stored bodies are kept: zstd, level 3; older rows (plain text, zlib) stay readable.

A page of a large Hindi news site is about 340 KB of HTML. zstd at level 3 packs it 6-7 times in about
0.7 ms; zlib at level 6 packs it a little less in about 8 ms (``benchmarks/bench_crawl.py`` measures both on
each run). A dictionary trained on a site's pages packs a third smaller again, but costs more time per page
and a training step per site: not used (the figures are in the README). zstd records a dictionary's id in
each frame, so blobs written now stay readable if dictionaries come later.

What was stored before is read as it was: ``pages.html`` rows written as text, and ``http_validators.body``
blobs written with zlib, whose first byte differs from zstd's magic number.
"""

from __future__ import annotations

import sys
import zlib

if sys.version_info >= (3, 14):  # the standard library's from Python 3.14; the backport (Scrapy needs it too) before
    from compression import zstd
else:
    from backports import zstd

LEVEL = 3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def pack(data: bytes) -> bytes:
    """``data`` compressed for storage."""
    return zstd.compress(data, LEVEL)


def unpack(blob: bytes) -> bytes:
    """What ``pack`` was given; a zlib blob of an older Khabar is read too."""
    if blob[:4] == ZSTD_MAGIC:
        return zstd.decompress(blob)
    return zlib.decompress(blob)


def pack_page(html: str) -> bytes:
    """A page's text as the pages table keeps it: UTF-8, packed."""
    return pack(html.encode("utf-8"))


def page_text(stored: str | bytes | None) -> str | None:
    """The page's text from a ``pages.html`` value: a packed blob, or the plain text older versions stored."""
    if stored is None or isinstance(stored, str):
        return stored
    return unpack(stored).decode("utf-8")

"""Listing pages: the date each story card shows next to its link.

Section and topic listings of Hindi news sites are lists of cards (headline link, summary, a
``<time datetime>``). ``card_dates`` gives each article link the machine-readable date of its own
card: the nearest enclosing element that holds no other article link and has a ``<time
datetime>`` (or ``itemprop=datePublished``). A link whose card has no such date gets none: it is
fetched, and its own page decides (pipelines/since.py). Spiders use it for ``-a since=``: cards
older than the window are not fetched, and a listing page whose every story is older stops its
pagination.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crawler.text.dates import parse_iso

# How far up from a link its card may be (a > h2 > div.card > li is three steps).
MAX_CARD_DEPTH = 4
_DATE_XPATH = ".//time/@datetime | .//*[@itemprop='datePublished']/@content | .//*[@itemprop='datePublished']/@datetime"


def card_dates(root: Any, absolute: Callable[[str], str], is_article: Callable[[str], bool]) -> dict[str, datetime]:
    """{article URL: its card's date} for the article links under ``root`` (an lxml element) that have one."""
    found: dict[str, datetime] = {}
    for link in root.iter("a"):
        url = _article_url(link, absolute, is_article)
        if url is None:
            continue
        node = link
        for _ in range(MAX_CARD_DEPTH):
            node = node.getparent()
            if node is None or _other_article_link(node, url, absolute, is_article):
                break  # past the card: the next element up holds other stories too
            moments = [m for m in (parse_iso(v) for v in node.xpath(_DATE_XPATH)) if m is not None]
            if moments:
                found[url] = max(moments + ([found[url]] if url in found else []))
                break
    return found


def _article_url(link: Any, absolute: Callable[[str], str], is_article: Callable[[str], bool]) -> str | None:
    href = (link.get("href") or "").strip()
    if not href:
        return None
    url = absolute(href)
    return url if is_article(url) else None


def _other_article_link(node: Any, url: str, absolute: Callable[[str], str], is_article: Callable[[str], bool]) -> bool:
    return any(other not in (None, url) for other in (_article_url(a, absolute, is_article) for a in node.iter("a")))

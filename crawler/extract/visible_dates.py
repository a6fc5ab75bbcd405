"""The date a page prints for people, when it gives no machine-readable one.

Used only when JSON-LD, microdata, ``article:*`` meta, ``<time datetime>`` and discovery's
hints give no date. Looked for, in order:

1. elements that say they hold a date: a class, id or ``itemprop`` with date, time, publish,
   updated, dateline or posted in it, and ``<time>`` without ``datetime``;
2. the byline block after the headline: the short texts that follow the ``<h1>`` (or, on a page
   without one, the element holding the headline, such as a table cell), e.g.
   ``नाम / नई दिल्ली February 14, 2020``.

Each text is read by ``crawler.text.dates``. A "published" label beats no label, which beats an
"updated" one; among equals, the one nearest the headline wins. Never read: the page header's
clock (a ``<header>`` or ``<nav>`` without the headline) and dates inside lists of other stories
(related rails, links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from crawler.extract import boilerplate
from crawler.extract.pageindex import PageIndex
from crawler.text import dates

_DATE_NAME = re.compile(r"date|time|publish|posted|updated|modified|dateline|stamp|datum|fecha", re.IGNORECASE)
_PUBLISHED = re.compile(r"publish|posted|created|प्रकाशित|पब्लिश|प्रकाशन|veröffentlicht|erstellt|publicado|publié",
                        re.IGNORECASE)
_UPDATED = re.compile(r"updated|modified|अपडेट|अद्यतन|aktualisiert|stand|actualizado|mis à jour", re.IGNORECASE)
# Where a second label starts inside one text ("Published: ... | Updated: ...").
_LABEL_START = re.compile(f"(?:{_PUBLISHED.pattern}|{_UPDATED.pattern})", re.IGNORECASE)
DATE_TEXT_MAX_CHARS = 200
# A byline block's texts are short; a longer one is the story.
BYLINE_TEXT_MAX_CHARS = 120
# How many texts after the headline count as its byline block.
BYLINE_TEXTS = 25
_FOLLOWING_TEXTS = etree.XPath(f"following::text()[normalize-space()][position() <= {BYLINE_TEXTS}]")
_PUBLISHED_RANK, _PLAIN_RANK, _UPDATED_RANK = 0, 1, 2


@dataclass(frozen=True)
class VisibleDate:
    when: datetime
    text: str  # the text it was read from (a byline block may also name the author)
    rank: int  # 0 published, 1 no label, 2 updated


def published(index: PageIndex, headline: str, now: datetime | None) -> VisibleDate | None:
    """The publication date the page prints, or None."""
    anchor = _headline_element(index, headline)
    labelled = [found for element in _dated_elements(index, anchor) if (found := _read(element, now)) is not None]
    if labelled:
        position = index.position
        at = position.get(anchor, 0) if anchor is not None else 0
        return min(labelled, key=lambda pair: (pair[0].rank, abs(position.get(pair[1], 0) - at)))[0]
    return _after_headline(anchor, now)


def _dated_elements(index: PageIndex, anchor: Any) -> list[Any]:
    found: dict[Any, None] = dict.fromkeys(t for t in index.elements("time") if not t.get("datetime"))
    for token, elements in index.by_class.items():
        if _DATE_NAME.search(token):
            found.update(dict.fromkeys(elements))
    for token, element in index.by_id.items():
        if _DATE_NAME.search(token):
            found[element] = None
    for token, elements in index.by_itemprop.items():
        if token in ("datePublished", "dateCreated", "dateModified"):
            found.update(dict.fromkeys(elements))
    rails: dict[Any, bool] = {}
    return [element for element in found if not _elsewhere(element, anchor, rails)]


def _elsewhere(element: Any, anchor: Any, rails: dict[Any, bool]) -> bool:
    """Whether a date element belongs to something other than this story."""
    for ancestor in element.iterancestors():
        if ancestor.tag == "a":
            return True  # a dated link: another story
        if ancestor.tag in ("header", "nav") and (anchor is None or not _contains(ancestor, anchor)):
            return True  # the page header's clock
    return boilerplate.in_rail(element, rails)


def _contains(ancestor: Any, element: Any) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _read(element: Any, now: datetime | None) -> tuple[VisibleDate, Any] | None:
    text = " ".join("".join(element.itertext()).split())
    if not text or len(text) > DATE_TEXT_MAX_CHARS:
        return None
    names = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
    found = _from_text(text, now, _rank(names))
    return (found, element) if found is not None else None


def _rank(label: str) -> int:
    if _PUBLISHED.search(label):
        return _PUBLISHED_RANK
    return _UPDATED_RANK if _UPDATED.search(label) else _PLAIN_RANK


def _from_text(text: str, now: datetime | None, default_rank: int) -> VisibleDate | None:
    """The best date in one text: each labelled part ("Published: ...", "Updated: ...") read on its own."""
    starts = [match.start() for match in _LABEL_START.finditer(text)] or [0]
    parts = [text[start:end] for start, end in zip([0, *starts[1:]], [*starts[1:], len(text)], strict=True)]
    found = []
    for part in parts:
        when = dates.parse_visible(part, now=now)
        if when is not None and dates.is_plausible(when, now=now):
            rank = _rank(part) if _LABEL_START.search(part) else default_rank
            found.append(VisibleDate(when, text, rank))
    return min(found, key=lambda date: date.rank) if found else None


def _headline_element(index: PageIndex, headline: str) -> Any:
    """The ``<h1>``, else the element whose text starts like the headline (a legacy page's table cell)."""
    h1 = index.first("h1")
    if h1 is not None or not headline:
        return h1
    words = headline.split()[:6]
    if not words or '"' in " ".join(words):
        return None
    start = " ".join(words)
    nodes = index.root.xpath(f'//body//text()[contains(normalize-space(.), "{start}")]')
    return nodes[0].getparent() if nodes else None


def _after_headline(anchor: Any, now: datetime | None) -> VisibleDate | None:
    """A date in the short texts right after the headline: the byline block."""
    if anchor is None:
        return None
    last = anchor
    while len(last):
        last = last[-1]
    rails: dict[Any, bool] = {}
    for node in _FOLLOWING_TEXTS(last):
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style", "a"):
            continue
        text = " ".join(str(node).split())
        if len(text) > BYLINE_TEXT_MAX_CHARS or parent.tag == "p" or boilerplate.in_rail(parent, rails):
            break  # the story (or what follows it) has begun
        found = _from_text(text, now, _PLAIN_RANK)
        if found is not None:
            return found
    return None

"""The headline: chosen among the page's titles by agreement, without the site's name on either side.

A page states its headline up to six times (JSON-LD ``headline``, microdata, ``og:title``,
``twitter:title``, ``<h1>``, ``<title>``), and the copies disagree in known ways: the site's
name before or after it (``साइट का नाम - असली शीर्षक``, ``Headline | Site``), a cut at a length
limit (``...``), a kicker. The most trusted title is kept, except that

* the site's name goes from either end, after any separator (``-``, ``|``, ``:``, ``।``, ``–``);
  a colon only ever separates a name the site goes by, so ``Ukraine: Talks resume`` keeps its
  first word;
* when another copy is exactly one separated part of it (``X - Headline`` beside ``Headline``)
  and at least as many copies say it that way, the shorter copy is the headline and the rest was
  a name: the copies agree on it;
* a title cut to fit (``...``) gives way to a later copy that has it whole;
* on a page without ``<h1>``, the part of ``Site - Headline`` printed alone on the page wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_TRAILING_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " : ", " ~ ", " । ", " / ")
_LEADING_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " : ", ": ", " ~ ", " । ", "। ")
# Separators around a part that agreement between copies may drop: not the colon, which joins
# a kicker to its headline ("Nach Gaetz-Rückzug: Trump-Anwältin soll ...").
_AGREEMENT_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " ~ ", " । ")
_SITE_NAME_MAX_CHARS = 60
_GENERIC_SUFFIX = re.compile(r"^(?:latest\s+)?(?:hindi\s+news|news\s+in\s+hindi|हिंदी\s+न्यूज़?|हिन्दी\s+समाचार)"
                             r"(?:\s+live)?$", re.IGNORECASE)
_ELLIPSIS = ("...", "…")


def choose_title(titles: list[str], site_names: Iterable[str]) -> str:
    """The headline from the page's titles, most trusted first (see the module's rules)."""
    names = list(site_names)
    cleaned = [title for title in (strip_site_name(" ".join(raw.split()), names) for raw in titles) if title]
    if not cleaned:
        return ""
    first = _untruncated(cleaned)
    for other in cleaned:
        if other != first and len(other) >= 10 and _is_part(other, first) \
                and cleaned.count(other) >= cleaned.count(first):
            return other
    return first


def printed_part(title: str, is_printed: Callable[[str], bool]) -> str:
    """On a page without ``<h1>`` (legacy table layouts), the part of ``Site - Headline`` that the
    page prints on its own as a text (the headline's table cell) is the headline."""
    for separator in _AGREEMENT_SEPARATORS:
        if separator in title:
            head, _, tail = title.partition(separator)
            printed = [part for part in (tail, head) if len(part) >= 10 and is_printed(part)]
            if len(printed) == 1:
                return printed[0]
    return title


def _is_part(part: str, title: str) -> bool:
    """Whether ``title`` is ``part`` with a short name before or after it, behind a separator."""
    for separator in _AGREEMENT_SEPARATORS:
        for rest in (title.removeprefix(part + separator), title.removesuffix(separator + part)):
            if rest != title and 0 < len(rest) <= _SITE_NAME_MAX_CHARS and separator not in rest:
                return True
    return False


def _untruncated(titles: list[str]) -> str:
    """The first title, unless it was cut to fit a length limit ("...") and a later one has it whole."""
    first = titles[0]
    if not first.endswith(_ELLIPSIS):
        return first
    stem = first.rstrip(".… ").strip()
    return next((title for title in titles[1:] if title.startswith(stem) and len(title) > len(stem) + 1), first)


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """``"खबर का शीर्षक - Amar Ujala Hindi News Live"`` → ``"खबर का शीर्षक"``; also ``"Site: Headline"``.

    A trailing segment goes when it names the site (or is a generic "Hindi News" label), a
    leading one only when it is exactly a name of the site; anything else beside a separator is
    part of the headline and stays.
    """
    names = [_squash(name) for name in site_names if name and len(_squash(name)) >= 3]
    while True:
        for separator in _TRAILING_SEPARATORS:
            head, found, tail = title.rpartition(separator)
            if found and head.strip() and _names_site(tail, names):
                title = head.strip()
                break
        else:
            for separator in _LEADING_SEPARATORS:
                head, found, tail = title.partition(separator)
                if found and tail.strip() and _is_site(head, names):
                    title = tail.strip()
                    break
            else:
                return title


def is_site_name(text: str, site_names: Iterable[str]) -> bool:
    """Whether ``text`` is just the site's name ("aajtak.in", "Aaj Tak"): a desk credit, not an author."""
    squashed = _squash(text)
    return bool(squashed) and any(squashed == _squash(name) for name in site_names if name)


def _squash(text: str) -> str:
    return re.sub(r"[\s.\-_|]+", "", text.casefold())


def _names_site(segment: str, names: list[str]) -> bool:
    segment = segment.strip()
    if not segment or len(segment) > _SITE_NAME_MAX_CHARS:
        return False
    if _GENERIC_SUFFIX.match(segment):
        return True
    squashed = _squash(segment)
    return any(name in squashed or (len(squashed) >= 5 and squashed in name) for name in names)


def _is_site(segment: str, names: list[str]) -> bool:
    """A leading segment is dropped only when it is exactly a name of the site (or a generic label)."""
    segment = segment.strip()
    return bool(segment) and (_GENERIC_SUFFIX.match(segment) is not None or _squash(segment) in names)

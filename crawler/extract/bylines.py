"""Authors are people: names from a byline, split, and told apart from the publisher, desks and agencies.

Bylines come as ``"By A and B"``, ``"A, B"``, ``"द्वारा A और B"``, ``"रिपोर्ट: A"``, ``"A (abc)"`` (a
name with the author's initials), or as a page element: ``<a rel=author>``, an element whose
class or id says author or byline. The publisher itself, a desk (``डेस्क``, ``ब्यूरो``,
``Web Desk``, ``Redaktion``, ``Staff``) and a news agency (``भाषा``, ``PTI``, ``IANS``, ``dpa``,
``AFP``) are credits, not people: they never reach ``authors``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

# Agencies, lower case: whole credits, and the short names that mark a credit inside a longer one
# ("Le Figaro et AFP", "PTI इनपुट").
AGENCIES = frozenset({
    "pti", "ians", "ani", "uni", "भाषा", "वार्ता", "यूएनआई", "एएनआई", "आईएएनएस", "पीटीआई", "एजेंसी", "एजेंसियां",
    "reuters", "afp", "ap", "associated press", "dpa", "apa", "efe", "ansa", "kna", "epd", "xinhua", "tass",
    "agence france-presse", "deutsche presse-agentur", "press trust of india", "agencies", "agency", "agenturen",
    "agences",
})
_AGENCY_WORDS = frozenset({"pti", "ians", "ani", "afp", "ap", "dpa", "reuters", "भाषा", "एजेंसी", "एजेंसियां",
                           "आईएएनएस", "पीटीआई", "एएनआई"})
DESK_WORDS = frozenset({
    "desk", "डेस्क", "ब्यूरो", "bureau", "staff", "team", "टीम", "newsroom", "redaktion", "editorial", "editors",
    "संवाददाता", "correspondent", "न्यूज़", "न्यूज", "news",
})
# "By", in the languages bylines are written in; the short foreign words only in lower case ("Da Silva").
_PREFIX = re.compile(
    r"^(?:(?i:(?:written|edited|reported|posted)\s+by|by|द्वारा|लेखक|लेखिका|रिपोर्ट|रिपोर्टर|author|autor|auteur)"
    r"|von|par|por|door|av|af|di|da)(?!\w)\s*[:\-–—|]?\s*"
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\s\|\s|/|\b(?:and|und|og|och|et|ja)\b|\s(?:और|तथा|एवं|и)\s)\s*", re.IGNORECASE)
_INITIALS = re.compile(r"\s*\([^()\s]{1,8}\)\s*$")  # "Corina Gall (cog.)"
_NOT_NAME = re.compile(r"\d|https?:|www\.|@|^\(|\)$")
# "Source: PTI" credits where the text came from; it names no author.
_SOURCE = re.compile(r"(?:source|quelle|स्रोत|स्त्रोत|fuente|fonte)\s*:")
_NAME_MAX_WORDS = 6
_NAME_MAX_CHARS = 60
# Link texts a byline carries besides the names.
_LINK_WORDS = frozenset({"twitter", "facebook", "x", "linkedin", "instagram", "email", "e-mail", "mail", "follow",
                         "more", "profile", "bio", "rss", "whatsapp", "threads", "bluesky", "mastodon"})


def split_names(text: str) -> list[str]:
    """``"By A and B"`` → ``["A", "B"]``: byline words, conjunctions and initials in parentheses removed."""
    text = " ".join(text.split())
    text = _PREFIX.sub("", text, count=1)
    parts = (_INITIALS.sub("", part).strip(" .:-–—|") for part in _SPLIT.split(text))
    return [part for part in parts if part]


def is_credit(name: str, publishers: Iterable[str] = ()) -> bool:
    """Whether a byline entry is the publisher, a desk or an agency rather than a person."""
    folded = " ".join(name.casefold().split())
    if folded in AGENCIES or _SOURCE.match(folded):
        return True
    words = re.findall(r"[\w\u0900-\u097f]+", folded)
    if any(word in _AGENCY_WORDS or word in DESK_WORDS for word in words):
        return True
    squashed = _squash(name)
    return any(own and (own == squashed or (len(own) >= 4 and own in squashed)) for own in map(_squash, publishers))


def looks_like_name(text: str) -> bool:
    """A person's name: a few words, no digits, links or parentheses."""
    return (0 < len(text) <= _NAME_MAX_CHARS and len(text.split()) <= _NAME_MAX_WORDS
            and not _NOT_NAME.search(text) and text.casefold() not in _LINK_WORDS)


def people(names: Iterable[str], publishers: Iterable[str] = ()) -> list[str]:
    """The people among byline entries, split, in order, each once."""
    own = list(publishers)
    found = [name for raw in names for name in split_names(raw)]
    return list(dict.fromkeys(name for name in found if looks_like_name(name) and not is_credit(name, own)))


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


# ---------------------------------------------------------------------------
# Bylines printed on the page
# ---------------------------------------------------------------------------

_BYLINE_CLASS = re.compile(r"author|byline|writer|reporter", re.IGNORECASE)
# Author elements that are not the byline: a biography box, a photo, comments, lists of other stories.
_NOT_BYLINE = re.compile(r"bio|avatar|image|img|photo|pic|social|follow|desc|about|comment|card|teaser|related"
                         r"|more|box|title|recommend", re.IGNORECASE)


BYLINE_MAX_CHARS = 150


def byline_names(index: Any, publishers: Iterable[str] = ()) -> list[str]:
    """People named by the page's byline: ``<a rel=author>``, else the first author/byline element."""
    own = list(publishers)
    linked = people((_text(link) for link in index.rel_author), own)
    if linked:
        return linked
    for element in _byline_elements(index):
        if len(_text(element)) > BYLINE_MAX_CHARS:
            continue  # an author's biography box, not the byline
        found = people(_pieces(element), own)
        if found:
            return found
    return []


def _byline_elements(index: Any) -> list[Any]:
    found: dict[Any, None] = {}
    for names, lookup in ((index.by_class, True), (index.by_id, False)):
        for token, value in names.items():
            if _BYLINE_CLASS.search(token) and not _NOT_BYLINE.search(token):
                for element in (value if lookup else [value]):
                    found.setdefault(element, None)
    outermost = [element for element in found if not any(parent in found for parent in element.iterancestors())]
    position = index.position if len(outermost) > 1 else {}
    return sorted(outermost, key=lambda element: position.get(element, 0))


def _pieces(element: Any) -> Iterator[str]:
    """The names in a byline element: its links' or name elements' texts, else its own text."""
    links = [_text(link) for link in element.iter("a")]
    links = [text for text in links if text]
    if links:
        yield from links
        return
    children = [_text(child) for child in element if isinstance(child.tag, str)]
    children = [text for text in children if text]
    if len(children) > 1 and all(len(text) <= _NAME_MAX_CHARS for text in children):
        yield from children
        return
    yield _text(element)


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


_BLOCK_SEPARATOR = re.compile(r"\s+[/|]\s+|\s*[|]\s*")


def block_author(text: str, publishers: Iterable[str] = ()) -> list[str]:
    """The author a dated byline block names before its first separator: ``नाम / नई दिल्ली February 14, 2020``."""
    parts = _BLOCK_SEPARATOR.split(text, maxsplit=1)
    if len(parts) < 2:
        return []
    return people([parts[0]], publishers)

"""The story's paragraphs: which element holds the story, and which blocks inside it are the story.

The container is found in this order:

1. the site's ``body_container`` selector, if it declares one;
2. a container a CMS names (``itemprop=articleBody``, ``.article-body``, ``<article>`` ...). Several
   elements of one name that are not inside each other are one story split by an ad or a paywall
   wrapper, and are read in turn;
3. text density, as readability and trafilatura do it: every paragraph (a ``<p>``, or a run of text
   broken by ``<br>``/``<div>`` where the page has no ``<p>``) scores its parent and, by half, its
   grandparent, by its length; a candidate loses the share of its text that is links; the best
   candidate is read together with the siblings that score nearly as well.

Inside the container (``crawler.extract.blocks``) paragraphs, subheadings and list items are
read and the furniture skipped. The JSON-LD ``articleBody`` wins when it is complete and the
page holds much less text than it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from crawler.extract import boilerplate
from crawler.extract.blocks import paragraphs
from crawler.extract.pageindex import PageIndex

# Where the story usually is, most specific first: (what to look up, its name).
BODY_CONTAINERS = (
    ("itemprop", "articleBody"), ("class", "story-body"), ("class", "article-body"), ("class", "articleBody"),
    ("class", "article_body"), ("class", "story-content"), ("class", "story_content"), ("class", "article-content"),
    ("class", "article_content"), ("class", "entry-content"), ("class", "story-details"), ("class", "story-detail"),
    ("class", "article-desc"), ("class", "post-content"), ("class", "content-body"), ("class", "news-content"),
    ("class", "detail-content"), ("id", "storyBody"), ("id", "article-body"), ("tag", "article"), ("role", "main"),
    ("tag", "main"),
)
# A container with at least this much text is taken without looking further.
ENOUGH_BODY_CHARS = 400
# A paragraph shorter than this says nothing about where the story is (a caption, a date, a button).
SCORED_PARAGRAPH_CHARS = 25
# Elements whose own text is never story text.
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "a", "option", "button", "title", "head"})
# Siblings of the best candidate scoring at least this share of it are part of the story too.
SIBLING_SHARE = 0.2


def body_paragraphs(index: PageIndex, body_container: str, article_body: str) -> list[str]:
    """The page's paragraphs, or the JSON-LD ``articleBody`` when the page holds much less text than it."""
    if body_container:
        containers: Iterable[tuple[list[Any], bool]] = [(index.select(body_container)[:1], True)]
    else:
        containers = _named_containers(index)
    from_page = _best_paragraphs(index, containers)
    if article_body and _poorer(sum(map(len, from_page)), len(article_body)):
        return split_article_body(article_body) or from_page
    return from_page


# A page body this long is a story in itself: JSON-LD text beyond it is most often captions, fact
# boxes and embedded posts run together, unless it is several times longer.
WHOLE_STORY_CHARS = 1500


def _poorer(page_chars: int, article_body_chars: int) -> bool:
    """Whether the page's text is so much less than the JSON-LD ``articleBody`` that the latter is the story."""
    if page_chars < 0.25 * article_body_chars:
        return True
    return page_chars < 0.5 * article_body_chars and page_chars < WHOLE_STORY_CHARS


def _named_containers(index: PageIndex) -> Iterator[tuple[list[Any], bool]]:
    """Containers named in ``BODY_CONTAINERS``, each with whether its name says it surely is the story."""
    for kind, name in BODY_CONTAINERS:
        found = _containers(index, kind, name)
        if found:
            yield found, kind in ("class", "itemprop", "id")


def _containers(index: PageIndex, kind: str, name: str) -> list[Any]:
    if kind == "class":
        return _outermost(index.by_class.get(name, []))
    if kind == "itemprop":
        return _outermost(index.by_itemprop.get(name, []))
    if kind == "id":
        found = index.by_id.get(name)
        return [found] if found is not None else []
    if kind == "role":
        return index.role_main[:1]
    first = index.first(name)
    return [first] if first is not None else []


def _outermost(elements: list[Any]) -> list[Any]:
    """The elements that are not inside another of them, in document order."""
    if len(elements) < 2:
        return elements
    chosen = set(elements)
    return [element for element in elements if not any(parent in chosen for parent in element.iterancestors())]


def _best_paragraphs(index: PageIndex, containers: Iterable[tuple[list[Any], bool]]) -> list[str]:
    """Paragraphs of the first container holding enough text, else of the fullest one (or the best
    scored candidate). Each container comes with whether it surely is the story (see ``paragraphs``)."""
    best: list[str] = []
    for group, surely_story in containers:
        found = _read(group, surely_story)
        if sum(map(len, found)) >= ENOUGH_BODY_CHARS:
            return found
        if sum(map(len, found)) > sum(map(len, best)):
            best = found
    found = _read(densest_blocks(index), True)
    if sum(map(len, found)) > sum(map(len, best)):
        best = found
    if sum(map(len, best)) < ENOUGH_BODY_CHARS:
        # Bare text is the last resort, and taken only when it amounts to a story: a stray headline
        # in a list of links is not one.
        found = _read(bare_text_blocks(index), True)
        if sum(map(len, found)) >= ENOUGH_BODY_CHARS and sum(map(len, found)) > sum(map(len, best)):
            best = found
    return best


def _read(group: list[Any], surely_story: bool) -> list[str]:
    found = [text for element in group for text in paragraphs(element, surely_story)]
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------
# Text density
# ---------------------------------------------------------------------------


def densest_blocks(index: PageIndex) -> list[Any]:
    """The elements that hold the story, by text density: the best candidate and its best siblings."""
    return _best_of(_candidate_scores(index))


def _best_of(scores: dict[Any, float]) -> list[Any]:
    if not scores:
        return []
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:5]
    weighted = {element: scores[element] * (1 - _link_density(element)) for element in ranked}
    top = max(weighted, key=weighted.__getitem__)
    parent = top.getparent()
    if parent is None:
        return [top]
    threshold = max(10.0, SIBLING_SHARE * weighted[top])
    return [sibling for sibling in parent if sibling is top
            or (scores.get(sibling, 0.0) * (1 - _link_density(sibling)) >= threshold)]


def bare_text_blocks(index: PageIndex) -> list[Any]:
    """Where the page has no paragraph elements (legacy table layouts, ``<div>``/``<br>`` text): the
    element whose own text runs, not its children's elements', score highest, and its siblings."""
    return _best_of(_bare_text_scores(index))


def _bare_text_scores(index: PageIndex) -> dict[Any, float]:
    body = index.first_body()
    scores: dict[Any, float] = {}
    rails: dict[Any, bool] = {}
    for element in body.iter(etree.Element) if body is not None else ():
        if element.tag in _NOT_TEXT:
            continue
        own = len((element.text or "").strip()) + sum(len((child.tail or "").strip()) for child in element)
        if own < SCORED_PARAGRAPH_CHARS or boilerplate.in_rail(element, rails) or _in_link(element):
            continue
        _add_score(scores, element, 1 + min(own / 100, 3))
    return scores


def _in_link(element: Any) -> bool:
    return any(ancestor.tag == "a" for ancestor in element.iterancestors())


def _add_score(scores: dict[Any, float], element: Any, score: float) -> None:
    """A block's score goes to its container in full and to the container's parent by half."""
    scores[element] = scores.get(element, 0.0) + score
    parent = element.getparent()
    if parent is not None:
        scores[parent] = scores.get(parent, 0.0) + score / 2


def _candidate_scores(index: PageIndex) -> dict[Any, float]:
    scores: dict[Any, float] = {}
    furniture: dict[Any, bool] = {}
    for paragraph in index.elements("p"):
        length = len(" ".join("".join(paragraph.itertext()).split()))
        if length < SCORED_PARAGRAPH_CHARS or boilerplate.in_rail(paragraph, furniture):
            continue
        parent = paragraph.getparent()
        if parent is not None:
            _add_score(scores, parent, 1 + min(length / 100, 3))
    return scores


def _link_density(element: Any) -> float:
    text = sum(len(piece.strip()) for piece in element.itertext())
    if not text:
        return 1.0
    linked = sum(len(piece.strip()) for link in element.iter("a") for piece in link.itertext())
    return min(1.0, linked / text)


# ---------------------------------------------------------------------------
# JSON-LD articleBody
# ---------------------------------------------------------------------------

_HTML_BREAK = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")


def split_article_body(value: str) -> list[str]:
    """Paragraphs of a JSON-LD ``articleBody``: split on newlines (and on <p>/<br> if it holds HTML)."""
    if not value:
        return []
    if "<" in value:
        value = _HTML_TAG.sub(" ", _HTML_BREAK.sub("\n", value))
    lines = (" ".join(line.split()) for line in value.split("\n"))
    return [line for line in dict.fromkeys(lines) if line and not boilerplate.is_boilerplate_text(line)]

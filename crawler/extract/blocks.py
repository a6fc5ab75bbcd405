"""The blocks of text inside a story container: paragraphs, subheadings, bare-text runs.

Containers with ``<p>`` elements give their paragraphs, and with them the subheadings
(``<h2>``-``<h6>``) that stand between paragraphs: they are part of the story as its reader sees
it. A heading before the first paragraph (a label, the title again) or after the last one
("Related", "Sources") is not. List items are left out: on real pages they are far more often
key points repeated above the story, link lists and fact boxes than story text. Containers without any ``<p>``
hold bare text split by ``<br>`` (the Times group's CMS) or by ``<div>`` blocks (legacy table
layouts with ``&nbsp;`` spacers): one paragraph per text block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.extract.boilerplate import BLOCK_TAGS, is_boilerplate_element, is_boilerplate_text

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
LINK_PARAGRAPH_MAX_CHARS = 250
HEADING_MAX_CHARS = 200
# In bare-text containers, headings repeat the title and summary: they are not paragraphs.
_NOT_TEXT_BLOCKS = frozenset({"h1", "h2"})
# Inline elements whose text runs on with their neighbours' (no space is added around them).
_INLINE = frozenset({"a", "b", "strong", "i", "em", "u", "span", "font", "small", "sup", "sub", "mark", "abbr",
                     "cite", "q", "s", "del", "ins", "code", "time", "label", "bdi", "bdo", "dfn", "kbd", "var"})


@dataclass(frozen=True)
class Block:
    text: str
    kind: str  # "p" or "h" (a subheading)


def paragraphs(container: Any, blocks: bool = False) -> list[str]:
    """The story's paragraphs inside an article container (an lxml element).

    A container without ``<p>`` gives its text blocks only when the text is broken by ``<br>``
    or the container is known to be the story (``blocks``); a page-wide ``<main>`` is not.
    """
    found: list[str] = []
    if container.find(".//p") is not None:
        found = _kept(_paragraph_blocks(container))
    elif blocks or container.find(".//br") is not None:
        _text_blocks(container, found)
    return list(dict.fromkeys(text for text in found if text and not is_boilerplate_text(text)))


def _paragraph_blocks(element: Any) -> list[Block]:
    found: list[Block] = []
    _collect(element, found)
    return found


def _collect(element: Any, found: list[Block]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or is_boilerplate_element(child):
            continue
        if tag == "p":
            if not _mostly_link(child):
                found.append(Block(inline_text(child), "p"))
        elif tag in HEADINGS:
            if not _mostly_link(child):
                found.append(Block(inline_text(child), "h"))
        else:
            _collect(child, found)


def _kept(found: list[Block]) -> list[str]:
    """Paragraphs always; subheadings only between two paragraphs."""
    paragraph_at = [i for i, block in enumerate(found) if block.kind == "p" and block.text]
    if not paragraph_at:
        return [block.text for block in found if block.kind == "p"]
    first, last = paragraph_at[0], paragraph_at[-1]
    return [block.text for i, block in enumerate(found) if block.kind == "p" or (
        first < i < last and (block.kind != "h" or len(block.text) <= HEADING_MAX_CHARS))]


def _mostly_link(paragraph: Any) -> bool:
    """A short paragraph that is all link text is a pointer to another story, not part of this one."""
    text = " ".join("".join(paragraph.itertext()).split())
    if not text or len(text) > LINK_PARAGRAPH_MAX_CHARS:
        return False
    linked = sum(len(" ".join("".join(a.itertext()).split())) for a in paragraph.iter("a"))
    return linked >= 0.8 * len(text)


def inline_text(element: Any) -> str:
    """The text of one paragraph element, without the furniture inside it (an ad, a share icon).

    Inline elements run on with their neighbours (``i<b>n</b>`` is one word); anything else
    (a ``<br>``, a nested block) separates words. Whitespace is collapsed here; the full
    cleaning (NFC, entities, mojibake) happens once, when the article is assembled.
    """
    parts: list[str] = []
    _gather(element, parts, is_root=True)
    return " ".join("".join(parts).split())


def _gather(element: Any, parts: list[str], is_root: bool = False) -> None:
    if not is_root and is_boilerplate_element(element):
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            spaced = child.tag not in _INLINE
            if spaced:
                parts.append(" ")
            _gather(child, parts)
            if spaced:
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def _text_blocks(container: Any, found: list[str]) -> None:
    current: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(current).split())
        if text:
            found.append(text)
        current.clear()

    def walk(element: Any) -> None:
        if element.text:
            current.append(element.text)
        for child in element:
            is_element = isinstance(child.tag, str)
            block = is_element and child.tag in BLOCK_TAGS
            if block:
                flush()
            if is_element and child.tag not in _NOT_TEXT_BLOCKS and not is_boilerplate_element(child):
                walk(child)
            if block:
                flush()
            if child.tail:
                current.append(child.tail)

    walk(container)
    flush()

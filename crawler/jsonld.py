"""JSON-LD as real sites serve it: several blocks, ``@graph``, arrays, and broken JSON.

Broken blocks are repaired where that is safe (HTML comments around the JSON,
trailing commas, raw control characters inside strings, two objects in one script);
what cannot be repaired is skipped so the next source (OpenGraph, the page) fills in.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "LiveBlogPosting",
                 "BlogPosting", "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle")
_COMMENT = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)\s*$", re.MULTILINE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def blocks(sel: Selector) -> list[Any]:
    """Every JSON-LD value on the page, parsed or repaired; unreadable blocks are skipped."""
    found: list[Any] = []
    for raw in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        found.extend(parse_block(raw))
    return found


def parse_block(raw: str) -> list[Any]:
    text = _COMMENT.sub("", raw).strip()
    if not text:
        return []
    try:
        return [json.loads(text, strict=False)]
    except json.JSONDecodeError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", text)
    values = _decode_sequence(repaired)
    if not values:
        logger.debug("unreadable JSON-LD block skipped (%d chars)", len(raw))
    return values


def _decode_sequence(text: str) -> list[Any]:
    """Objects one after another (``{...}{...}``), as some CMSs print them."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while position < len(text):
        start = text.find("{", position)
        if start < 0:
            break
        try:
            value, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            break
        values.append(value)
    return values


def flatten(value: Any) -> list[dict[str, Any]]:
    """All JSON objects in a JSON-LD value, following arrays and ``@graph``."""
    if isinstance(value, list):
        return [obj for item in value for obj in flatten(item)]
    if isinstance(value, dict):
        nested = flatten(value["@graph"]) if "@graph" in value else []
        return [value, *nested]
    return []


def _types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type", [])
    return [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)]


def find_article(values: list[Any]) -> dict[str, Any] | None:
    objects = [obj for value in values for obj in flatten(value)]
    for wanted in ARTICLE_TYPES:
        for obj in objects:
            if wanted in _types(obj):
                return obj
    return None


def page_types(sel: Selector) -> set[str]:
    return {kind for value in blocks(sel) for obj in flatten(value) for kind in _types(obj)}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"\s*(?:,|&|\band\b)\s*", value) if part.strip()]
    if isinstance(value, dict):
        name = value.get("name")
        return _names(name) if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("@id") or value.get("name") or "")
    return ""


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [kw for item in value for kw in _keywords(item)]
    return []


def article_data(sel: Selector) -> dict[str, Any]:
    """The article fields JSON-LD gives, under stable names; empty when the page has none."""
    obj = find_article(blocks(sel))
    if obj is None:
        return {}
    authors = obj.get("author") or obj.get("creator")
    organization = isinstance(authors, dict) and "Organization" in _types(authors)
    return {
        "types": _types(obj),
        "headline": _text(obj.get("headline") or obj.get("name")),
        "description": _text(obj.get("description")),
        "datePublished": _text(obj.get("datePublished") or obj.get("dateCreated")),
        "dateModified": _text(obj.get("dateModified")),
        "authors": [] if organization else _names(authors),
        "articleSection": _text(obj.get("articleSection")),
        "keywords": _keywords(obj.get("keywords")),
        "image": _text(obj.get("image") or obj.get("thumbnailUrl")),
        "articleBody": _text(obj.get("articleBody")),
        "url": _text(obj.get("mainEntityOfPage") or obj.get("url")),
        "inLanguage": _text(obj.get("inLanguage")),
    }

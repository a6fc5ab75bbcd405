"""JSON-LD as real sites serve it: several blocks, ``@graph``, arrays, and broken JSON.

Reading a block goes from strict to tolerant, and stops at the first step that works:

1. ``json.loads`` after removing HTML comments and CDATA markers around the JSON;
2. a sequence of values (``{...}{...}`` or ``{...},{...}``: two objects in one script);
3. ``repair_json``: one pass that escapes raw control characters and stray quotes inside
   strings (an unescaped ``"`` in Hindi text), drops trailing commas and junk between
   values, and closes what a cut-off block left open (``articleBody`` truncated mid-string);
4. ``scavenge``: the top-level ``"key": "value"`` pairs a regex can still find.

Whatever cannot be recovered is left out, so the next source (microdata, OpenGraph, the
page itself) fills it in. Nothing here raises on bad input.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

# In order of preference when a page carries several.
ARTICLE_TYPES = ("NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
                 "BackgroundNewsArticle", "ReviewNewsArticle", "Article", "BlogPosting", "LiveBlogPosting")
BREADCRUMB_TYPE = "BreadcrumbList"

_WRAPPERS = re.compile(r"<!--|-->|//\s*<!\[CDATA\[|//\s*\]\]>|<!\[CDATA\[|\]\]>")
_STRUCTURAL = re.compile(r'[{}\[\]",:]')
_STRING_SPECIAL = re.compile(r'["\\\x00-\x1f]')
_NEXT_KEY = re.compile(r'"[^"\\\n]{0,80}(?:"\s*(?::|$)|$)')
_NEXT_ARRAY_VALUE = re.compile(r'(?:"|\{|\[|-?\d|true\b|false\b|null\b)')
_VALID_ESCAPES = frozenset('"\\/bfnrt')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}

# Keys worth scavenging from a block no repair could read, and the author's name.
SCAVENGED_KEYS = ("@type", "headline", "name", "alternativeHeadline", "description", "datePublished",
                  "dateModified", "dateCreated", "articleSection", "keywords", "articleBody", "inLanguage",
                  "url", "thumbnailUrl")
_PAIR = re.compile(r'"(' + "|".join(re.escape(k) for k in SCAVENGED_KEYS)
                   + r')"\s*:\s*"((?:[^"\\]|\\.)*)("?)', re.DOTALL)
_AUTHOR_NAME = re.compile(r'"author"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL)


# ---------------------------------------------------------------------------
# Reading blocks
# ---------------------------------------------------------------------------


def blocks(sel: Selector) -> list[Any]:
    """Every JSON-LD value on the page, parsed or repaired; unreadable blocks are skipped."""
    return parse_texts(sel.xpath("//script[@type='application/ld+json']/text()").getall())


def parse_texts(texts: list[str]) -> list[Any]:
    """Every JSON-LD value in the given script texts (see ``parse_block``)."""
    return [value for raw in texts for value in parse_block(raw)]


def parse_block(raw: str) -> list[Any]:
    """The JSON values in one ``<script type=application/ld+json>``, recovering what it can."""
    text = _WRAPPERS.sub(" ", raw).strip().rstrip(";").strip()
    if not text:
        return []
    try:
        return [json.loads(text, strict=False)]
    except ValueError:
        pass
    values, complete = _decode_sequence(text)
    if values and complete:
        return values
    values, complete = _decode_sequence(repair_json(text))
    if values:
        return values
    pairs = scavenge(text)
    if pairs:
        logger.debug("JSON-LD block unreadable; scavenged %d fields", len(pairs))
        return [pairs]
    logger.debug("unreadable JSON-LD block skipped (%d chars)", len(raw))
    return []


def _decode_sequence(text: str) -> tuple[list[Any], bool]:
    """Values one after another, as some CMSs print them; and whether all the text was read."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while True:
        start = _next_value_start(text, position)
        if start < 0:
            return values, True
        try:
            value, position = decoder.raw_decode(text, start)
        except ValueError:
            return values, False
        values.append(value)


def _next_value_start(text: str, position: int) -> int:
    braces = [i for i in (text.find("{", position), text.find("[", position)) if i >= 0]
    return min(braces) if braces else -1


def repair_json(text: str) -> str:
    """Rewrite broken JSON into JSON that parses, keeping every value that was really there.

    Inside strings: raw control characters are escaped, invalid escapes lose their
    backslash, and a ``"`` is taken as the closing quote only when what follows fits the
    grammar (``:`` after a key; ``,`` + next key, ``}``, ``]`` or the end after a value);
    any other ``"`` is text and gets escaped. Outside strings: trailing commas and junk
    between top-level values are dropped. At the end, an open string is closed, a dangling
    key gets ``null``, and open objects and arrays are closed.
    """
    out: list[str] = []
    stack: list[str] = []
    expecting_key = False
    position, size = 0, len(text)
    while position < size:
        match = _STRUCTURAL.search(text, position)
        if match is None:
            if stack:
                out.append(text[position:])
            break
        if stack:
            out.append(text[position:match.start()])
        char = match.group()
        position = match.end()
        if not stack and char not in "{[":
            continue  # junk between top-level values (commas, stray quotes)
        if char in "{[":
            if not stack and out:
                out.append("\n")
            stack.append(char)
            expecting_key = char == "{"
            out.append(char)
        elif char in "}]":
            _drop_trailing_comma(out)
            if stack and stack[-1] == ("{" if char == "}" else "["):
                stack.pop()
                out.append(char)
            expecting_key = False
        elif char == ",":
            out.append(char)
            expecting_key = bool(stack) and stack[-1] == "{"
        elif char == ":":
            out.append(char)
            expecting_key = False
        else:  # an opening quote
            position = _copy_string(text, position, out, is_key=expecting_key, stack=stack)
    _close(out, stack)
    return "".join(out)


def _copy_string(text: str, position: int, out: list[str], *, is_key: bool, stack: list[str]) -> int:
    """Copy one string starting after its opening quote; returns the position after it."""
    out.append('"')
    size = len(text)
    while position < size:
        match = _STRING_SPECIAL.search(text, position)
        if match is None:
            out.append(text[position:])
            position = size
            break
        out.append(text[position:match.start()])
        char = match.group()
        position = match.end()
        if char == "\\":
            position = _copy_escape(text, position, out)
        elif char == '"':
            if _closes_string(text, position, is_key, stack):
                out.append('"')
                return position
            out.append('\\"')
        else:
            out.append(_CONTROL_ESCAPES.get(char, f"\\u{ord(char):04x}"))
    # The text ended inside this string: the block was cut off.
    out.append('"')
    if is_key:
        out.append(":null")
    return position


def _copy_escape(text: str, position: int, out: list[str]) -> int:
    if position >= len(text):
        return position  # a lone backslash at the cut
    escaped = text[position]
    if escaped in _VALID_ESCAPES:
        out.append("\\" + escaped)
        return position + 1
    if escaped == "u" and _HEX4.match(text, position + 1):
        out.append(text[position - 1:position + 5])
        return position + 5
    if escaped == "u":
        return position + 1  # a cut-off or invalid \u escape: drop it
    out.append(escaped)  # \' and friends: keep the character, drop the backslash
    return position + 1


def _closes_string(text: str, position: int, is_key: bool, stack: list[str]) -> bool:
    rest = position
    while rest < len(text) and text[rest] in " \t\r\n":
        rest += 1
    if rest >= len(text):
        return True
    follower = text[rest]
    if is_key:
        return follower == ":"
    if follower in "}]":
        return True
    if follower != ",":
        return False
    after = text[rest + 1:rest + 2000].lstrip()
    if not after or after[0] in "}]":
        return True  # a trailing comma, or the block was cut right after this value
    if stack and stack[-1] == "[":
        return _NEXT_ARRAY_VALUE.match(after) is not None
    return _NEXT_KEY.match(after) is not None


def _drop_trailing_comma(out: list[str]) -> None:
    index = len(out) - 1
    while index >= 0 and not out[index].strip():
        index -= 1
    if index >= 0 and out[index].rstrip().endswith(","):
        out[index] = out[index].rstrip()[:-1]


def _close(out: list[str], stack: list[str]) -> None:
    if not stack:
        return
    tail = "".join(out).rstrip()
    if tail.endswith(":"):
        out.append("null")
    else:
        _drop_trailing_comma(out)
    out.extend("}" if opener == "{" else "]" for opener in reversed(stack))


def scavenge(text: str) -> dict[str, Any]:
    """The ``"key": "value"`` pairs a regex can find in JSON no repair could read.

    The first occurrence of each key wins (top-level keys come before nested ones in
    every CMS we know); a value cut off at the end of the text is kept as far as it goes.
    """
    found: dict[str, Any] = {}
    for match in _PAIR.finditer(text):
        key, value = match.group(1), match.group(2)
        if key not in found:
            found[key] = _unescape(value)
    author = _AUTHOR_NAME.search(text)
    if author:
        found["author"] = {"@type": "Person", "name": _unescape(author.group(1))}
    return found if ("headline" in found or "articleBody" in found) else {}


def _unescape(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"', strict=False))
    except ValueError:
        return value.replace('\\"', '"').replace("\\n", "\n").replace("\\/", "/")


# ---------------------------------------------------------------------------
# Finding the article
# ---------------------------------------------------------------------------


def flatten(value: Any) -> list[dict[str, Any]]:
    """All JSON objects in a JSON-LD value, following arrays and ``@graph``."""
    if isinstance(value, list):
        return [obj for item in value for obj in flatten(item)]
    if isinstance(value, dict):
        nested = flatten(value["@graph"]) if "@graph" in value else []
        return [value, *nested]
    return []


def types_of(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type", [])
    if isinstance(kind, str):
        return [kind.rsplit("/", 1)[-1]]
    return [k.rsplit("/", 1)[-1] for k in kind if isinstance(k, str)] if isinstance(kind, list) else []


def find_article(values: list[Any]) -> dict[str, Any] | None:
    """The page's article object: the most preferred type, and of those the fullest one."""
    objects = [obj for value in values for obj in flatten(value)]
    for wanted in ARTICLE_TYPES:
        candidates = [obj for obj in objects if wanted in types_of(obj)]
        if candidates:
            return max(candidates, key=lambda obj: (bool(obj.get("articleBody")), len(obj)))
    return None


def page_types(values: list[Any]) -> set[str]:
    return {kind for value in values for obj in flatten(value) for kind in types_of(obj)}


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

_NAME_SPLIT = re.compile(r"\s*(?:,|&|\band\b|\s+और\s+)\s*")
_BYLINE_PREFIX = re.compile(r"^(?:by|written by|edited by|द्वारा|लेखक)(?:\s*[:\-]\s*|\s+)", re.IGNORECASE)


def names(value: Any, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """People named by an ``author`` value: a string, a Person, an Organization, or a list of them.

    An Organization that is the publisher itself (``"author": {"@type": "Organization",
    "name": "BBC News हिंदी"}``) names nobody; other organizations (a news agency) count.
    """
    if isinstance(value, str):
        cleaned = _BYLINE_PREFIX.sub("", value.strip())
        parts = [part.strip() for part in _NAME_SPLIT.split(cleaned) if part.strip()]
        return [part for part in parts if part.casefold() not in exclude and not part.startswith("http")]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), "")
        return names(name, exclude) if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in names(item, exclude)]
    return []


def text_of(value: Any) -> str:
    """One string from a value that may be a string, a list, an ImageObject or a WebPage."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return next((text for text in map(text_of, value) if text), "")
    if isinstance(value, dict):
        return text_of(value.get("url") or value.get("@id") or value.get("contentUrl") or value.get("name") or "")
    return ""


def keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,|;]", value) if part.strip()]
    if isinstance(value, list):
        return [kw for item in value for kw in keywords(item)]
    if isinstance(value, dict):
        return keywords(value.get("name"))
    return []


def _about_names(value: Any) -> list[str]:
    """The names of the Things an article is ``about`` (BBC lists its topics there, not in keywords)."""
    items = value if isinstance(value, list) else [value]
    return [item["name"].strip() for item in items
            if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip()]


def breadcrumb_names(values: list[Any]) -> list[str]:
    """The names of a BreadcrumbList's items, in position order."""
    for obj in (o for value in values for o in flatten(value)):
        if BREADCRUMB_TYPE not in types_of(obj):
            continue
        items = obj.get("itemListElement") or []
        items = [item for item in (items if isinstance(items, list) else [items]) if isinstance(item, dict)]
        items.sort(key=lambda item: _position(item.get("position")))
        return [name for name in map(_crumb_name, items) if name]
    return []


def _crumb_name(item: dict[str, Any]) -> str:
    name = item.get("name")
    inner = item.get("item")
    if not name and isinstance(inner, dict):
        name = inner.get("name")
    return name.strip() if isinstance(name, str) else ""


def _position(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")


def publisher_names(values: list[Any]) -> set[str]:
    """Names of the publisher (and the site), lower-cased: these are never authors."""
    found: set[str] = set()
    for obj in (o for value in values for o in flatten(value)):
        kinds = types_of(obj)
        if "Organization" in kinds or "NewsMediaOrganization" in kinds or "WebSite" in kinds:
            found.update(n.casefold() for n in names(obj.get("name")))
        publisher = obj.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(item, dict):
                found.update(n.casefold() for n in names(item.get("name")))
    return found


def article_data(sel: Selector | None, values: list[Any] | None = None,
                 publishers: set[str] | None = None) -> dict[str, Any]:
    """The article fields JSON-LD gives (from ``values``, else the page's blocks), under stable names.

    ``publishers``: lower-cased names that are never authors (default: the publishers named in ``values``).
    """
    if values is None:
        values = blocks(sel) if sel is not None else []
    obj = find_article(values)
    if obj is None:
        return {}
    author = obj.get("author") or obj.get("creator")
    return {
        "types": types_of(obj),
        "headline": text_of(obj.get("headline") or obj.get("name") or obj.get("alternativeHeadline")),
        "description": text_of(obj.get("description")),
        "datePublished": text_of(obj.get("datePublished") or obj.get("dateCreated")),
        "dateModified": text_of(obj.get("dateModified")),
        "authors": names(author, exclude=publisher_names(values) if publishers is None else publishers),
        "articleSection": text_of(obj.get("articleSection")),
        "keywords": keywords(obj.get("keywords")) or _about_names(obj.get("about")),
        "image": text_of(obj.get("image") or obj.get("thumbnailUrl")),
        "articleBody": text_of(obj.get("articleBody")),
        "url": text_of(obj.get("mainEntityOfPage") or obj.get("url")),
        "inLanguage": text_of(obj.get("inLanguage")),
    }

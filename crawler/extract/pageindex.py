"""One parse and one pass over a page: the lookups every extractor needs, fast on 300 KB pages.

A news page has thousands of elements, and each XPath or CSS query that scans them all
costs about a millisecond. So the page is walked once: meta tags, links, JSON-LD scripts
and every element by class, id, ``itemprop`` and ``itemtype`` go into dictionaries. CSS
selectors (the site classes' selectors) are matched right to left from those
dictionaries, as browsers do; selectors this matcher does not know fall back to XPath.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

import cssselect
from lxml import etree
from parsel.csstranslator import HTMLTranslator

logger = logging.getLogger(__name__)

_TRANSLATOR = HTMLTranslator()
_HEAD_TAGS = ("meta", "link", "script", "title")
# Tags the extractors look up, collected in the same walk (a missing <main> would otherwise
# cost a scan of the whole page each time it is asked for).
INDEXED_TAGS = frozenset({"h1", "article", "main", "time", "p", "figure", "nav", "b", "strong"})
_ATTRIBUTE_VALUES = etree.XPath("//@class | //@id | //@itemprop | //@itemtype | //@role | //a/@rel")
_EMPTY_PAGE = b"<html><head></head><body></body></html>"


# Inline and container tags that nest without adding structure: a page nested past the parser's depth limit is
# parsed again without them (its paragraphs, headings and metadata stay).
_NESTING_TAGS = re.compile(rb"</?(?:font|span|div|b|i|u|em|strong|small|big|center|section|a|sup|sub)\b[^>]*>",
                           re.IGNORECASE)
TOO_DEEP = "too_deep"  # a problem noted on the article: the page could not be read even without its nesting
FLATTENED = "recovered/deep_nesting"  # read again without its nesting tags


def parse_html(html: str, utf8: bytes | None = None) -> Any:
    """The page as an lxml tree (plain elements, comments dropped); an empty page for unreadable input. ``utf8``
    is ``html`` in UTF-8 when the caller has it already (the response body of a UTF-8 page)."""
    return parse_page(html, utf8)[0]


def parse_page(html: str, utf8: bytes | None = None) -> tuple[Any, str]:
    """(tree, nesting problem): libxml2 gives up past 256 levels of nesting (2,048 with ``huge_tree``), leaving the
    rest of the page out; such a page is parsed again without its nesting tags (FLATTENED), and if even that
    fails the problem is TOO_DEEP, so the page is dropped with that reason rather than as an empty body."""
    data = html.encode("utf-8", "replace") if utf8 is None else utf8
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    root, too_deep = _parse(data)
    if not too_deep:
        return root, ""
    root, still = _parse(_NESTING_TAGS.sub(b" ", data))
    return root, TOO_DEEP if still else FLATTENED


def _parse(data: bytes) -> tuple[Any, bool]:
    """(tree, whether the parser stopped at its depth limit)."""
    # No id table: the page index keeps its own (by_id), and libxml2 building one costs 5% of the parse.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                              collect_ids=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser) if data.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    too_deep = any("Excessive depth" in entry.message for entry in parser.error_log.filter_from_fatals())
    return (root if root is not None else etree.fromstring(_EMPTY_PAGE, parser)), too_deep


class Compound(NamedTuple):
    """One compound selector: ``div.story-body#main[itemprop~=x]:first-child``."""

    tag: str | None
    classes: tuple[str, ...]
    ident: str | None
    attributes: tuple[tuple[str, str, str], ...]  # (name, operator, value)
    pseudos: tuple[str, ...]


class PageIndex:
    """A parsed page with its lookups; build it once per page."""

    def __init__(self, html: str, utf8: bytes | None = None) -> None:
        self.html = html
        self.root, self.nesting = parse_page(html, utf8)
        self.lang = (self.root.get("lang") or "").strip()
        self.title = ""
        self.meta: dict[str, list[str]] = defaultdict(list)
        self.links: dict[str, str] = {}
        self.jsonld_texts: list[str] = []
        self.by_class: dict[str, list[Any]] = defaultdict(list)
        self.by_id: dict[str, Any] = {}
        self.by_itemprop: dict[str, list[Any]] = defaultdict(list)
        self.itemtypes: list[tuple[Any, str]] = []
        self.role_main: list[Any] = []
        self.rel_author: list[Any] = []  # <a rel="author">
        self.by_tag: dict[str, list[Any]] = defaultdict(list)
        self._position: dict[Any, int] | None = None
        self._walk()

    def _walk(self) -> None:
        # Attribute nodes straight from libxml2: the Python loop then touches only elements
        # that carry the attribute, not every element of the page.
        for value in _ATTRIBUTE_VALUES(self.root):
            element, name = value.getparent(), value.attrname
            if name == "class":
                for token in value.split():
                    self.by_class[token].append(element)
            elif name == "id":
                self.by_id.setdefault(str(value), element)
            elif name == "itemprop":
                for token in value.split():
                    self.by_itemprop[token].append(element)
            elif name == "itemtype":
                self.itemtypes.append((element, str(value)))
            elif name == "rel":
                if "author" in value.lower().split():
                    self.rel_author.append(element)
            elif value == "main":
                self.role_main.append(element)
        for element in self.root.iter(*_HEAD_TAGS, *INDEXED_TAGS):
            tag = element.tag
            if tag in INDEXED_TAGS:
                self.by_tag[tag].append(element)
            elif tag == "meta":
                self._add_meta(element.attrib)
            elif tag == "link":
                for rel in (element.get("rel") or "").lower().split():
                    self.links.setdefault(rel, (element.get("href") or "").strip())
            elif tag == "script":
                if (element.get("type") or "").strip().lower() == "application/ld+json":
                    self.jsonld_texts.append(element.text or "")
            elif not self.title:
                self.title = " ".join("".join(element.itertext()).split())

    @property
    def position(self) -> dict[Any, int]:
        """Document order of every element (built on first use; few pages need it)."""
        if self._position is None:
            self._position = {element: i for i, element in enumerate(self.root.iter(etree.Element))}
        return self._position

    def _add_meta(self, attributes: Any) -> None:
        content = attributes.get("content")
        if content is None:
            return
        for key in ("property", "name", "itemprop", "http-equiv"):
            name = attributes.get(key)
            if name:
                self.meta[name.strip().lower()].append(content)

    # -- lookups -------------------------------------------------------------------------------

    def meta_values(self, *names: str) -> list[str]:
        """The non-empty contents of the first of ``names`` that the page has."""
        for name in names:
            values = [value for value in self.meta.get(name.lower(), ()) if value.strip()]
            if values:
                return values
        return []

    def first(self, tag: str) -> Any:
        found = self.by_tag.get(tag) if tag in INDEXED_TAGS else None
        if found is not None or tag in INDEXED_TAGS:
            return found[0] if found else None
        return next(self.root.iter(tag), None)

    def elements(self, *tags: str) -> Iterator[Any]:
        """Elements with these tags: in document order for one tag, tag by tag for several."""
        if all(tag in INDEXED_TAGS for tag in tags):
            return (element for tag in tags for element in self.by_tag.get(tag, []))
        return self.root.iter(*tags)

    def prints(self, text: str) -> bool:
        """Whether some text node of the body is exactly ``text`` (whitespace collapsed)."""
        if '"' in text:
            return False
        return bool(self.root.xpath(f'boolean(//body//text()[normalize-space(.)="{text}"])'))

    def first_body(self) -> Any:
        return next(self.root.iter("body"), None)

    def itemtype_elements(self, kind: str) -> list[Any]:
        return [element for element, itemtype in self.itemtypes if kind in itemtype]

    # -- CSS ---------------------------------------------------------------------------------------

    def select(self, css: str, scope: Any = None) -> list[Any]:
        """Elements matching ``css`` in document order (within ``scope``, if given)."""
        if not css:
            return []
        if scope is not None and scope is not self.root:
            return _xpath_select(scope, css)  # small subtrees: XPath is cheap there
        chains = _compile(css)
        if chains is None:
            return _xpath_select(self.root, css)
        found: dict[Any, None] = {}
        for chain in chains:
            for candidate in self._chain_candidates(chain):
                if candidate not in found and _matches_chain(candidate, chain, 0):
                    found[candidate] = None
        if len(found) < 2 or len(chains) == 1:
            return list(found)  # one chain yields its matches in document order already
        position = self.position
        return sorted(found, key=lambda element: position.get(element, 0))

    def _chain_candidates(self, chain: Chain) -> list[Any]:
        """Elements that may match the rightmost part: from the index when that part names a class
        or id, else from the subtrees of the nearest part on the left that does ("ul.list li")."""
        rightmost = chain[0][0]
        anchor = next((i for i, (part, _) in enumerate(chain) if part.ident is not None or part.classes), None)
        if anchor is None or anchor == 0:
            return self._candidates(rightmost)
        siblings = any(combinator in "+~" for _, combinator in chain[:anchor])
        tags = (rightmost.tag,) if rightmost.tag else ()
        candidates: list[Any] = []
        for element in self._candidates(chain[anchor][0]):
            top = element.getparent() if siblings and element.getparent() is not None else element
            candidates.extend(node for node in top.iter(*tags) if node is not element)
        return candidates

    def _candidates(self, compound: Compound) -> list[Any]:
        if compound.ident is not None:
            element = self.by_id.get(compound.ident)
            return [element] if element is not None else []
        if compound.classes:
            return min((self.by_class.get(name, []) for name in compound.classes), key=len)
        for name, operator, value in compound.attributes:
            if name == "itemprop" and operator in ("=", "~="):
                return self.by_itemprop.get(value, [])
        return list(self.root.iter(compound.tag or etree.Element))


def _xpath_select(scope: Any, css: str) -> list[Any]:
    try:
        return [node for node in scope.xpath(_css_to_xpath(css)) if isinstance(node, etree._Element)]
    except (cssselect.SelectorError, etree.XPathError) as error:
        logger.warning("bad CSS selector %r: %s", css, error)
        return []


@lru_cache(maxsize=512)
def _css_to_xpath(css: str) -> str:
    return _TRANSLATOR.css_to_xpath(css)


Chain = tuple[tuple[Compound, str], ...]  # right to left: (compound, combinator to the next one on the left)


@lru_cache(maxsize=512)
def _compile(css: str) -> tuple[Chain, ...] | None:
    """Selector groups as right-to-left chains, or None if a part is not supported here."""
    try:
        selectors = cssselect.parse(css)
    except cssselect.SelectorError:
        return None
    chains = []
    for selector in selectors:
        if selector.pseudo_element is not None:
            return None
        chain = _chain(selector.parsed_tree)
        if chain is None:
            return None
        chains.append(chain)
    return tuple(chains)


def _chain(tree: Any) -> Chain | None:
    parts: list[tuple[Compound, str]] = []
    combinator = ""
    while True:
        if isinstance(tree, cssselect.parser.CombinedSelector):
            compound = _compound(tree.subselector)
            if compound is None or tree.combinator not in (" ", ">", "+", "~"):
                return None
            parts.append((compound, combinator))
            combinator = tree.combinator
            tree = tree.selector
            continue
        compound = _compound(tree)
        if compound is None:
            return None
        parts.append((compound, combinator))
        # Each part carries the combinator that links it to the part on its right; shift so
        # each carries the one linking it to the part on its left.
        return tuple((part, parts[i + 1][1] if i + 1 < len(parts) else "") for i, (part, _) in enumerate(parts))


_PSEUDOS = frozenset({"first-child", "last-child", "only-child"})
_OPERATORS = frozenset({"exists", "=", "~=", "|=", "^=", "$=", "*="})


def _compound(tree: Any) -> Compound | None:
    classes: list[str] = []
    attributes: list[tuple[str, str, str]] = []
    pseudos: list[str] = []
    ident = None
    while True:
        if isinstance(tree, cssselect.parser.Class):
            classes.append(tree.class_name)
        elif isinstance(tree, cssselect.parser.Hash):
            ident = tree.id
        elif isinstance(tree, cssselect.parser.Attrib):
            if tree.namespace or tree.operator not in _OPERATORS:
                return None
            value = getattr(tree.value, "value", tree.value)
            attributes.append((tree.attrib.lower(), tree.operator, str(value or "")))
        elif isinstance(tree, cssselect.parser.Pseudo):
            if tree.ident not in _PSEUDOS:
                return None
            pseudos.append(tree.ident)
        elif isinstance(tree, cssselect.parser.Element):
            if tree.namespace:
                return None
            tag = tree.element.lower() if tree.element else None
            return Compound(tag, tuple(classes), ident, tuple(attributes), tuple(pseudos))
        else:
            return None
        tree = tree.selector


def _matches_chain(element: Any, chain: Chain, index: int) -> bool:
    compound, combinator = chain[index]
    if not _matches(element, compound):
        return False
    if index + 1 == len(chain):
        return True
    if combinator == ">":
        parent = element.getparent()
        return parent is not None and _matches_chain(parent, chain, index + 1)
    if combinator == " ":
        ancestor = element.getparent()
        while ancestor is not None:
            if _matches_chain(ancestor, chain, index + 1):
                return True
            ancestor = ancestor.getparent()
        return False
    sibling = _previous_element(element)
    if combinator == "+":
        return sibling is not None and _matches_chain(sibling, chain, index + 1)
    while sibling is not None:  # "~"
        if _matches_chain(sibling, chain, index + 1):
            return True
        sibling = _previous_element(sibling)
    return False


def _previous_element(element: Any) -> Any:
    sibling = element.getprevious()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getprevious()
    return sibling


def _next_element(element: Any) -> Any:
    sibling = element.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    return sibling


def _matches(element: Any, compound: Compound) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or (compound.tag is not None and tag.lower() != compound.tag):
        return False
    attributes = element.attrib
    if compound.classes:
        tokens = (attributes.get("class") or "").split()
        if any(name not in tokens for name in compound.classes):
            return False
    if compound.ident is not None and attributes.get("id") != compound.ident:
        return False
    for name, operator, value in compound.attributes:
        if not _attribute_matches(attributes.get(name), operator, value):
            return False
    for pseudo in compound.pseudos:
        first = _previous_element(element) is None
        last = _next_element(element) is None
        if not {"first-child": first, "last-child": last, "only-child": first and last}[pseudo]:
            return False
    return True


def _attribute_matches(actual: str | None, operator: str, value: str) -> bool:
    if actual is None:
        return False
    if operator == "exists":
        return True
    if operator == "=":
        return actual == value
    if operator == "~=":
        return value in actual.split()
    if operator == "|=":
        return actual == value or actual.startswith(value + "-")
    if not value:
        return False
    if operator == "^=":
        return actual.startswith(value)
    if operator == "$=":
        return actual.endswith(value)
    return value in actual  # "*="

"""Discovery documents: sitemaps, Google News sitemaps, sitemap indexes, RSS 2.0 and Atom feeds.

Pure functions over the fetched bytes: ``read_document(body)`` tells what the document is
and lists its entries (pages to fetch, child sitemaps to follow), each with the newest
date the document gives for it and the hints a parser can fall back on (a news sitemap's
title, publication date and keywords; a feed item's title, date and description).

Real documents are often broken: gzip bodies served without ``Content-Encoding`` (a
``.xml.gz`` file), a BOM or blank lines before the XML declaration, undeclared entities,
unescaped ``&``, unclosed tags, truncated files. lxml's recovering parser reads what it can;
when it finds fewer entries than the document has ``<item>``/``<entry>``/``<url>``/``<sitemap>``
tags, each such block is read again on its own by patterns (``_salvage``), and what neither
reads is counted (``Document.unreadable_entries``). A document that yields no recognisable
root is ``unreadable`` with a reason, never an exception.

``parse_since`` reads the ``-a since=`` window (``6h``, ``2d``, ``2024-06-01``) and
``is_recent`` applies it: an entry without a date is always followed.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.text import dates
from crawler.text.cleaning import clean_list, clean_text

# The sitemaps protocol caps a sitemap at 50 MB uncompressed; more than that is a gzip bomb or junk.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"

# Document kinds.
URLSET, SITEMAP_INDEX, RSS, ATOM, TEXT, ROBOTS = "urlset", "sitemapindex", "rss", "atom", "text", "robots"
UNREADABLE = "unreadable"

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True,
                          remove_pis=True, huge_tree=False)


@dataclass(frozen=True)
class Entry:
    """One URL a discovery document lists.

    ``date`` is the newest date given for it (publication date, ``lastmod``, ``pubDate``,
    ``updated``): an old story edited recently still counts as recent. ``hints`` uses
    article field names: ``title``, ``published`` and ``updated`` (ISO 8601), ``tags``,
    ``summary``, ``authors``, ``section``, ``image_url``, ``language``.
    """

    url: str
    date: datetime | None = None
    hints: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Document:
    kind: str
    pages: list[Entry] = field(default_factory=list)
    sitemaps: list[Entry] = field(default_factory=list)
    problem: str = ""  # why an unreadable document could not be read
    recovered: int = 0  # entries the XML parser lost and the pattern reading found
    unreadable_entries: int = 0  # entry tags from which neither could take a URL

    @property
    def readable(self) -> bool:
        return self.kind != UNREADABLE


# ---------------------------------------------------------------------------
# Bytes -> document
# ---------------------------------------------------------------------------


def gunzip(body: bytes, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The body, decompressed when it is gzip (a ``.xml.gz`` file); raises ValueError when broken or too large."""
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise ValueError(f"broken gzip: {error}") from None
    if len(data) > limit:
        raise ValueError(f"more than {limit // (1024 * 1024)} MiB once decompressed")
    if not data and not inflater.eof:
        raise ValueError("broken gzip: cut off before any data")
    return data  # a stream cut off later still gives its beginning, which the XML parser recovers


def read_document(body: bytes, limit: int | None = None) -> Document:
    """What a fetched discovery document is, and the entries it lists; ``limit``: the most bytes a gzip
    document may inflate to (default MAX_DOCUMENT_BYTES)."""
    try:
        data = gunzip(body, limit or MAX_DOCUMENT_BYTES)
    except ValueError as error:
        return Document(UNREADABLE, problem=str(error))
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data:
        return Document(UNREADABLE, problem="empty document")
    if not data.startswith(b"<"):
        return _text_sitemap(data)
    try:
        root = etree.fromstring(data, _PARSER)
        problem = "" if root is not None else "not XML"
    except (etree.XMLSyntaxError, ValueError) as error:
        root, problem = None, f"not XML: {error}"
    document = _document(root) if root is not None else Document(UNREADABLE, problem=problem)
    if not document.readable:
        document = _guess_kind(data) or document  # too broken for the parser: the entry tags may still be there
    if document.readable:
        _salvage(document, data)
    return document


def _guess_kind(data: bytes) -> Document | None:
    head = data[:4096].decode("utf-8", errors="replace")
    for kind, root in ((RSS, "rss"), (ATOM, "feed"), (SITEMAP_INDEX, "sitemapindex"), (URLSET, "urlset")):
        if re.search(rf"<(?:[\w-]+:)?{root}[\s>]", head):
            return Document(kind)
    return None


def _document(root: Any) -> Document:
    name = _local(root)
    if name == "urlset":
        return Document(URLSET, pages=[e for e in map(_url_entry, _children(root, "url")) if e])
    if name == "sitemapindex":
        return Document(SITEMAP_INDEX, sitemaps=[e for e in map(_url_entry, _children(root, "sitemap")) if e])
    if name == "rss":
        channel = next(_children(root, "channel"), root)
        return Document(RSS, pages=[e for e in map(_rss_entry, _children(channel, "item")) if e])
    if name == "RDF":  # RSS 1.0: items are siblings of the channel
        return Document(RSS, pages=[e for e in map(_rss_entry, _children(root, "item")) if e])
    if name == "feed":
        return Document(ATOM, pages=[e for e in map(_atom_entry, _children(root, "entry")) if e])
    return Document(UNREADABLE, problem=f"not a sitemap or feed (root element <{name}>)")


# ---------------------------------------------------------------------------
# Broken documents: each entry block read again by patterns
# ---------------------------------------------------------------------------

_ENTRY_TAG = {URLSET: "url", SITEMAP_INDEX: "sitemap", RSS: "item", ATOM: "entry"}
_FIELD = r"<(?:[\w-]+:)?{name}\b[^>]*>\s*(?:<!\[CDATA\[)?\s*([^<\]]*)"
_ATOM_HREF = re.compile(r"<(?:[\w-]+:)?link\b[^>]*?href\s*=\s*[\"']([^\"']+)", re.IGNORECASE)


def _field(block: str, *names: str) -> str:
    for name in names:
        found = re.search(_FIELD.format(name=name), block, re.IGNORECASE)
        if found and found.group(1).strip():
            return html.unescape(found.group(1).strip())
    return ""


def _salvage(document: Document, data: bytes) -> None:
    """Entries the XML parser lost (an unescaped &, an unclosed tag, a cut-off file), read from their blocks."""
    tag = _ENTRY_TAG.get(document.kind)
    if tag is None:
        return
    found = document.sitemaps if document.kind == SITEMAP_INDEX else document.pages
    text = data.decode("utf-8", errors="replace")
    starts = [m.start() for m in re.finditer(rf"<(?:[\w-]+:)?{tag}[\s>/]", text)]
    if len(found) >= len(starts):
        return
    known = {entry.url for entry in found}
    recovered = 0
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        entry = _block_entry(document.kind, text[start:end])
        if entry is not None and entry.url not in known:
            known.add(entry.url)
            found.append(entry)
            recovered += 1
    document.recovered = recovered
    document.unreadable_entries = max(0, len(starts) - len(found))


def _block_entry(kind: str, block: str) -> Entry | None:
    if kind == ATOM:
        href = _ATOM_HREF.search(block)
        url = html.unescape(href.group(1).strip()) if href else ""
    elif kind == RSS:
        url = _field(block, "link") or _field(block, "guid")
    else:
        url = _field(block, "loc")
    if not _http(url):
        return None
    title = clean_text(_field(block, "title"))
    date = _date(_field(block, "pubDate", "date", "published", "updated", "lastmod", "publication_date"))
    return Entry(url, date, _hints(title=title, published=_iso(date)))


def _text_sitemap(data: bytes) -> Document:
    """The sitemaps protocol's plain-text form (one URL a line), or a robots.txt naming its sitemaps."""
    lines = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if lines and all(_http(line) for line in lines):
        return Document(TEXT, pages=[Entry(line) for line in lines])
    named = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]
    if any(_http(url) for url in named):
        return Document(ROBOTS, sitemaps=[Entry(url) for url in named if _http(url)])
    return Document(UNREADABLE, problem="neither XML nor a list of URLs")


# ---------------------------------------------------------------------------
# Elements -> entries (namespaces ignored: real sitemaps get them wrong)
# ---------------------------------------------------------------------------


def _local(element: Any) -> str:
    tag = element.tag
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""  # '{namespace}name' -> 'name'


def _children(element: Any, name: str) -> Iterator[Any]:
    return (child for child in element if _local(child) == name)


def _child(element: Any, *path: str) -> Any | None:
    for name in path:
        element = next(_children(element, name), None)
        if element is None:
            return None
    return element


def _text(element: Any, *path: str) -> str:
    found = _child(element, *path)
    return clean_text("".join(found.itertext())) if found is not None else ""


def _url(element: Any, *path: str) -> str:
    found = _child(element, *path)
    return "".join(found.itertext()).strip() if found is not None else ""


def _date(value: str) -> datetime | None:
    return dates.parse_date(value) if value else None


def _newest(*values: datetime | None) -> datetime | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def _http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _hints(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}


def _iso(value: datetime | None) -> str:
    return dates.to_iso(value) if value else ""


def _url_entry(element: Any) -> Entry | None:
    """A ``<url>`` of a urlset (with ``news:news`` and ``image:image`` when present) or a ``<sitemap>``."""
    url = _url(element, "loc")
    if not _http(url):
        return None
    lastmod = _date(_text(element, "lastmod"))
    news = _child(element, "news")
    published = _date(_text(news, "publication_date")) if news is not None else None
    hints = _hints(updated=_iso(lastmod))
    if news is not None:
        hints |= _hints(title=_text(news, "title"), published=_iso(published),
                        tags=_keywords(_text(news, "keywords")),
                        language=_text(news, "publication", "language"))
    image = _url(element, "image", "loc")
    if image:
        hints["image_url"] = image
    return Entry(url, _newest(published, lastmod), hints)


def _keywords(value: str) -> list[str]:
    return clean_list(value.split(",")) if value else []


def _rss_entry(item: Any) -> Entry | None:
    url = _url(item, "link")
    guid = _child(item, "guid")
    if not _http(url) and guid is not None and guid.get("isPermaLink", "true").lower() != "false":
        url = _url(item, "guid")
    if not _http(url):
        return None
    published = _date(_text(item, "pubDate") or _text(item, "date"))  # RSS 2.0 / Dublin Core
    enclosure = _child(item, "enclosure")
    image = enclosure.get("url", "") if enclosure is not None and "image" in enclosure.get("type", "") else ""
    hints = _hints(title=_text(item, "title"), published=_iso(published), summary=_plain(_text(item, "description")),
                   authors=clean_list(_all_texts(item, "creator") or _all_texts(item, "author")),
                   section=next(iter(clean_list(_all_texts(item, "category"))), ""), image_url=image)
    return Entry(url, published, hints)


def _atom_entry(entry: Any) -> Entry | None:
    links = list(_children(entry, "link"))
    alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
    url = next((link.get("href", "").strip() for link in alternates or links), "")
    if not _http(url):
        return None
    published = _date(_text(entry, "published") or _text(entry, "issued"))
    updated = _date(_text(entry, "updated") or _text(entry, "modified"))
    hints = _hints(title=_text(entry, "title"), published=_iso(published), updated=_iso(updated),
                   summary=_plain(_text(entry, "summary")),
                   authors=clean_list(_text(author, "name") for author in _children(entry, "author")),
                   tags=clean_list(c.get("label") or c.get("term") for c in _children(entry, "category")))
    return Entry(url, _newest(published, updated), hints)


def _all_texts(element: Any, name: str) -> list[str]:
    return ["".join(child.itertext()) for child in _children(element, name)]


def _plain(value: str) -> str:
    """A feed description without its markup (many feeds put HTML in it)."""
    if "<" not in value:
        return value
    try:
        return clean_text(lxml_html.fragment_fromstring(value, create_parent="div").text_content())
    except (etree.ParserError, ValueError):
        return value


def is_recent(entry: Entry, since: datetime | None) -> bool:
    """Inside the window; an entry without a date is always followed."""
    return since is None or entry.date is None or entry.date >= since


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Dated entries newest first, then the undated ones in document order."""
    listed = list(entries)
    dated = [(e.date, e) for e in listed if e.date is not None]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [e for _, e in dated] + [e for e in listed if e.date is None]

"""Item definitions: a fetched ``Page`` and the parsed ``Article``.

Spiders yield ``Page`` items (they know *where* articles are); the parse pipeline
turns each page into an ``Article`` (pipelines know *what* to do with a page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from crawler.text.cleaning import decode_page
from crawler.text.hindi import ArticleTokens

T = TypeVar("T")


@dataclass
class Validators:
    """What a server said about a URL's version (ETag / Last-Modified), and for listing-like pages the body.

    For an article page they travel with it (response meta -> ``Page`` -> ``Article``) and are written in
    the same transaction as the article, so a crash never leaves validators for content not stored.
    """

    etag: str = ""
    last_modified: str = ""
    kind: str = ""
    content_type: str = ""
    body: bytes | None = None
    aliases: list[str] = field(default_factory=list)  # redirects that led to the page

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass
class Page:
    """A fetched page, before parsing: ``html`` as text, or the response's ``body`` bytes and declared charset
    (``encoding``), decoded only when parsed (``text``), which may happen in a parse worker."""

    url: str
    html: str
    site: str
    fetched_at: str
    status: int = 200
    # Hints gathered during discovery (e.g. a news sitemap's title and date).
    hints: dict[str, Any] = field(default_factory=dict)
    # The response's ETag / Last-Modified (and redirects), stored with the article.
    validators: Validators | None = None
    body: bytes = field(default=b"", repr=False)
    encoding: str | None = None  # the charset the response declared, if any

    def text(self) -> str:
        """The page as text: ``html``, else ``body`` decoded by its real encoding (``decode_page``)."""
        if not self.html and self.body:
            self.html, exact = decode_page(self.body, self.encoding)
            self.__dict__["_utf8"] = self.body if exact else None
        return self.html

    def utf8(self) -> bytes:
        """``text()`` as UTF-8: the body itself when it was plain UTF-8 (most pages), else encoded once."""
        text = self.text()
        found: bytes | None = self.__dict__.get("_utf8")
        if found is None:
            found = self.__dict__["_utf8"] = text.encode("utf-8", "replace")
        return found


@dataclass
class Article:
    """Every field of ``spec/seed-article.json`` plus provenance."""

    url: str
    canonical_url: str
    site: str
    fetched_at: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    published_utc: str | None = None
    updated_at: str | None = None
    section: str = ""
    summary: str = ""
    highlights: list[str] = field(default_factory=list)
    dateline: str = ""
    body: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    more_from_section: list[dict[str, str]] = field(default_factory=list)
    image_url: str = ""
    language: str = "hi"
    # Every other URL the page was seen under (tracking links, AMP copy, mobile host).
    aliases: list[str] = field(default_factory=list)
    amp_url: str = ""
    html: str | None = field(default=None, repr=False)
    # The raw page as the pages table keeps it (``crawler.store.compression.pack_page``), packed where the page was
    # parsed, perhaps in a parse worker; ``html`` is then let go, so that it does not travel back.
    packed_html: bytes | None = field(default=None, repr=False)
    # Which extractor filled which field, for coverage reports and debugging.
    sources: dict[str, str] = field(default_factory=dict)
    # Set by the pipelines, not the parser.
    content_hash: str = ""
    # Rejected values worth counting (e.g. an implausible date), as stat keys.
    problems: list[str] = field(default_factory=list)
    page_kind: str = "article"
    # Set by the dedup pipeline: new, updated, unchanged or duplicate; and the stored row's id.
    disposition: str = ""
    article_id: int | None = None
    # The response's validators, from the page: written with the article (or kept as 'dropped' with the verdict).
    validators: Validators | None = field(default=None, repr=False)
    # Set when stored: the story (near-duplicate group across sites) the article belongs to.
    story_id: int | None = None

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.body)

    def tokens(self) -> ArticleTokens:
        """The article's words, tokenized once for dedup, the index, stories and topics."""
        return self.derived("tokens", _tokenize)

    def derived(self, name: str, make: Callable[[Article], T]) -> T:
        """``make(self)``, computed once: kept outside the dataclass fields (exporters never see it) with the
        content it was made from, and made again whenever that has changed since. What a parse worker computes
        (fingerprint, search forms, story signature, topic matches) travels back in here, so the crawl process
        finds it made (``crawler.components.prepare``)."""
        key = (self.title, self.summary, tuple(self.highlights), tuple(self.body), tuple(self.tags), self.url,
               self.canonical_url, self.section)
        made: dict[str, tuple[Any, Any]] = self.__dict__.setdefault("_derived", {})
        found = made.get(name)
        if found is None or found[0] != key:
            found = made[name] = (key, make(self))
        return found[1]

    def forget(self, name: str) -> None:
        """Let go of a derived value (the tokens, once what needed them is made: they are the bulk of it)."""
        self.__dict__.get("_derived", {}).pop(name, None)


def _tokenize(article: Article) -> ArticleTokens:
    return ArticleTokens(article.title, article.summary, tuple(article.highlights), tuple(article.body),
                         tuple(article.tags))

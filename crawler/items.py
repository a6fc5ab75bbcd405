"""Item definitions: a fetched ``Page`` and the parsed ``Article``.

Spiders yield ``Page`` items (they know *where* articles are); the parse pipeline
turns each page into an ``Article`` (pipelines know *what* to do with a page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.text.hindi import ArticleTokens


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
    """A fetched page, before parsing. ``html`` is already decoded text."""

    url: str
    html: str
    site: str
    fetched_at: str
    status: int = 200
    # Hints gathered during discovery (e.g. a news sitemap's title and date).
    hints: dict[str, Any] = field(default_factory=dict)
    # The response's ETag / Last-Modified (and redirects), stored with the article.
    validators: Validators | None = None


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
        """The article's words, tokenized once for dedup, the index, stories and topics. Kept outside the
        dataclass fields (exporters never see it) and made again whenever a text field has changed since."""
        key = (self.title, self.summary, tuple(self.highlights), tuple(self.body), tuple(self.tags))
        cached: ArticleTokens | None = self.__dict__.get("_tokens")
        if cached is None or cached.key != key:
            cached = self.__dict__["_tokens"] = ArticleTokens(*key)
        return cached

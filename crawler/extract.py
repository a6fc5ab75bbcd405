"""Field extraction: a site's declarative selectors first, then the generic extractor.

``SiteFields`` is what a site class declares (CSS selectors per field). The generic
extractor reads what nearly every news site publishes in standard form: JSON-LD
``NewsArticle``, OpenGraph and ``article:*`` meta, ``<time datetime>``, and the
article container's paragraphs. ``build_article`` merges the two, site first, and
cleans every string (NFC, whitespace) on the way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler import dates, jsonld
from crawler.items import Article, Page
from crawler.text import clean_list, clean_text
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)

# Elements whose text never belongs to an article field.
NOISE = "script, style, noscript, iframe, svg, form, button, figure figcaption, .ad-slot, [class*='advert']"


@dataclass(frozen=True)
class LinkBlock:
    """A block of story links (related news, more from the section)."""

    items: str  # CSS for each link element (an <a>)
    title: str = ""  # CSS inside the link for its headline; empty means the link's own text
    category: str = ""  # CSS inside the link for its section label


@dataclass(frozen=True)
class SiteFields:
    """CSS selectors a site declares, one per field; empty means "let the generic extractor do it"."""

    title: str = ""
    authors: str = ""
    published: str = ""  # an element whose ``datetime`` attribute or text holds the date
    updated: str = ""
    section: str = ""
    summary: str = ""
    highlights: str = ""
    dateline: str = ""
    body: str = ""  # paragraphs
    body_exclude: str = ""  # elements inside paragraphs that are not body text (e.g. the dateline)
    tags: str = ""
    image: str = ""
    related: LinkBlock | None = None
    more_from_section: LinkBlock | None = None
    title_suffixes: tuple[str, ...] = field(default_factory=tuple)


def node_text(node: Selector, exclude: str = "") -> str:
    """Visible text of one element, without scripts and ads (and ``exclude``)."""
    skip = NOISE + (", " + exclude if exclude else "")
    # Hold the skipped elements so their proxies (and so their ids) stay stable while walking.
    skipped_elements = [n.root for n in node.css(skip)]
    skipped = {id(element) for element in skipped_elements}
    parts: list[str] = []
    root = node.root
    if not hasattr(root, "iter"):
        return clean_text(str(root))

    def walk(element: Any) -> None:
        if id(element) in skipped:
            if element.tail:
                parts.append(element.tail)
            return
        if isinstance(element.tag, str) and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if element is not root and element.tail:
            parts.append(element.tail)

    walk(root)
    return clean_text(" ".join(parts))


def texts(sel: Selector, css: str, exclude: str = "") -> list[str]:
    return clean_list(node_text(node, exclude) for node in sel.css(css)) if css else []


def first_text(sel: Selector, css: str) -> str:
    found = texts(sel, css)
    return found[0] if found else ""


def links(sel: Selector, block: LinkBlock | None, page_url: str) -> list[dict[str, str]]:
    if block is None:
        return []
    found: list[dict[str, str]] = []
    for node in sel.css(block.items):
        title = first_text(node, block.title) if block.title else node_text(node)
        href = node.attrib.get("href", "")
        if title and href:
            category = first_text(node, block.category) if block.category else ""
            found.append({"title": title, "url": _absolute(page_url, href), "category": category})
    return found


def _absolute(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href.strip())


def date_value(sel: Selector, css: str) -> str:
    """A date element's machine value (``datetime``/``content``) or else its text."""
    for node in sel.css(css) if css else []:
        for attribute in ("datetime", "content"):
            if node.attrib.get(attribute):
                return node.attrib[attribute]
        text = node_text(node)
        if text:
            return text
    return ""


def site_fields(sel: Selector, fields: SiteFields, page_url: str) -> dict[str, Any]:
    """Apply a site's declarative selectors. Only non-empty values are returned."""
    values: dict[str, Any] = {
        "title": first_text(sel, fields.title),
        "authors": texts(sel, fields.authors),
        "published": date_value(sel, fields.published),
        "updated": date_value(sel, fields.updated),
        "section": first_text(sel, fields.section),
        "summary": first_text(sel, fields.summary),
        "highlights": texts(sel, fields.highlights),
        "dateline": first_text(sel, fields.dateline).rstrip(":").strip(),
        "body": texts(sel, fields.body, fields.body_exclude),
        "tags": texts(sel, fields.tags),
        "image_url": sel.css(fields.image).attrib.get("src", "") if fields.image else "",
        "related": links(sel, fields.related, page_url),
        "more_from_section": links(sel, fields.more_from_section, page_url),
    }
    return {key: value for key, value in values.items() if value}


def meta(sel: Selector, *names: str) -> str:
    for name in names:
        value = sel.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").get()
        if value and value.strip():
            return clean_text(value)
    return ""


def meta_all(sel: Selector, name: str) -> list[str]:
    return clean_list(sel.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").getall())


def generic_fields(sel: Selector, page_url: str) -> dict[str, Any]:
    """What standard markup says: JSON-LD first, then OpenGraph/article meta, then the page."""
    ld = jsonld.article_data(sel)
    keywords = ld.get("keywords") or meta_all(sel, "article:tag") or _split_keywords(meta(sel, "keywords"))
    values: dict[str, Any] = {
        "title": ld.get("headline") or meta(sel, "og:title", "twitter:title") or first_text(sel, "h1"),
        "authors": ld.get("authors") or meta_all(sel, "author") or meta_all(sel, "article:author"),
        "published": ld.get("datePublished") or meta(sel, "article:published_time", "og:published_time",
                                                     "publish-date", "pubdate")
        or date_value(sel, "time[datetime]"),
        "updated": ld.get("dateModified") or meta(sel, "article:modified_time", "og:updated_time"),
        "section": ld.get("articleSection") or meta(sel, "article:section"),
        "summary": ld.get("description") or meta(sel, "description", "og:description"),
        "tags": keywords,
        "image_url": ld.get("image") or meta(sel, "og:image"),
        "body": _body_paragraphs(sel) or _split_body(ld.get("articleBody", "")),
        "language": (sel.xpath("/html/@lang").get() or ld.get("inLanguage") or "").split("-")[0].lower(),
    }
    return {key: value for key, value in values.items() if value}


def _split_keywords(value: str) -> list[str]:
    return clean_list(value.split(",")) if value else []


def _split_body(value: str) -> list[str]:
    return clean_list(value.split("\n")) if value else []


BODY_CONTAINERS = (
    "[itemprop='articleBody']", ".story-body", ".article-body", ".articleBody", ".story-content",
    ".article-content", ".entry-content", "article .content", "article",
)


def _body_paragraphs(sel: Selector) -> list[str]:
    for container in BODY_CONTAINERS:
        nodes = sel.css(container)
        if nodes:
            paragraphs = texts(nodes[0], "p")
            if paragraphs:
                return paragraphs
    return []


def build_article(page: Page, fields: SiteFields | None, now: datetime | None = None) -> Article:
    """Parse a fetched page into an ``Article``: site selectors first, generic extraction fills gaps."""
    sel = Selector(text=page.html)
    declared_canonical = sel.css("link[rel='canonical']::attr(href)").get() or meta(sel, "og:url")
    article = Article(
        url=page.url,
        canonical_url=canonical_url(page.url, declared_canonical),
        site=page.site,
        fetched_at=page.fetched_at,
        amp_url=sel.css("link[rel='amphtml']::attr(href)").get("") or "",
        html=page.html,
    )
    own = site_fields(sel, fields, page.url) if fields else {}
    generic = generic_fields(sel, page.url)
    merged: dict[str, Any] = {}
    for key in set(own) | set(generic):
        merged[key] = own.get(key) or generic.get(key)
        article.sources[key] = "site" if key in own else "generic"
    _apply(article, merged, fields, now)
    return article


def _apply(article: Article, values: dict[str, Any], fields: SiteFields | None, now: datetime | None) -> None:
    title = clean_text(values.get("title", ""))
    for suffix in fields.title_suffixes if fields else ():
        title = title.removesuffix(suffix).strip()
    article.title = title
    article.authors = clean_list(values.get("authors", []))
    article.section = clean_text(values.get("section", ""))
    article.summary = clean_text(values.get("summary", ""))
    article.highlights = clean_list(values.get("highlights", []))
    article.dateline = clean_text(values.get("dateline", ""))
    article.body = _without_dateline(clean_list(values.get("body", [])), article.dateline)
    article.tags = clean_list(values.get("tags", []))
    article.related = values.get("related", [])
    article.more_from_section = values.get("more_from_section", [])
    article.image_url = clean_text(values.get("image_url", ""))
    article.language = values.get("language", "") or "hi"
    fetched = dates.parse_iso(article.fetched_at) if article.fetched_at else None
    published = _checked_date(article, values.get("published"), "published", now or fetched)
    if published:
        article.published_at = dates.to_iso(published)
        article.published_utc = dates.to_utc_iso(published)
    updated = _checked_date(article, values.get("updated"), "updated", now or fetched)
    if updated and published and updated != published:
        article.updated_at = dates.to_iso(updated)


def _checked_date(article: Article, raw: Any, name: str, now: datetime | None) -> datetime | None:
    if not raw:
        return None
    parsed = dates.parse_date(str(raw), now=now)
    if parsed is None:
        article.problems.append(f"unparsed_date/{name}")
        logger.debug("could not read the %s date %r on %s", name, raw, article.url)
        return None
    if not dates.is_plausible(parsed, now=now):
        article.problems.append(f"implausible_date/{name}")
        logger.warning("rejected the %s date %s on %s: implausible", name, parsed, article.url)
        return None
    return parsed


def _without_dateline(body: list[str], dateline: str) -> list[str]:
    """Drop the dateline a first paragraph starts with (``नई दिल्ली: ...``)."""
    if body and dateline and body[0].startswith(dateline):
        rest = body[0][len(dateline):].lstrip(" :,-–—").strip()
        return [rest, *body[1:]] if rest else body[1:]
    return body

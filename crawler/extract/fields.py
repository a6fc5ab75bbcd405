"""Field extraction: a site's declarative selectors first, then the generic extractor.

``SiteFields`` is what a site class declares (CSS selectors per field). The generic
extractor reads what nearly every news site publishes in standard form: JSON-LD
(``crawler.extract.jsonld``, broken blocks repaired), microdata, OpenGraph and ``article:*`` meta,
``<link rel=canonical|amphtml>``, breadcrumbs, and the article container's paragraphs
with the boilerplate removed (``crawler.extract.boilerplate``). ``build_article`` merges the two,
site first, falls back to what discovery said about the page (``Page.hints``), cleans
every string (NFC, whitespace), and says what kind of page it was (``crawler.extract.pagekind``).

The page is parsed once into a ``PageIndex`` (``crawler.extract.pageindex``): one walk fills the
lookups every step uses, so a 300 KB page costs a few milliseconds, not tens.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.extract import jsonld, pagekind, visible_dates
from crawler.extract.body import body_paragraphs
from crawler.extract.bylines import block_author, byline_names, people
from crawler.extract.pageindex import PageIndex
from crawler.extract.titles import choose_title, is_site_name, printed_part, strip_site_name
from crawler.items import Article, Page
from crawler.text import dates
from crawler.text.cleaning import clean_list, clean_text
from crawler.text.urls import canonical_url, site_key

logger = logging.getLogger(__name__)

# Elements whose text never belongs to an article field (besides a site's own ``body_exclude``).
NOISE_TAGS = frozenset({"script", "style", "noscript", "iframe", "svg", "form", "button", "template"})


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
    # The article container, when the generic candidates miss it (hashed class names): its
    # paragraphs are read by the generic, boilerplate-aware reader.
    body_container: str = ""
    tags: str = ""
    image: str = ""
    related: LinkBlock | None = None
    more_from_section: LinkBlock | None = None
    title_suffixes: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------
# Text of elements
# ---------------------------------------------------------------------------


def _is_noise(element: Any) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag in NOISE_TAGS:
        return True
    if tag == "figcaption":
        parent = element.getparent()
        return parent is not None and parent.tag == "figure"
    classes = element.get("class")
    return bool(classes) and ("advert" in classes or "ad-slot" in classes.split())


def element_text(element: Any, skipped: frozenset[Any] | set[Any] = frozenset()) -> str:
    """Visible text of one element, without scripts, ads and the ``skipped`` elements."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if not _is_noise(child) and child not in skipped:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return clean_text(" ".join(parts))


def texts(index: PageIndex, css: str, exclude: str = "", scope: Any = None) -> list[str]:
    if not css:
        return []
    skipped = set(index.select(exclude)) if exclude else set()
    return clean_list(element_text(node, skipped) for node in index.select(css, scope))


def first_text(index: PageIndex, css: str, scope: Any = None) -> str:
    found = texts(index, css, scope=scope)
    return found[0] if found else ""


def links(index: PageIndex, block: LinkBlock | None, page_url: str) -> list[dict[str, str]]:
    if block is None:
        return []
    found: list[dict[str, str]] = []
    for node in index.select(block.items):
        title = first_text(index, block.title, node) if block.title else element_text(node)
        href = node.get("href", "")
        if title and href:
            category = first_text(index, block.category, node) if block.category else ""
            found.append({"title": title, "url": urljoin(page_url, href.strip()), "category": category})
    return found


def date_value(index: PageIndex, css: str) -> str:
    """A date element's machine value (``datetime``/``content``) or else its text."""
    for node in index.select(css) if css else []:
        for attribute in ("datetime", "content"):
            if node.get(attribute):
                return str(node.get(attribute))
        text = element_text(node)
        if text:
            return text
    return ""


# ---------------------------------------------------------------------------
# The site's selectors
# ---------------------------------------------------------------------------


def site_fields(index: PageIndex, fields: SiteFields, page_url: str) -> dict[str, Any]:
    """Apply a site's declarative selectors. Only non-empty values are returned."""
    image = index.select(fields.image) if fields.image else []
    values: dict[str, Any] = {
        "title": first_text(index, fields.title),
        "authors": texts(index, fields.authors),
        "published": date_value(index, fields.published),
        "updated": date_value(index, fields.updated),
        "section": first_text(index, fields.section),
        "summary": first_text(index, fields.summary),
        "highlights": texts(index, fields.highlights),
        "dateline": first_text(index, fields.dateline).rstrip(":").strip(),
        "body": texts(index, fields.body, fields.body_exclude),
        "tags": texts(index, fields.tags),
        "image_url": image[0].get("src", "") if image else "",
        "related": links(index, fields.related, page_url),
        "more_from_section": links(index, fields.more_from_section, page_url),
    }
    return {key: value for key, value in values.items() if value}


# ---------------------------------------------------------------------------
# The generic extractor
# ---------------------------------------------------------------------------


def meta(index: PageIndex, *names: str) -> str:
    values = index.meta_values(*names)
    return clean_text(values[0]) if values else ""


def meta_all(index: PageIndex, name: str) -> list[str]:
    return clean_list(index.meta_values(name))


PUBLISHED_META = ("article:published_time", "og:published_time", "published_time", "publish-date", "pubdate",
                  "publishdate", "article.published", "parsely-pub-date", "sailthru.date", "DC.date.issued", "date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "modified_time", "article.updated", "last-modified",
                 "DC.date.modified")


def generic_fields(index: PageIndex, page_url: str, ld_values: list[Any] | None = None,
                   fields: SiteFields | None = None, names: list[str] | None = None) -> dict[str, Any]:
    """What standard markup says: JSON-LD first, then microdata, OpenGraph/article meta, then the page.

    ``names``: the site's names (``site_names``), which are never authors or sections.
    """
    values_ld = jsonld.parse_texts(index.jsonld_texts) if ld_values is None else ld_values
    site_name_list = site_names(index, values_ld) if names is None else names
    publishers = {name.casefold() for name in site_name_list}
    ld = jsonld.article_data(None, values_ld, publishers)
    micro = microdata(index)
    body = body_paragraphs(index, fields.body_container if fields else "", ld.get("articleBody", ""))
    h1 = index.first("h1")
    title_names = [*site_name_list, *host_names(page_url)]
    candidates = [ld.get("headline"), micro.get("headline"), meta(index, "og:title"), meta(index, "twitter:title"),
              element_text(h1) if h1 is not None else "", index.title]
    title = choose_title([clean_text(candidate) for candidate in candidates if candidate], title_names)
    values: dict[str, Any] = {
        "title": title if h1 is not None else printed_part(title, index.prints),
        "authors": people(ld.get("authors") or [], title_names) or people(micro.get("authors") or [], title_names)
        or people(_meta_authors(index, publishers), title_names) or byline_names(index, title_names),
        "published": _present(ld.get("datePublished"), micro.get("datePublished"), meta(index, *PUBLISHED_META),
                              _time_datetime(index)),
        "updated": _present(ld.get("dateModified"), micro.get("dateModified"), meta(index, *MODIFIED_META)),
        "section": ld.get("articleSection") or micro.get("articleSection") or meta(index, "article:section")
        or breadcrumb_section(index, values_ld, publishers),
        "summary": ld.get("description") or micro.get("description")
        or meta(index, "description", "og:description", "twitter:description"),
        "tags": ld.get("keywords") or micro.get("keywords") or meta_all(index, "article:tag")
        or _split_keywords(meta(index, "news_keywords", "keywords")),
        "image_url": ld.get("image") or meta(index, "og:image", "twitter:image") or micro.get("image"),
        "body": body,
        "dateline": _bold_dateline(index, fields, body),
        "language": _language(index, ld),
        "url": ld.get("url", ""),
    }
    return {key: value for key, value in values.items() if value}


def _present(*candidates: str | None) -> list[str]:
    """Date candidates in order of trust; the first that parses and is plausible wins."""
    return [candidate for candidate in candidates if candidate]


def _time_datetime(index: PageIndex) -> str:
    return next((str(t.get("datetime")) for t in index.elements("time") if t.get("datetime")), "")


_MICRODATA_ARTICLE = ("NewsArticle", "ReportageNewsArticle", "Article", "BlogPosting", "LiveBlogPosting")
_MICRODATA_FIELDS = ("headline", "description", "datePublished", "dateModified", "articleSection", "keywords")


def microdata(index: PageIndex) -> dict[str, Any]:
    """Article fields from schema.org microdata (``itemprop``), inside the article's ``itemscope``."""
    if not index.by_itemprop:
        return {}
    scopes = [element for kind in _MICRODATA_ARTICLE for element in index.itemtype_elements(f"schema.org/{kind}")]
    scope = scopes[0] if scopes else None
    if scope is None and not (index.by_itemprop.get("headline") or index.by_itemprop.get("articleBody")):
        return {}

    def inside(name: str) -> list[Any]:
        return [e for e in index.by_itemprop.get(name, []) if scope is None or _within(e, scope)]

    values: dict[str, Any] = {name: _item_value(found[0]) for name in _MICRODATA_FIELDS if (found := inside(name))}
    values["keywords"] = _split_keywords(values.get("keywords", ""))
    values["authors"] = clean_list(map(_author_name, inside("author")))
    images = inside("image")
    if images:
        values["image"] = _image_value(images[0])
    return {key: value for key, value in values.items() if value}


def _within(element: Any, scope: Any) -> bool:
    while element is not None:
        if element is scope:
            return True
        element = element.getparent()
    return False


def _itemprop_descendant(element: Any, name: str) -> Any:
    return next((e for e in element.iter() if name in (e.get("itemprop") or "").split()), None)


def _author_name(element: Any) -> str:
    name = _itemprop_descendant(element, "name")
    return _item_value(name if name is not None else element)


def _image_value(element: Any) -> str:
    url = _itemprop_descendant(element, "url")
    img = next(element.iter("img"), None)
    return str(element.get("src") or element.get("content") or (url is not None and url.get("content"))
               or (img is not None and img.get("src")) or "")


def _item_value(element: Any) -> str:
    for attribute in ("content", "datetime"):
        if element.get(attribute):
            return clean_text(element.get(attribute))
    return element_text(element)


def site_names(index: PageIndex, ld_values: list[Any]) -> list[str]:
    """Names the site goes by (og:site_name, application-name, the publisher), for title suffixes."""
    found = [meta(index, "og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site")]
    found += sorted(jsonld.publisher_names(ld_values))
    return [name.lstrip("@") for name in found if name]


HOME_CRUMBS = frozenset({"home", "होम", "मुख्य पृष्ठ", "होमपेज", "मुखपृष्ठ", "हिंदी न्यूज़", "हिन्दी न्यूज़", "news", "न्यूज़"})


def breadcrumb_section(index: PageIndex, ld_values: list[Any], publishers: set[str]) -> str:
    """The first breadcrumb after "Home" (BreadcrumbList JSON-LD, else a breadcrumb nav)."""
    crumbs = jsonld.breadcrumb_names(ld_values) or _breadcrumb_links(index)
    for crumb in crumbs[:3]:
        name = clean_text(crumb)
        if name and name.casefold() not in HOME_CRUMBS and name.casefold() not in publishers and len(name) <= 40:
            return name
    return ""


def _breadcrumb_links(index: PageIndex) -> list[str]:
    containers = [e for token, found in index.by_class.items() if "breadcrumb" in token.lower() for e in found]
    containers += [nav for nav in index.elements("nav") if "breadcrumb" in (nav.get("aria-label") or "").lower()]
    for container in sorted(containers, key=lambda element: index.position.get(element, 0)):
        found = clean_list(element_text(a) for a in container.iter("a"))
        if found:
            return found
    return []


def _meta_authors(index: PageIndex, publishers: set[str]) -> list[str]:
    found = meta_all(index, "author") or meta_all(index, "article:author") or meta_all(index, "byl")
    return jsonld.names(found, exclude=publishers)


def _language(index: PageIndex, ld: dict[str, Any]) -> str:
    raw = index.lang or ld.get("inLanguage") or meta(index, "og:locale") or ""
    return raw.replace("_", "-").split("-")[0].strip().lower()


def _split_keywords(value: str) -> list[str]:
    return clean_list(value.split(",")) if value else []


_DATELINE = re.compile(r"^(?P<place>[^\s:।|,][^:।|]{1,40}?)\s*[:|]\s*$")


def _bold_dateline(index: PageIndex, fields: SiteFields | None, body: list[str]) -> str:
    """``<p><b>नई दिल्ली:</b> ...`` : a bold place name and colon opening the first paragraph is a dateline."""
    if not body or (fields and fields.dateline):
        return ""
    for bold in index.elements("b", "strong"):
        parent = bold.getparent()
        if parent is None or parent.tag != "p" or (parent.text or "").strip() or bold.getprevious() is not None:
            continue
        label = clean_text(bold.text or "")
        match = _DATELINE.match(label)
        if match and body[0].startswith(label):
            return match.group("place").strip()
    return ""


# ---------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------


def build_article(page: Page, fields: SiteFields | None, now: datetime | None = None) -> Article:
    """Parse a fetched page into an ``Article``: site selectors first, generic extraction fills gaps."""
    html = page.text()
    index = PageIndex(html, page.utf8())
    ld_values = jsonld.parse_texts(index.jsonld_texts)
    names = site_names(index, ld_values)
    generic = generic_fields(index, page.url, ld_values, fields, names)
    declared_canonical = index.links.get("canonical") or meta(index, "og:url") or generic.get("url", "")
    generic.pop("url", None)
    article = Article(
        url=page.url,
        canonical_url=canonical_url(page.url, declared_canonical),
        site=page.site,
        fetched_at=page.fetched_at,
        amp_url=index.links.get("amphtml", ""),
        html=html,
    )
    own = site_fields(index, fields, page.url) if fields else {}
    merged: dict[str, Any] = {}
    for key in set(own) | set(generic):
        merged[key] = own.get(key) or generic.get(key)
        article.sources[key] = "site" if key in own else "generic"
    for key in ("published", "updated"):  # every candidate, site first: a bad one falls back to the next
        merged[key] = ([own[key]] if key in own else []) + generic.get(key, [])
    _add_hints(article, merged, page.hints)
    _apply(article, merged, fields, now, [*names, *host_names(page.url)])
    if article.published_at is None:
        _visible_date(article, index, now, [*names, *host_names(page.url)])
    article.page_kind = pagekind.page_kind(index, page.url, ld_values, len(article.body_text))
    if index.nesting:  # read without its nesting tags, or not at all (pageindex.parse_page): counted, said
        article.problems.append(index.nesting)
    return article


HINTED_FIELDS = ("title", "authors", "section", "summary", "tags", "image_url", "language")


def _visible_date(article: Article, index: PageIndex, now: datetime | None, names: list[str]) -> None:
    """No machine-readable date: the one the page prints, and the author its byline block names."""
    fetched = dates.parse_iso(article.fetched_at) if article.fetched_at else None
    found = visible_dates.published(index, article.title, now or fetched)
    if found is None:
        return
    article.published_at = dates.to_iso(found.when)
    article.published_utc = dates.to_utc_iso(found.when)
    article.sources["published"] = "visible"
    if not article.authors:
        article.authors = block_author(found.text, names)


def host_names(url: str) -> list[str]:
    """The names a site's host gives it: ``example.co.in`` and ``example``."""
    host = site_key(urlsplit(url).hostname or "")
    return [host, host.split(".")[0]] if host else []


def _add_hints(article: Article, merged: dict[str, Any], hints: dict[str, Any]) -> None:
    """What discovery said about the page (a news sitemap's title, a feed's date) fills what the page lacks."""
    for key in HINTED_FIELDS:
        if hints.get(key) and not merged.get(key):
            merged[key] = hints[key]
            article.sources[key] = "hint"
    for key in ("published", "updated"):
        if hints.get(key):
            merged[key].append(hints[key])


def _apply(article: Article, values: dict[str, Any], fields: SiteFields | None, now: datetime | None,
           names: list[str]) -> None:
    title = clean_text(values.get("title", ""))
    for suffix in fields.title_suffixes if fields else ():
        title = title.removesuffix(suffix).strip()
    article.title = strip_site_name(title, names)
    article.authors = [name for name in clean_list(values.get("authors", []))
                       if not is_site_name(name, names)]
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
    published = _first_date(article, values.get("published", []), "published", now or fetched)
    if published:
        article.published_at = dates.to_iso(published)
        article.published_utc = dates.to_utc_iso(published)
    updated = _first_date(article, values.get("updated", []), "updated", now or fetched)
    if updated and published and updated != published:
        article.updated_at = dates.to_iso(updated)


def _first_date(article: Article, candidates: list[Any], name: str, now: datetime | None) -> datetime | None:
    """The first candidate that reads as a plausible date; the rejections count only if none does."""
    problems: list[str] = []
    for raw in candidates:
        parsed = _checked_date(problems, article.url, raw, name, now)
        if parsed is not None:
            return parsed
    article.problems.extend(dict.fromkeys(problems))
    return None


def _checked_date(problems: list[str], url: str, raw: Any, name: str, now: datetime | None) -> datetime | None:
    if not raw:
        return None
    parsed = dates.parse_date(str(raw), now=now)
    if parsed is None:
        problems.append(f"unparsed_date/{name}")
        logger.debug("could not read the %s date %r on %s", name, raw, url)
        return None
    if not dates.is_plausible(parsed, now=now):
        problems.append(f"implausible_date/{name}")
        logger.warning("rejected the %s date %s on %s: implausible", name, parsed, url)
        return None
    return parsed


def _without_dateline(body: list[str], dateline: str) -> list[str]:
    """Drop the dateline a first paragraph starts with (``नई दिल्ली: ...``)."""
    if body and dateline and body[0].startswith(dateline):
        rest = body[0][len(dateline):].lstrip(" :,-–—").strip()
        return [rest, *body[1:]] if rest else body[1:]
    return body

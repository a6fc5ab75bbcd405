"""A small local copy of any site, for end-to-end crawls of its spider.

``build_local_site(spider_class, pages, root)`` writes, under ``root``:

- every page at the path its real URL has (``/india/story-123.cms`` as that file,
  ``/hindi/articles/c0abc`` and ``/desh/story-b1/`` as ``.../index.html``), so
  ``-a base_url=http://127.0.0.1:PORT`` maps each real URL onto it;
- each sitemap the site class declares, listing the pages by their real URLs as a
  Google News sitemap (``.gz`` names gzipped; a name containing ``index`` becomes a
  sitemap index pointing to a child sitemap), and each declared feed as RSS 2.0;
- a listing page at each start path only when the site declares no sitemap or feed.

``golden_pages(site)`` reads a site's golden pages (``crawler/golden/<site>/*.html`` with
the expected fields as ``.json`` beside each); ``sample_site_pages()`` the bundled
Lokmat sample site's articles. Facts come from those files, never from the code under test.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.app import golden
from crawler.app.sample_server import SAMPLE_SITE
from crawler.text.dates import parse_iso

GOLDEN = golden.GOLDEN_DIR
LOKMAT_ORIGIN = "https://www.lokmatnews.in"


@dataclass
class LocalPage:
    real_url: str  # where the page lives on the real site (and so where the local copy serves it)
    html: bytes
    is_article: bool = True  # False for the bot-challenge, video-only, gallery ... pages
    title: str = ""
    published: datetime | None = None
    name: str = ""  # the golden file's name, for messages
    stored_url: str = ""  # the URL the article is expected to be stored under (its canonical URL)

    def __post_init__(self) -> None:
        self.stored_url = self.stored_url or self.real_url


def _page_facts(body: bytes) -> dict[str, str]:
    tree = lxml_html.fromstring(body)
    canonical = tree.xpath("//link[@rel='canonical']/@href") or tree.xpath("//meta[@property='og:url']/@content")
    h1 = tree.xpath("//h1")
    return {"canonical": canonical[0].strip() if canonical else "",
            "h1": " ".join(h1[0].text_content().split()) if h1 else ""}


def own_date(html: bytes) -> datetime | None:
    """The publication date a page states about itself (its article:published_time, else its first
    ``<time datetime>``): what ``-a since=`` judges an article by, whatever a sitemap said."""
    tree = lxml_html.fromstring(html)
    found = tree.xpath("//meta[@property='article:published_time']/@content") or tree.xpath("//time/@datetime")
    return parse_iso(found[0].strip()) if found else None


def golden_sites() -> list[str]:
    return sorted(d.name for d in GOLDEN.iterdir() if d.is_dir() and any(d.glob("*.html"))) if GOLDEN.is_dir() else []


def golden_pages(site: str) -> list[LocalPage]:
    """A site's golden pages, placed at the expected JSON's ``url`` (else the page's canonical URL).

    A non-article page served at the same URL as an article (a bot challenge instead of the
    story) is left out: one local copy can serve only one page per URL.
    """
    pages: dict[str, LocalPage] = {}
    for file in sorted((GOLDEN / site).glob("*.html")):
        body = file.read_bytes()
        expected_file = file.with_suffix(".json")
        expected = json.loads(expected_file.read_text(encoding="utf-8")) if expected_file.is_file() else {}
        facts = _page_facts(body)
        url = expected.get("url") or expected.get("canonical_url") or facts["canonical"]
        is_article = (expected.get("page_kind") or "article") == "article"
        published = parse_iso(expected["published_at"]) if expected.get("published_at") else None
        page = LocalPage(url, body, is_article, expected.get("title") or facts["h1"], published, file.name,
                         expected.get("canonical_url") or url)
        if url not in pages or (is_article and not pages[url].is_article):
            pages[url] = page
    return list(pages.values())


def sample_site_pages() -> list[LocalPage]:
    """The sample site's canonical article pages that have a body (the broken one is left out)."""
    pages = []
    for file in sorted(SAMPLE_SITE.rglob("index.html")):
        rel = file.parent.relative_to(SAMPLE_SITE)
        if not file.parent.name.rsplit("-b", 1)[-1].isdigit() or rel.parts[0] == "amp":
            continue
        tree = lxml_html.fromstring(file.read_bytes())
        if not tree.cssselect(".story-body p"):
            continue
        facts = _page_facts(file.read_bytes())
        pages.append(LocalPage(f"{LOKMAT_ORIGIN}/{rel.as_posix()}/", file.read_bytes(), True, facts["h1"],
                               name=rel.as_posix()))
    return pages


def local_path(real_url: str, origin: str) -> str | None:
    """The path of a real URL on a local copy of ``origin`` (None when it is on another site)."""
    origin = origin.rstrip("/")
    host_variants = {origin, origin.replace("://www.", "://", 1), origin.replace("https://", "http://", 1)}
    for variant in host_variants:
        if real_url.startswith(variant + "/"):
            return urlsplit(real_url[len(variant):]).path
    return None


def _file_for(root: Path, path: str) -> Path:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if path.endswith("/") or "." not in last:
        return root / path.strip("/") / "index.html"
    return root / path.lstrip("/")


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(data, mtime=0) if target.name.endswith(".gz") else data)


def news_sitemap(pages: list[LocalPage]) -> bytes:
    entries = []
    for page in pages:
        news = f"<news:title>{escape(page.title)}</news:title>" if page.title else ""
        if page.published:
            news += f"<news:publication_date>{page.published.isoformat()}</news:publication_date>"
        entries.append(f"<url><loc>{escape(page.real_url)}</loc><news:news>{news}</news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(entries)
            + "\n</urlset>\n").encode()


def sitemap_index(children: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n').encode()


def rss_feed(pages: list[LocalPage]) -> bytes:
    items = []
    for page in pages:
        date = f"<pubDate>{format_datetime(page.published)}</pubDate>" if page.published else ""
        items.append(f"<item><title>{escape(page.title)}</title><link>{escape(page.real_url)}</link>{date}</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>local copy</title>'
            + "".join(items) + "</channel></rss>\n").encode()


def _absolute(start: str, origin: str) -> str:
    return origin.rstrip("/") + start if start.startswith("/") else start


def build_local_site(spider_class: type, pages: list[LocalPage], root: Path) -> dict[str, list[str]]:
    """Write the local copy; returns what was written: page paths, sitemap and feed paths, listings."""
    origin = spider_class.origin
    written: dict[str, list[str]] = {"pages": [], "sitemaps": [], "feeds": [], "listings": []}
    for page in pages:
        path = local_path(page.real_url, origin)
        if path is None:
            raise ValueError(f"{page.name}: {page.real_url} is not on {origin}")
        _write(_file_for(root, path), page.html)
        written["pages"].append(path)
    for start in getattr(spider_class, "sitemaps", ()):
        path = local_path(_absolute(start, origin), origin)
        if path is None:
            continue  # on another host: a local copy cannot serve it
        if "index" in path.rsplit("/", 1)[-1]:
            child = path.rsplit("/", 1)[0] + "/local-child-sitemap.xml"
            _write(_file_for(root, path), sitemap_index([origin.rstrip("/") + child]))
            _write(_file_for(root, child), news_sitemap(pages))
        else:
            _write(_file_for(root, path), news_sitemap(pages))
        written["sitemaps"].append(path)
    for start in getattr(spider_class, "feeds", ()):
        path = local_path(_absolute(start, origin), origin)
        if path is not None:
            _write(_file_for(root, path), rss_feed(pages))
            written["feeds"].append(path)
    if not written["sitemaps"] and not written["feeds"]:
        links = "".join(f'<li><a href="{escape(p)}">{escape(page.title)}</a></li>'
                        for p, page in zip(written["pages"], pages, strict=True))
        for start in spider_class.start_paths:
            path = local_path(_absolute(start, origin), origin) or "/"
            _write(_file_for(root, path), f"<html><body><ul>{links}</ul></body></html>".encode())
            written["listings"].append(path)
    return written

"""The bundled sample site itself: the seed page's text, links, inventory, structured data, feeds.

These tests read the static files in ``crawler/sample_site/lokmat`` directly (no server, no
code under test) and check that the generator ``scripts/build_sample_site.py`` reproduces them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "crawler" / "sample_site" / "lokmat"
GENERATOR = REPO / "scripts" / "build_sample_site.py"
SEED_TEXT = Path(__file__).resolve().parent / "seed" / "000_7a121beb77ee4d36.txt"
SEED_SPEC = Path(__file__).resolve().parent / "spec" / "seed-article.json"
ORIGIN = "https://www.lokmatnews.in"
ARTICLE_RE = re.compile(r"^(?P<section>[a-z]+)/(?P<slug>[a-z0-9-]+)-b(?P<id>\d{7})/index\.html$")
UKRAINE_RE = re.compile("यूक्रेन|युक्रेन")


def collapse(value: str) -> str:
    return " ".join(value.split())  # str.split() also splits on no-break spaces


@cache
def tree(rel: str) -> lxml_html.HtmlElement:
    parser = lxml_html.HTMLParser(encoding="utf-8")
    return lxml_html.document_fromstring((SITE / rel).read_bytes(), parser=parser)


def html_pages() -> list[str]:
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))


def article_pages() -> list[str]:
    return [p for p in html_pages() if ARTICLE_RE.match(p)]


def visible_text(element: lxml_html.HtmlElement) -> str:
    """Text nodes under ``element`` except those inside <script>/<style>, concatenated as they are."""
    return "".join(element.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


def seed_spec() -> dict:
    return json.loads(SEED_SPEC.read_text(encoding="utf-8"))


def seed_page() -> str:
    title = seed_spec()["title"]
    found = [p for p in article_pages() if collapse(tree(p).findtext(".//h1") or "") == title]
    assert len(found) == 1, found
    return found[0]


def body_text(rel: str) -> str:
    bodies = tree(rel).find_class("story-body")
    return collapse(visible_text(bodies[0])) if bodies else ""


def site_path(href: str) -> Path:
    """The file a root-relative href maps to, the way the sample server maps it."""
    path = urlsplit(href).path
    target = SITE / path.lstrip("/")
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


# ---------------------------------------------------------------- the seed page


def test_seed_copies_are_present() -> None:
    assert SEED_TEXT.is_file() and SEED_SPEC.is_file()


def test_seed_main_text_equals_seed_text() -> None:
    main = tree(seed_page()).get_element_by_id("main")
    assert collapse(visible_text(main)) == collapse(SEED_TEXT.read_text(encoding="utf-8"))


def test_seed_markup_carries_the_spec_fields() -> None:
    spec = seed_spec()
    doc = tree(seed_page())
    story = doc.find_class("story")[0]
    assert collapse(story.find_class("author")[0].text_content()) == spec["authors"][0]
    time = story.find_class("pub-date")[0]
    assert time.get("datetime") == spec["published_at"]
    assert collapse(time.text_content()) == spec["published_at_source_text"]
    assert collapse(story.find_class("story-summary")[0].text_content()) == spec["summary"]
    assert [collapse(li.text_content()) for li in story.find_class("highlights")[0].iter("li")] == spec["highlights"]
    assert collapse(story.find_class("dateline")[0].text_content()).rstrip(":") == spec["dateline"]
    paragraphs = story.find_class("story-body")[0].findall("p")
    texts = [collapse(p.text_content()) for p in paragraphs]
    assert texts[0] == f"{spec['dateline']}: {spec['body'][0]}"
    assert texts[1:] == spec["body"][1:]
    assert [collapse(a.text_content()) for a in story.find_class("story-tags")[0].iter("a")] == spec["tags"]
    assert doc.xpath("string(//meta[@property='article:section']/@content)") == spec["section"]
    for css, key in (("related-news", "related"), ("section-news", "more_from_section")):
        items = [{"category": collapse(li.find_class("category")[0].text_content()),
                  "title": collapse(li.find_class("headline")[0].text_content())}
                 for li in doc.find_class(css)[0].iter("li")]
        assert items == spec[key], key
        for li in doc.find_class(css)[0].iter("li"):  # every related item is a real page of the site
            href = li.find("a").get("href")
            assert ARTICLE_RE.match(href.strip("/") + "/index.html"), href
            assert collapse(tree(href.strip("/") + "/index.html").findtext(".//h1")) == collapse(
                li.find_class("headline")[0].text_content())


# ---------------------------------------------------------------- links


def test_every_internal_link_resolves() -> None:
    missing: list[tuple[str, str]] = []
    for rel in html_pages():
        for el in tree(rel).iter():
            for name in ("href", "src", "data-src"):
                value = el.get(name)
                if value and value.startswith("/") and not value.startswith("//"):
                    if not site_path(value).is_file():
                        missing.append((rel, value))
    assert not missing, missing[:10]


def test_absolute_links_use_the_real_origin_only_where_expected() -> None:
    for rel in html_pages():
        for el in tree(rel).iter("a"):
            href = el.get("href") or ""
            assert not href.startswith(ORIGIN), (rel, href)  # in-site navigation is root-relative
        canonical = tree(rel).xpath("//link[@rel='canonical']/@href")
        assert len(canonical) == 1 and canonical[0].startswith(ORIGIN + "/"), rel


# ---------------------------------------------------------------- inventory


def test_site_inventory() -> None:
    articles = article_pages()
    sections = {p.split("/")[0] for p in articles}
    assert len(articles) >= 15
    assert len(sections) >= 3
    ukraine = [p for p in articles if UKRAINE_RE.search(collapse(visible_text(tree(p).find_class("story")[0])))]
    assert len(ukraine) >= 4
    assert any((SITE / s / "page" / "3" / "index.html").is_file() for s in sections)
    amp = [p for p in html_pages() if p.startswith("amp/")]
    assert len(amp) == 1
    tracked = [a.get("href") for p in html_pages() for a in tree(p).iter("a")
               if "utm_source=whatsapp&utm_medium=social" in (a.get("href") or "")]
    assert len(tracked) == 1 and ARTICLE_RE.match(urlsplit(tracked[0]).path.strip("/") + "/index.html")
    empty = [p for p in articles if not body_text(p)]
    assert len(empty) == 1
    doc = tree(empty[0])
    assert doc.find_class("story-body") and not doc.xpath("//*[@class='story-body']//p")
    assert collapse(doc.findtext(".//h1") or "") and doc.find_class("pub-date")


def test_every_article_is_linked_from_its_section_listing() -> None:
    for rel in article_pages():
        section = rel.split("/")[0]
        listed = {a.get("href") for p in html_pages() if re.match(rf"^{section}/(page/\d+/)?index\.html$", p)
                  for a in tree(p).iter("a")}
        assert "/" + rel.removesuffix("index.html") in listed, rel


def test_pagination_chain_reaches_the_last_page() -> None:
    for section_index in sorted(p for p in html_pages() if re.match(r"^[a-z]+/index\.html$", p)):
        section = section_index.split("/")[0]
        pages = sorted(p for p in html_pages() if re.match(rf"^{section}/page/\d+/index\.html$", p))
        rel, seen = section_index, [section_index]
        while nxt := tree(rel).xpath("//a[@class='next']/@href"):
            assert collapse(tree(rel).xpath("string(//a[@class='next'])")) == "अगला"
            rel = nxt[0].strip("/") + "/index.html"
            seen.append(rel)
        assert seen[1:] == sorted(pages, key=lambda p: int(p.split("/")[2])), section
        counts = [len(tree(p).find_class("story-card")) for p in seen]
        assert all(1 <= n <= 5 for n in counts), (section, counts)


def test_amp_copy_points_to_its_canonical_article() -> None:
    (amp,) = [p for p in html_pages() if p.startswith("amp/")]
    raw = (SITE / amp).read_text(encoding="utf-8")
    assert '<html ⚡ lang="hi">' in raw and "amp-boilerplate" in raw
    canonical = tree(amp).xpath("//link[@rel='canonical']/@href")[0]
    assert canonical.startswith(ORIGIN + "/") and "/amp/" not in canonical
    article = urlsplit(canonical).path.strip("/") + "/index.html"
    assert article in article_pages()
    assert collapse(tree(amp).findtext(".//h1")) == collapse(tree(article).findtext(".//h1"))
    assert body_text(amp) == body_text(article)
    linked = {a.get("href") for p in html_pages() for a in tree(p).iter("a")}
    assert "/" + amp.removesuffix("index.html") in linked


# ---------------------------------------------------------------- structured data


def test_json_ld_parses_and_headline_equals_h1() -> None:
    for rel in article_pages():
        doc = tree(rel)
        blocks = [json.loads(s.text) for s in doc.xpath("//script[@type='application/ld+json']")]
        news = [b for b in blocks if b.get("@type") == "NewsArticle"]
        assert len(news) == 1, rel
        assert news[0]["headline"] == doc.findtext(".//h1"), rel
        canonical = doc.xpath("//link[@rel='canonical']/@href")[0]
        assert news[0]["mainEntityOfPage"]["@id"] == canonical == ORIGIN + "/" + rel.removesuffix("index.html")
        assert news[0]["datePublished"] == doc.find_class("pub-date")[0].get("datetime")
        assert any(b.get("@type") == "BreadcrumbList" for b in blocks), rel


# ---------------------------------------------------------------- feeds and sitemaps


def article_urls() -> set[str]:
    return {ORIGIN + "/" + p.removesuffix("index.html") for p in article_pages()}


def test_robots_txt_points_to_the_sitemap() -> None:
    robots = (SITE / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots and "Allow: /" in robots
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in robots.splitlines()


def test_sitemaps_list_every_article() -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    sitemap = etree.parse(str(SITE / "sitemap.xml"))
    assert set(sitemap.xpath("//s:url/s:loc/text()", namespaces=ns)) == article_urls()
    assert len(sitemap.xpath("//s:url/s:lastmod", namespaces=ns)) == len(article_urls())
    news = etree.parse(str(SITE / "news-sitemap.xml"))
    assert set(news.xpath("//s:url/s:loc/text()", namespaces=ns)) == article_urls()
    for url in news.xpath("//s:url", namespaces=ns):
        for field in ("n:publication/n:name", "n:publication_date", "n:title", "n:keywords"):
            assert url.xpath(f"string(n:news/{field})", namespaces=ns), field


def test_rss_feeds_cover_their_sections() -> None:
    feeds = sorted((SITE / "rss").glob("*.xml"))
    assert len(feeds) == 5
    seen: set[str] = set()
    for feed in feeds:
        doc = etree.parse(str(feed))
        assert doc.getroot().tag == "rss" and doc.getroot().get("version") == "2.0"
        links = doc.xpath("//item/link/text()")
        assert all(link.startswith(f"{ORIGIN}/{feed.stem}/") for link in links), feed.name
        assert all(doc.xpath("//item/pubDate/text()"))
        seen.update(links)
    assert seen == article_urls()


# ---------------------------------------------------------------- the generator


@pytest.fixture(scope="module")
def generator() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("build_sample_site", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_committed_site_is_the_generator_output(generator: ModuleType, tmp_path: Path) -> None:
    generator.main(["--out", str(tmp_path / "site")])
    built = {p.relative_to(tmp_path / "site").as_posix(): p.read_bytes() for p in (tmp_path / "site").rglob("*")
             if p.is_file()}
    committed = {p.relative_to(SITE).as_posix(): p.read_bytes() for p in SITE.rglob("*") if p.is_file()}
    assert sorted(built) == sorted(committed)
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"run scripts/build_sample_site.py; stale: {stale[:5]}"

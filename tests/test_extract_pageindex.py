"""The page index: its CSS matcher gives exactly what cssselect's XPath gives, on real markup."""

from __future__ import annotations

import pytest
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from crawler.app import golden
from crawler.extract.pageindex import PageIndex

SELECTORS = [
    "p", "h1", ".story-body > p", ".db-byline .db-author", "article .read-also a", "div._s30J", ".artsyn li",
    "section[aria-labelledby='article-byline'] li:first-child span + span", ".related-stories li a",
    ".ins_storybody ul li a", "[itemprop~='headline']", "[itemprop=name]", "a[href^='/india']", "a[href$='.html']",
    "a[href*='story']", "li:last-child a", "ul > li:only-child", "h2 ~ ul li", ".also-read-wrap a", "#storyBody p",
    "div#storyBody > p", "header, footer", "nav a, .breadcrumb a", "script[type='application/ld+json']",
    "[lang|=hi]", "span.cat + span.title", "a::attr(href)", "li:nth-child(2) a",
]
PAGES = [case for case in golden.cases() if case.expected.get("page_kind") == "article"]
TRANSLATOR = HTMLTranslator()


def oracle(root: etree._Element, css: str) -> list[etree._Element]:
    """What cssselect's own translation to XPath finds: the reference the matcher must agree with."""
    return [node for node in root.xpath(TRANSLATOR.css_to_xpath(css)) if isinstance(node, etree._Element)]


@pytest.mark.parametrize("case", PAGES, ids=[case.id for case in PAGES])
def test_matcher_agrees_with_xpath_on_every_golden_page(case: golden.GoldenCase) -> None:
    index = PageIndex(case.page().html)
    for css in SELECTORS:
        assert index.select(css) == oracle(index.root, css), css


def test_scoped_selection_stays_inside_the_scope() -> None:
    index = PageIndex("<div class='a'><p class='x'>1</p></div><div class='b'><p class='x'>2</p></div>")
    scope = index.select(".b")[0]
    assert ["".join(p.itertext()) for p in index.select(".x", scope)] == ["2"]


def test_index_lookups() -> None:
    html = ("<html lang='hi-IN'><head><title> शीर्षक  - साइट </title>"
            "<meta property='og:title' content='ओजी'><meta name='Keywords' content='क, ख'>"
            "<link rel='canonical amphtml' href=' https://x.in/a/ '>"
            "<script type='application/ld+json'>{\"@type\": \"NewsArticle\"}</script><script>var x;</script></head>"
            "<body><main role='main'><div id='storyBody' class='a b' itemprop='articleBody' itemscope "
            "itemtype='https://schema.org/NewsArticle'><p>पाठ</p></div></main></body></html>")
    index = PageIndex(html)
    assert index.lang == "hi-IN" and index.title == "शीर्षक - साइट"
    assert index.meta_values("og:title") == ["ओजी"] and index.meta_values("keywords") == ["क, ख"]
    assert index.links == {"canonical": "https://x.in/a/", "amphtml": "https://x.in/a/"}
    assert index.jsonld_texts == ['{"@type": "NewsArticle"}']
    body = index.by_id["storyBody"]
    assert index.by_class["a"] == [body] and index.by_class["b"] == [body]
    assert index.by_itemprop["articleBody"] == [body] and index.itemtype_elements("NewsArticle") == [body]
    assert index.role_main == [index.first("main")]
    assert [p.text for p in index.elements("p")] == ["पाठ"]


@pytest.mark.parametrize("html", ["", "   ", "\x00\x00", "<", "plain text", "<html><body>" * 3])
def test_unreadable_input_gives_an_empty_page(html: str) -> None:
    index = PageIndex(html)
    assert index.select("p, div") is not None and index.root is not None


def test_a_bad_selector_matches_nothing_instead_of_raising() -> None:
    assert PageIndex("<p>x</p>").select("p[") == []

"""JSON-LD as real sites serve it: each kind of breakage is recovered, or left to the next source."""

from __future__ import annotations

import json

import pytest
from parsel import Selector

from crawler.extract import jsonld

ARTICLE = {"@type": "NewsArticle", "headline": "रूस-यूक्रेन युद्ध: ताजा हमला", "datePublished": "2023-09-13T16:28:00+05:30"}


def page(*scripts: str) -> Selector:
    blocks = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return Selector(text=f"<html><head>{blocks}</head><body></body></html>")


def test_valid_block_is_read_as_is() -> None:
    assert jsonld.parse_block(json.dumps(ARTICLE, ensure_ascii=False)) == [ARTICLE]


def test_articlebody_cut_off_mid_string_keeps_everything_before_the_cut() -> None:
    raw = ('{"@type": "NewsArticle", "headline": "शीर्षक", "datePublished": "2023-09-13", '
           '"articleBody": "पहला पैरा। दूसरा प')
    [value] = jsonld.parse_block(raw)
    assert value == {"@type": "NewsArticle", "headline": "शीर्षक", "datePublished": "2023-09-13",
                     "articleBody": "पहला पैरा। दूसरा प"}


@pytest.mark.parametrize(("raw", "expected"), [
    ('{"@type": "NewsArticle", "headline": "क", "dateMod', {"@type": "NewsArticle", "headline": "क", "dateMod": None}),
    ('{"@type": "NewsArticle", "headline": "क",', {"@type": "NewsArticle", "headline": "क"}),
    ('{"@type": "NewsArticle", "author": ', {"@type": "NewsArticle", "author": None}),
    ('{"@type": "NewsArticle", "author": [{"name": "राम"', {"@type": "NewsArticle", "author": [{"name": "राम"}]}),
    ('{"@type": "NewsArticle", "headline": "a\\', {"@type": "NewsArticle", "headline": "a"}),
], ids=["cut-in-key", "cut-after-comma", "cut-after-colon", "cut-in-nested-array", "cut-in-escape"])
def test_other_cut_off_points_close_cleanly(raw: str, expected: dict) -> None:
    assert jsonld.parse_block(raw) == [expected]


def test_raw_newlines_tabs_and_control_characters_inside_strings() -> None:
    raw = '{"@type": "NewsArticle", "headline": "पहली पंक्ति\nदूसरी\tपंक्ति", "description": "नियंत्रण\x0bवर्ण\x01"}'
    [value] = jsonld.parse_block(raw)
    assert value["headline"] == "पहली पंक्ति\nदूसरी\tपंक्ति"
    assert value["description"] == "नियंत्रण\x0bवर्ण\x01"


def test_trailing_commas_in_objects_and_arrays() -> None:
    raw = '{"@type": "NewsArticle", "keywords": ["रूस", "यूक्रेन",], "author": {"name": "राम",},}'
    assert jsonld.parse_block(raw) == [{"@type": "NewsArticle", "keywords": ["रूस", "यूक्रेन"],
                                        "author": {"name": "राम"}}]


@pytest.mark.parametrize("wrapped", [
    "<!-- {json} -->",
    "<!--\n{json}\n-->",
    "//<![CDATA[\n{json}\n//]]>",
    "\n\n  {json};\n",
])
def test_html_comments_and_cdata_around_the_json(wrapped: str) -> None:
    raw = wrapped.replace("{json}", json.dumps(ARTICLE, ensure_ascii=False))
    assert jsonld.parse_block(raw) == [ARTICLE]


@pytest.mark.parametrize("separator", ["", "\n", ",", " ,\n"])
def test_two_objects_in_one_script(separator: str) -> None:
    site = {"@type": "WebSite", "name": "आज तक"}
    raw = json.dumps(site, ensure_ascii=False) + separator + json.dumps(ARTICLE, ensure_ascii=False)
    assert jsonld.parse_block(raw) == [site, ARTICLE]
    assert jsonld.article_data(page(raw))["headline"] == ARTICLE["headline"]


def test_unescaped_quotes_inside_hindi_text() -> None:
    raw = ('{"@type": "NewsArticle", "headline": "इसरो प्रमुख बोले- "प्रक्षेपण सफल"", '
           '"description": "उन्होंने कहा, "हम तैयार हैं", और चले गए", "keywords": ["इसरो", "आदित्य "एल1""]}')
    [value] = jsonld.parse_block(raw)
    assert value["headline"] == 'इसरो प्रमुख बोले- "प्रक्षेपण सफल"'
    assert value["description"] == 'उन्होंने कहा, "हम तैयार हैं", और चले गए'
    assert value["keywords"] == ["इसरो", 'आदित्य "एल1"']


def test_invalid_escapes_lose_only_the_backslash() -> None:
    assert jsonld.parse_block('{"headline": "it\\\'s \\xएक", "x": 1,}') == [{"headline": "it's xएक", "x": 1}]


def test_unrepairable_block_gives_up_its_top_level_pairs() -> None:
    raw = '{"@type": "NewsArticle", "headline": "शीर्षक", "width": 12px, "author": {"name": "राम"}, "articleBody": "पाठ'
    [value] = jsonld.parse_block(raw)
    assert value["headline"] == "शीर्षक" and value["articleBody"] == "पाठ"
    assert value["author"] == {"@type": "Person", "name": "राम"}


@pytest.mark.parametrize("raw", ["", "   ", "not json at all", "{{{{", "]]]", '"just a string"', "<!-- -->", "null"])
def test_garbage_never_raises(raw: str) -> None:
    assert isinstance(jsonld.parse_block(raw), list)
    assert jsonld.article_data(page(raw)) == {}


def test_graph_arrays_and_several_blocks_find_the_article() -> None:
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "पेज"},
                                                          {"@type": ["ReportageNewsArticle"], "headline": "बीबीसी"}]}
    crumbs = {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 2, "name": "विश्व"}, {"@type": "ListItem", "position": 1, "name": "होम"}]}
    sel = page(json.dumps([{"@type": "Organization", "name": "BBC"}], ensure_ascii=False),
               json.dumps(graph, ensure_ascii=False), json.dumps(crumbs, ensure_ascii=False))
    values = jsonld.blocks(sel)
    assert jsonld.article_data(sel, values)["headline"] == "बीबीसी"
    assert jsonld.breadcrumb_names(values) == ["होम", "विश्व"]


@pytest.mark.parametrize("kind", ["NewsArticle", "Article", "ReportageNewsArticle", "LiveBlogPosting",
                                  "http://schema.org/NewsArticle"])
def test_article_types(kind: str) -> None:
    assert jsonld.find_article([{"@type": kind, "headline": "x"}]) is not None


def test_news_article_is_preferred_and_the_fullest_wins() -> None:
    values = [{"@type": "Article", "headline": "a"}, {"@type": "NewsArticle", "headline": "b"},
              {"@type": "NewsArticle", "headline": "c", "articleBody": "पाठ"}]
    assert jsonld.find_article(values)["headline"] == "c"


@pytest.mark.parametrize(("author", "expected"), [
    ("राहुल पराशर", ["राहुल पराशर"]),
    ("राम शर्मा, श्याम वर्मा", ["राम शर्मा", "श्याम वर्मा"]),
    ("राम शर्मा और श्याम वर्मा", ["राम शर्मा", "श्याम वर्मा"]),
    ("By Ravi Kumar", ["Ravi Kumar"]),
    ("By: रवि कुमार", ["रवि कुमार"]),
    ("Byomkesh Bakshi", ["Byomkesh Bakshi"]),
    ({"@type": "Person", "name": "सुनील कुमार"}, ["सुनील कुमार"]),
    ([{"@type": "Person", "name": "क"}, {"@type": "Person", "name": "ख"}], ["क", "ख"]),
    ({"@type": "Organization", "name": "BBC News हिंदी"}, []),  # the publisher itself names nobody
    ({"@type": "Organization", "name": "भाषा"}, ["भाषा"]),  # a news agency does
    ([{"@type": "Person", "name": "https://facebook.com/x"}], []),
    (None, []),
    (42, []),
])
def test_author_forms(author: object, expected: list[str]) -> None:
    obj = {"@type": "NewsArticle", "headline": "x", "author": author,
           "publisher": {"@type": "Organization", "name": "BBC News हिंदी"}}
    assert jsonld.article_data(page(json.dumps(obj, ensure_ascii=False)))["authors"] == expected


@pytest.mark.parametrize(("keywords", "expected"), [
    ("रूस, यूक्रेन, युद्ध", ["रूस", "यूक्रेन", "युद्ध"]),
    (["रूस", "यूक्रेन"], ["रूस", "यूक्रेन"]),
    ("रूस | यूक्रेन", ["रूस", "यूक्रेन"]),
    ("", []),
])
def test_keywords_as_string_or_list(keywords: object, expected: list[str]) -> None:
    obj = {"@type": "NewsArticle", "headline": "x", "keywords": keywords}
    assert jsonld.article_data(page(json.dumps(obj, ensure_ascii=False)))["keywords"] == expected


def test_about_names_stand_in_for_missing_keywords() -> None:
    obj = {"@type": "NewsArticle", "headline": "x", "about": [{"@type": "Thing", "name": "मोरक्को"}, "junk"]}
    assert jsonld.article_data(page(json.dumps(obj, ensure_ascii=False)))["keywords"] == ["मोरक्को"]


def test_section_modified_date_image_and_main_entity() -> None:
    obj = {"@type": "NewsArticle", "headline": "x", "articleSection": ["विश्व", "एशिया"],
           "dateModified": "2023-09-13T17:00:00+05:30", "image": [{"@type": "ImageObject", "url": "https://i/1.jpg"}],
           "mainEntityOfPage": {"@type": "WebPage", "@id": "https://example.in/a/"}}
    data = jsonld.article_data(page(json.dumps(obj, ensure_ascii=False)))
    assert (data["articleSection"], data["dateModified"], data["image"], data["url"]) == (
        "विश्व", "2023-09-13T17:00:00+05:30", "https://i/1.jpg", "https://example.in/a/")

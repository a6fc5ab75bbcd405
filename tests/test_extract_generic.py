"""The generic extractor on hand-built pages: standard data, fallbacks, boilerplate, titles."""

from __future__ import annotations

import json

import pytest

from crawler.extract.boilerplate import is_boilerplate_text
from crawler.extract.fields import SiteFields, build_article
from crawler.extract.titles import strip_site_name
from crawler.items import Article, Page

PARAS = [
    "रूस और यूक्रेन के बीच जारी युद्ध में बुधवार को एक बार फिर ड्रोन हमले हुए, जिनमें कई इमारतों को नुकसान पहुंचा।",
    "स्थानीय प्रशासन ने बताया कि राहत और बचाव का काम रातभर चलता रहा और घायलों को अस्पताल पहुंचाया गया।",
    "विशेषज्ञों का कहना है कि सर्दियों से पहले ऊर्जा ढांचे पर हमले और तेज हो सकते हैं।",
]


def parse(head: str = "", body: str = "", url: str = "https://www.example.in/world/story-123/",
          fields: SiteFields | None = None, hints: dict | None = None) -> Article:
    html = f'<!DOCTYPE html><html lang="hi"><head>{head}</head><body>{body}</body></html>'
    page = Page(url=url, html=html, site="example", fetched_at="2023-09-14T00:00:00Z", hints=hints or {})
    return build_article(page, fields)


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


def story(*inserts: str) -> str:
    """Three real paragraphs with the given furniture between them."""
    middle = "".join(inserts)
    return f'<div class="article-body"><p>{PARAS[0]}</p>{middle}<p>{PARAS[1]}</p><p>{PARAS[2]}</p></div>'


@pytest.mark.parametrize("furniture", [
    '<div class="share-bar"><p>शेयर करें</p><a href="#">Facebook</a></div>',
    '<div class="social-icons"><p>Follow us</p></div>',
    "<p><strong>यह भी पढ़ें:</strong> <a href='/x'>दूसरी खबर का शीर्षक</a></p>",
    "<p>ये भी पढ़ें- <a href='/x'>दूसरी खबर</a></p>",
    "<p>इसे भी पढ़ें: किसी और खबर का शीर्षक जो लिंक नहीं है</p>",
    "<p>Also Read: Some other headline</p>",
    "<p><a href='/x'>पूरी तरह लिंक वाला एक अनुच्छेद जो दूसरी खबर की ओर ले जाता है</a></p>",
    '<div class="ad-slot-inarticle"><p>Advertisement</p></div>',
    "<p>विज्ञापन</p>",
    '<div id="div-gpt-ad-123-4"><p>विज्ञापन की जगह</p></div>',
    '<figure><img src="a.jpg"><figcaption><p>फोटो: एजेंसी</p></figcaption></figure>',
    '<div class="image-caption"><p>तस्वीर का कैप्शन</p></div>',
    "<p>Open in App</p>",
    "<p>ऐप में पढ़ें</p>",
    "<p>खबरें पढ़ने के लिए डाउनलोड करें, ऐप डाउनलोड करें</p>",
    '<div class="newsletter-box"><p>हमारा न्यूज़लेटर सब्सक्राइब करें</p></div>',
    "<p>Google News पर फॉलो करें</p>",
    '<blockquote class="twitter-tweet"><p>एक ट्वीट का पाठ</p></blockquote>',
    '<aside><p>साइडबार का पाठ</p></aside>',
    "<script>var x = '<p>script</p>';</script>",
    "<p>Published at : 13 Sep 2023 04:28 PM (IST)</p>",
], ids=lambda furniture: furniture[:30])
def test_furniture_inside_the_story_is_not_body(furniture: str) -> None:
    assert parse(body=story(furniture)).body == PARAS


def test_furniture_inside_a_paragraph_is_cut_out_of_it() -> None:
    body = story().replace(PARAS[1], PARAS[1] + '<span class="ad-label">विज्ञापन</span>')
    assert parse(body=body).body == PARAS


def test_boilerplate_words_need_a_short_paragraph() -> None:
    long = "ये भी पढ़ें " + "और यह एक लंबा अनुच्छेद है जो असल खबर का हिस्सा है। " * 12
    assert not is_boilerplate_text(long)
    assert is_boilerplate_text("ये भी पढ़ें: दूसरी खबर")
    assert is_boilerplate_text("ये भी पढ़ें: दूसरी खबर".replace("ढ़", "ढ़"))  # nukta as a separate mark


def test_text_broken_by_br_without_paragraph_elements() -> None:
    body = f'<div class="story-content">{PARAS[0]}<br><br>{PARAS[1]}<div class="ad1">x</div><br>{PARAS[2]}</div>'
    assert parse(body=body).body == PARAS


def test_densest_container_when_no_class_names_the_story() -> None:
    body = (f"<div class='x1'><p>मेन्यू</p></div><div class='q9z'><p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
            f"<p>{PARAS[2]}</p></div><div class='x2'><p>फुटर</p></div>")
    assert parse(body=body).body == PARAS


def test_jsonld_article_body_when_the_page_holds_no_paragraphs() -> None:
    head = ld({"@type": "NewsArticle", "headline": "शीर्षक", "articleBody": "\n".join(PARAS)})
    assert parse(head=head, body="<div id='app'></div>").body == PARAS


def test_jsonld_article_body_with_html_inside() -> None:
    head = ld({"@type": "NewsArticle", "headline": "शीर्षक", "articleBody": "".join(f"<p>{p}</p>" for p in PARAS)})
    assert parse(head=head).body == PARAS


def test_bold_dateline_is_taken_off_the_first_paragraph() -> None:
    body = f'<div class="article-body"><p><b>नई दिल्ली:</b> {PARAS[0]}</p><p>{PARAS[1]}</p></div>'
    article = parse(body=body)
    assert article.dateline == "नई दिल्ली"
    assert article.body == PARAS[:2]


@pytest.mark.parametrize(("title", "names", "expected"), [
    ("खबर का शीर्षक - Amar Ujala Hindi News Live", ["Amar Ujala"], "खबर का शीर्षक"),
    ("खबर का शीर्षक | Dainik Bhaskar", ["Dainik Bhaskar"], "खबर का शीर्षक"),
    ("खबर का शीर्षक | NDTV India", ["ndtv"], "खबर का शीर्षक"),
    ("खबर का शीर्षक - Hindi News", [], "खबर का शीर्षक"),
    ("खबर - India News | Zee News Hindi", ["Zee News Hindi"], "खबर - India News"),
    ("Russia-Ukraine war: रूस ने कहा- शांति संभव", ["Lokmat"], "Russia-Ukraine war: रूस ने कहा- शांति संभव"),
    ("मोदी बोले - विकसित भारत का संकल्प", ["Aaj Tak"], "मोदी बोले - विकसित भारत का संकल्प"),
    ("BBC News हिंदी", ["BBC News हिंदी"], "BBC News हिंदी"),
])
def test_site_name_is_stripped_from_titles(title: str, names: list[str], expected: str) -> None:
    assert strip_site_name(title, names) == expected


def test_title_from_og_title_loses_the_site_name() -> None:
    head = ('<meta property="og:site_name" content="Dainik Bhaskar">'
            '<meta property="og:title" content="मॉस्को पर ड्रोन हमला | Dainik Bhaskar">')
    assert parse(head=head, body=story()).title == "मॉस्को पर ड्रोन हमला"


def test_opengraph_and_article_meta_when_there_is_no_jsonld() -> None:
    head = ('<meta property="og:title" content="शीर्षक"><meta property="og:description" content="सार">'
            '<meta property="og:image" content="https://img/x.jpg">'
            '<meta property="article:published_time" content="2023-09-13T16:28:00+05:30">'
            '<meta property="article:modified_time" content="2023-09-13T17:00:00+05:30">'
            '<meta property="article:section" content="विश्व"><meta property="article:tag" content="रूस">'
            '<meta property="article:tag" content="यूक्रेन"><meta name="author" content="राम शर्मा">')
    article = parse(head=head, body=story())
    assert (article.title, article.summary, article.image_url, article.section, article.tags, article.authors) == (
        "शीर्षक", "सार", "https://img/x.jpg", "विश्व", ["रूस", "यूक्रेन"], ["राम शर्मा"])
    assert (article.published_at, article.updated_at) == ("2023-09-13T16:28:00+05:30", "2023-09-13T17:00:00+05:30")


def test_microdata_only() -> None:
    body = ('<div itemscope itemtype="http://schema.org/NewsArticle"><h1 itemprop="headline">माइक्रोडेटा शीर्षक</h1>'
            '<span itemprop="author" itemscope itemtype="http://schema.org/Person"><span itemprop="name">सीता</span>'
            '</span><time itemprop="datePublished" datetime="2023-09-13T10:00:00+05:30">13 सितंबर</time>'
            '<meta itemprop="keywords" content="एक, दो"><div itemprop="publisher" itemscope>'
            '<meta itemprop="name" content="प्रकाशक"></div>'
            f'<div itemprop="articleBody"><p>{PARAS[0]}</p><p>{PARAS[1]}</p></div></div>')
    article = parse(body=body)
    assert (article.title, article.authors, article.published_at, article.tags, article.body) == (
        "माइक्रोडेटा शीर्षक", ["सीता"], "2023-09-13T10:00:00+05:30", ["एक", "दो"], PARAS[:2])


def test_canonical_and_amp_links() -> None:
    head = ('<link rel="canonical" href="https://www.example.in/world/real-story-123/">'
            '<link rel="amphtml" href="https://www.example.in/amp/world/real-story-123/">')
    article = parse(head=head, body=story(), url="https://www.example.in/world/real-story-123/?utm_source=x")
    assert article.canonical_url == "https://www.example.in/world/real-story-123/"
    assert article.amp_url == "https://www.example.in/amp/world/real-story-123/"


def test_main_entity_of_page_stands_in_for_a_missing_canonical() -> None:
    head = ld({"@type": "NewsArticle", "headline": "x", "mainEntityOfPage": "https://www.example.in/a/b-1/"})
    article = parse(head=head, body=story(), url="https://m.example.in/a/b-1/?ref=home")
    assert article.canonical_url == "https://www.example.in/a/b-1/"


@pytest.mark.parametrize("crumbs", [
    ld({"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "होम"}, {"@type": "ListItem", "position": 2, "name": "विश्व"},
        {"@type": "ListItem", "position": 3, "name": "रूस ने यूक्रेन पर फिर हमला किया, कई इमारतें तबाह हुईं, राहत कार्य जारी"}]}),
    '<nav class="breadcrumb"><a href="/">Home</a> › <a href="/world">विश्व</a></nav>',
], ids=["jsonld", "nav"])
def test_section_from_breadcrumbs(crumbs: str) -> None:
    assert parse(head=crumbs, body=crumbs + story()).section == "विश्व"


def test_a_bad_jsonld_date_falls_back_to_the_meta_date_without_counting_a_problem() -> None:
    head = (ld({"@type": "NewsArticle", "headline": "x", "datePublished": "कभी कभी"})
            + '<meta property="article:published_time" content="2023-09-13T16:28:00+05:30">')
    article = parse(head=head, body=story())
    assert article.published_at == "2023-09-13T16:28:00+05:30"
    assert article.problems == []


def test_site_selector_date_comes_first_then_the_generic_ones() -> None:
    head = '<meta property="article:published_time" content="2023-09-12T10:00:00+05:30">'
    body = '<span class="date">13 सितंबर 2023, 04:28 PM IST</span>' + story()
    assert parse(head=head, body=body, fields=SiteFields(published=".date")).published_at == "2023-09-13T16:28:00+05:30"
    assert parse(head=head, body=body).published_at == "2023-09-12T10:00:00+05:30"


def test_discovery_hints_fill_only_what_the_page_lacks() -> None:
    hints = {"title": "साइटमैप का शीर्षक", "published": "2023-09-13T16:28:00+05:30", "tags": ["रूस"],
             "section": "विश्व"}
    article = parse(head='<meta property="og:title" content="पेज का शीर्षक">', body=story(), hints=hints)
    assert (article.title, article.published_at, article.tags, article.section) == (
        "पेज का शीर्षक", "2023-09-13T16:28:00+05:30", ["रूस"], "विश्व")
    assert article.sources["tags"] == "hint" and article.sources["title"] == "generic"


def test_an_author_that_is_just_the_site_is_no_author() -> None:
    head = ld({"@type": "NewsArticle", "headline": "x", "author": [{"@type": "Person", "name": "aajtak.in"},
                                                                    {"@type": "Person", "name": "सुमित कुमार"}]})
    assert parse(head=head, body=story(), url="https://www.aajtak.in/world/story/x-1-2023-09-13").authors == [
        "सुमित कुमार"]


def test_language_falls_back_from_html_lang_to_og_locale() -> None:
    html = ('<html><head><meta property="og:locale" content="hi_IN"><meta property="og:title" content="x"></head>'
            f'<body>{story()}</body></html>')
    page = Page(url="https://www.example.in/a/", html=html, site="x", fetched_at="2023-09-14T00:00:00Z")
    assert build_article(page, None).language == "hi"


@pytest.mark.parametrize("html", ["", "<html>", "<<<>>>", "\x00\x01", "<html><body><p>", "<p>" * 5000])
def test_broken_html_never_raises(html: str) -> None:
    page = Page(url="https://www.example.in/a/", html=html or " ", site="x", fetched_at="2023-09-14T00:00:00Z")
    article = build_article(page, None)
    assert isinstance(article.body, list)


def test_a_page_without_story_text_gets_no_body_from_the_page_around_it() -> None:
    body = ("<main><div class='ticker'>लाइव न्यूज़</div><article><h1>शीर्षक</h1><h2>सार का पाठ</h2>"
            "<div class='story-body'><div class='ad-slot'></div></div></article>"
            "<section><h3>अधिक खबरें</h3><ul><li><a href='/a'>दूसरी खबर</a></li></ul></section></main>")
    assert parse(body=body).body == []


def test_a_headline_cut_to_fit_jsonld_limits_gives_way_to_the_whole_one() -> None:
    whole = "रूस-यूक्रेन युद्ध: कीव पर रातभर ड्रोन हमले, बिजली संयंत्र को नुकसान, कई इलाकों में अंधेरा"
    head = (ld({"@type": "NewsArticle", "headline": whole[:40] + "..."})
            + f'<meta property="og:title" content="{whole} - Example News">'
            + '<meta property="og:site_name" content="Example News">')
    assert parse(head=head, body=story()).title == whole
    head = ld({"@type": "NewsArticle", "headline": "पूरा शीर्षक..."}) + '<meta property="og:title" content="दूसरा">'
    assert parse(head=head, body=story()).title == "पूरा शीर्षक..."

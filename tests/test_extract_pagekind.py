"""Pages that are not articles are recognised; articles with a video, a banner or a CDN script are not."""

from __future__ import annotations

import json

import pytest

from crawler.extract.fields import build_article
from crawler.items import Page

STORY = "".join(f"<p>{n}. {'यह खबर का एक लंबा अनुच्छेद है जिसमें असली समाचार लिखा गया है। ' * 4}</p>" for n in range(4))
SHORT = "<p>दो पंक्तियों का विवरण।</p>"


def kind(body: str = "", head: str = "", title: str = "शीर्षक",
         url: str = "https://www.example.in/india/story-1/") -> str:
    html = f"<html lang='hi'><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    return build_article(Page(url=url, html=html, site="x", fetched_at="2023-09-14T00:00:00Z"), None).page_kind


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


NEWS = ld({"@type": "NewsArticle", "headline": "शीर्षक"})


@pytest.mark.parametrize(("title", "body"), [
    ("Just a moment...", "<div id='challenge-body-text'>checking</div>"),
    ("Attention Required! | Cloudflare", "<p>Sorry, you have been blocked</p>"),
    ("Access Denied", "<h1>Access Denied</h1><p>Reference #18.5c2e1ab8.1694600000.9d3e</p>"),
    ("www.example.in", "<script src='https://ct.captcha-delivery.com/c.js'></script><p>Please enable JS</p>"),
    ("www.example.in", "<iframe src='/_Incapsula_Resource?CWUDNSAI=23'></iframe>"),
    ("Pardon Our Interruption", "<p>Something about your browser made us think you were a bot.</p>"),
])
def test_bot_challenges(title: str, body: str) -> None:
    assert kind(body, title=title) == "challenge"


def test_consent_wall() -> None:
    body = ("<div class='sp_message_container'><h2>We value your privacy</h2><p>We and our partners store and/or "
            "access information on a device, such as cookies.</p><button>Accept</button></div>")
    assert kind(body, title="Zee News") == "consent"


def test_article_with_a_cookie_banner_and_a_cloudflare_script_is_an_article() -> None:
    body = ("<div class='cookie-consent'><p>We value your privacy</p></div><article>" + STORY + "</article>"
            "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>")
    assert kind(body, head=NEWS) == "article"


def test_short_news_brief_with_article_data_is_an_article() -> None:
    assert kind("<article>" + SHORT + "</article>", head=NEWS) == "article"


def test_live_blog() -> None:
    head = ld({"@type": "LiveBlogPosting", "headline": "LIVE", "liveBlogUpdate": [{"@type": "BlogPosting"}]})
    assert kind(STORY, head=head) == "liveblog"


def test_live_blog_in_microdata() -> None:
    assert kind(f"<div itemscope itemtype='https://schema.org/LiveBlogPosting'>{STORY}</div>") == "liveblog"


def test_video_page_by_its_data() -> None:
    head = ld({"@type": "VideoObject", "name": "वीडियो", "contentUrl": "https://v/x.m3u8"})
    assert kind(SHORT, head=head) == "video"
    assert kind(SHORT, head='<meta property="og:type" content="video.other">') == "video"


def test_article_with_an_embedded_video_is_an_article() -> None:
    video = ld({"@type": "VideoObject", "name": "वीडियो"})
    assert kind(STORY, head=video + NEWS) == "article"
    assert kind(STORY, head=video) == "article"


@pytest.mark.parametrize(("path", "expected"), [
    ("/videos/video/some-report-1771301-2023-09-13", "video"),
    ("/india/videoshow/103367512.cms", "video"),
    ("/photo-gallery/india-news/nipah-photos-2023-09-13", "gallery"),
    ("/hindi/photos/top-10-pictures/2595301", "gallery"),
    ("/india/live-updates/g20-day-2", "liveblog"),
    ("/india/video-of-the-day-story-1234567", "article"),  # "video" inside a slug is not a video page
    ("/world/photography-exhibition-story-1234567", "article"),
])
def test_url_segments(path: str, expected: str) -> None:
    assert kind(STORY, head=NEWS, url="https://www.example.in" + path) == expected


def test_gallery_by_its_data_even_with_long_captions() -> None:
    head = ld({"@type": "ImageGallery", "name": "तस्वीरें"})
    assert kind(STORY, head=head) == "gallery"


def test_gallery_by_its_shape() -> None:
    figures = "".join(f"<figure><img src='{i}.jpg'><figcaption>तस्वीर {i}</figcaption></figure>" for i in range(8))
    assert kind(figures + SHORT) == "gallery"


def test_section_listing_reached_as_an_article() -> None:
    head = ld({"@type": "CollectionPage", "name": "विश्व समाचार"})
    cards = "".join(f"<li><a href='/world/story-{i}/'>खबर {i}</a></li>" for i in range(20))
    assert kind(f"<ul>{cards}</ul>{SHORT}", head=head) == "listing"

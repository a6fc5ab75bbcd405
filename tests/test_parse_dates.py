"""Dates on parsed pages: the page's offset kept, UTC beside it, implausible dates rejected and counted."""

from __future__ import annotations

import json

from crawler.extract.fields import build_article
from crawler.items import Page


def page(published: str, modified: str = "", visible: str = "") -> Page:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "परीक्षण शीर्षक",
          "articleBody": "पहला अनुच्छेद।"}
    if published:
        ld["datePublished"] = published
    if modified:
        ld["dateModified"] = modified
    html = (f'<html lang="hi"><head><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}'
            f'</script></head><body><h1>परीक्षण शीर्षक</h1><div class="byline">{visible}</div>'
            '<article><p>पहला अनुच्छेद।</p></article></body></html>')
    return Page(url="https://example.in/a/", html=html, site="example", fetched_at="2024-06-01T06:30:00Z")


def test_offset_kept_and_utc_beside_it() -> None:
    article = build_article(page("2024-05-31T23:45:00+05:30", "2024-06-01T08:00:00+05:30"), None)
    assert article.published_at == "2024-05-31T23:45:00+05:30"
    assert article.published_utc == "2024-05-31T18:15:00Z"
    assert article.updated_at == "2024-06-01T08:00:00+05:30"


def test_date_without_zone_is_india_time() -> None:
    article = build_article(page("2024-05-31 23:45:00"), None)
    assert article.published_at == "2024-05-31T23:45:00+05:30"


def test_future_date_is_rejected_and_named() -> None:
    article = build_article(page("2031-01-01T10:00:00+05:30"), None)
    assert article.published_at is None and article.published_utc is None
    assert "implausible_date/published" in article.problems


def test_date_before_1990_is_rejected() -> None:
    article = build_article(page("1970-01-01T00:00:00Z"), None)
    assert article.published_at is None
    assert "implausible_date/published" in article.problems


def test_unreadable_date_is_counted_not_guessed() -> None:
    article = build_article(page("कभी कभी"), None)
    assert article.published_at is None
    assert "unparsed_date/published" in article.problems

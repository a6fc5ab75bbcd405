"""The parser reads the sample site's page of the seed article into exactly the spec's fields."""

from __future__ import annotations

import pytest

from crawler.extract.fields import build_article
from crawler.items import Page
from spiders.lokmat import LokmatSpider
from tests.sitefacts import seed_page, seed_spec

FIELDS = ("title", "authors", "published_at", "section", "summary", "highlights", "dateline", "body", "tags",
          "site", "language")


@pytest.fixture(scope="module")
def parsed():  # type: ignore[no-untyped-def]
    page = seed_page()
    html = page.read_text(encoding="utf-8")
    return build_article(Page(url="https://www.lokmatnews.in/x/", html=html, site="lokmat",
                              fetched_at="2024-06-01T00:00:00Z"), LokmatSpider.fields)


@pytest.mark.parametrize("name", FIELDS)
def test_field_equals_spec(parsed, name: str) -> None:  # type: ignore[no-untyped-def]
    assert getattr(parsed, name) == seed_spec()[name]


@pytest.mark.parametrize("block", ["related", "more_from_section"])
def test_link_blocks_equal_spec(parsed, block: str) -> None:  # type: ignore[no-untyped-def]
    expected = seed_spec()[block]
    got = [{key: link[key] for key in ("category", "title")} for link in getattr(parsed, block)]
    assert got == expected
    assert all(link["url"].startswith("https://www.lokmatnews.in/") for link in getattr(parsed, block))


def test_page_chrome_is_in_no_field(parsed) -> None:  # type: ignore[no-untyped-def]
    values = [parsed.title, parsed.summary, parsed.dateline, parsed.section, *parsed.body, *parsed.highlights,
              *parsed.tags, *parsed.authors, *(link["title"] for link in parsed.related + parsed.more_from_section)]
    for chrome in seed_spec()["not_in_any_field"]:
        assert all(value != chrome and not value.startswith(chrome) for value in values), chrome


def test_published_utc_is_the_same_instant(parsed) -> None:  # type: ignore[no-untyped-def]
    # 16:28 IST is 10:58 UTC: the offset is +05:30, not Israel's.
    assert parsed.published_utc == "2023-09-13T10:58:00Z"


def test_canonical_url_comes_from_the_page(parsed) -> None:  # type: ignore[no-untyped-def]
    assert parsed.canonical_url.startswith("https://www.lokmatnews.in/international/")
    assert parsed.canonical_url.endswith("/")

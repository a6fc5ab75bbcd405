"""Canonical URLs and identity keys: every URL form of one story gives one key; different stories never share one."""

from __future__ import annotations

import pytest

from crawler.text.urls import (
    _normalize_url,
    canonical_url,
    host_key,
    normalize_url,
    rebase,
    resource_url,
    same_site,
    unbase,
    url_key,
)

STORY = "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/"
STORY_KEY = "lokmatnews.in/international/kim-jong-un-meets-putin-b1507312"

SAME_STORY = [
    STORY,
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312",  # no trailing slash
    "http://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # http
    "HTTPS://WWW.LOKMATNEWS.IN/international/kim-jong-un-meets-putin-b1507312/",  # upper-case scheme and host
    "https://lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # no www
    "https://m.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # mobile host
    "https://mobile.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",
    "https://amp.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # AMP host
    "https://www.lokmatnews.in:443/international/kim-jong-un-meets-putin-b1507312/",  # default port
    "http://www.lokmatnews.in:80/international/kim-jong-un-meets-putin-b1507312/",
    "https://www.lokmatnews.in/amp/international/kim-jong-un-meets-putin-b1507312/",  # AMP prefix
    "https://www.lokmatnews.in/international/amp/kim-jong-un-meets-putin-b1507312/",  # AMP segment
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/amp/",  # AMP suffix
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/amp",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?amp",  # AMP parameter
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?amp=1",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?outputType=amp",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/"
    "?utm_source=twitter&utm_medium=social&utm_campaign=share",  # tracking
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?fbclid=IwAR0abc",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?gclid=xyz&ref=home",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?from=mdr&src=rss",
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?UTM_Source=x",  # case
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/#comments",  # fragment
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/index.html",
    "https://www.lokmatnews.in//international//kim-jong-un-meets-putin-b1507312/",  # doubled slashes
    "  https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/  ",  # whitespace
    "//www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # scheme-relative
    "https://www-lokmatnews-in.cdn.ampproject.org/c/s/www.lokmatnews.in/amp/international/"
    "kim-jong-un-meets-putin-b1507312/",  # Google AMP cache
    "https://m.lokmatnews.in/amp/international/kim-jong-un-meets-putin-b1507312/?utm_source=wa#top",  # all at once
]


@pytest.mark.parametrize("url", SAME_STORY)
def test_every_form_of_one_story_has_one_key(url: str) -> None:
    assert url_key(url) == STORY_KEY


DIFFERENT = [
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507313/",  # another id
    "https://www.lokmatnews.in/india/kim-jong-un-meets-putin-b1507312/",  # another path
    "https://hindi.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/",  # another subdomain
    "https://www.lokmatnews.com/international/kim-jong-un-meets-putin-b1507312/",  # another domain
    "https://www.lokmatnews.in:8443/international/kim-jong-un-meets-putin-b1507312/",  # another port
    "https://www.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/?page=2",  # a real parameter
    "https://www.lokmatnews.in/international/example-b1507312/",
]


@pytest.mark.parametrize("url", DIFFERENT)
def test_different_pages_keep_different_keys(url: str) -> None:
    assert url_key(url) != STORY_KEY


@pytest.mark.parametrize(("url", "stored"), [
    # The stored form keeps the scheme and the site's www, and folds mobile/AMP hosts to www.
    (STORY + "?utm_source=tw#x", STORY),
    ("https://m.lokmatnews.in/international/kim-jong-un-meets-putin-b1507312/", STORY),
    ("https://www.lokmatnews.in/amp/international/kim-jong-un-meets-putin-b1507312/", STORY),
    ("https://lokmatnews.in/a-b1/", "https://lokmatnews.in/a-b1/"),
    ("http://127.0.0.1:8808/a-b1/?utm_medium=x", "http://127.0.0.1:8808/a-b1/"),
    # Remaining parameters are sorted; only the tracking ones go.
    ("https://www.bhaskar.com/a/b.html?b=2&a=1&fbclid=zz", "https://www.bhaskar.com/a/b.html?a=1&b=2"),
    ("https://www.bbc.com/hindi/articles/c1?at_medium=RSS&at_campaign=KARANGA", "https://www.bbc.com/hindi/articles/c1"),
    ("https://x.in/story?id=5&outputType=amp", "https://x.in/story?id=5"),
    ("https://x.in/story?output=html", "https://x.in/story?output=html"),  # not AMP: kept
    # Site AMP conventions: NDTV /amp/1, Times group amp_articleshow, .amp.html.
    ("https://ndtv.in/world-news/story-123/amp/1", "https://ndtv.in/world-news/story-123"),
    ("https://navbharattimes.indiatimes.com/world/amp_articleshow/123.cms?from=mdr",
     "https://navbharattimes.indiatimes.com/world/articleshow/123.cms"),
    ("https://www.livehindustan.com/n/story-1.amp.html", "https://www.livehindustan.com/n/story-1.html"),
    # Words that merely contain "amp" are not AMP forms.
    ("https://x.in/campaign/amplifier-b1/", "https://x.in/campaign/amplifier-b1/"),
    ("https://x.in/news/example.ampersand", "https://x.in/news/example.ampersand"),
])
def test_stored_form(url: str, stored: str) -> None:
    assert normalize_url(url) == stored


@pytest.mark.parametrize("url", [*SAME_STORY, *DIFFERENT, "https://www.jagran.com/समाचार/खबर-123.html",
                                 "https://www.bhaskar.com/a/b.html?b=2&a=1&fbclid=zz"])
def test_normalizing_a_normal_form_changes_nothing(url: str) -> None:
    """normalize_url remembers each result as its own normal form: that is only right if normalizing is
    idempotent, checked here without the cache."""
    normal = _normalize_url(url)
    assert _normalize_url(normal) == normal
    assert normalize_url(url) == normal == normalize_url(normal)


def test_devanagari_paths_raw_or_percent_encoded_are_one_url() -> None:
    raw = "https://www.jagran.com/समाचार/खबर-123.html"
    encoded = ("https://www.jagran.com/%e0%a4%b8%e0%a4%ae%e0%a4%be%e0%a4%9a%e0%a4%be%e0%a4%b0/"
               "%E0%A4%96%E0%A4%AC%E0%A4%B0-123.html")
    assert normalize_url(raw) == normalize_url(encoded)
    assert url_key(raw) == url_key(encoded) == url_key(raw.replace("www.", "m."))
    assert normalize_url(raw).isascii()


def test_a_bad_port_does_not_raise() -> None:
    assert url_key("https://x.in:notaport/a-b1/") == "x.in/a-b1"


@pytest.mark.parametrize(("fetched", "declared", "expected"), [
    # Same-site canonical wins, absolute or relative.
    ("https://www.lokmatnews.in/amp/international/x-b1/", STORY, STORY),
    ("https://www.lokmatnews.in/amp/international/x-b1/", "/international/x-b1/",
     "https://www.lokmatnews.in/international/x-b1/"),
    ("https://m.lokmatnews.in/international/x-b1/", "https://www.lokmatnews.in/international/x-b1/?utm_source=a",
     "https://www.lokmatnews.in/international/x-b1/"),
    # Another site's canonical is not trusted: it could fold two sites' stories into one.
    ("https://www.bhaskar.com/a-1.html", "https://www.lokmatnews.in/international/x-b1/",
     "https://www.bhaskar.com/a-1.html"),
    # A canonical pointing to the home page from an article is a template bug.
    ("https://www.lokmatnews.in/international/x-b1/", "https://www.lokmatnews.in/",
     "https://www.lokmatnews.in/international/x-b1/"),
    # None, empty, or not http(s): the fetched URL, normalized.
    ("https://www.lokmatnews.in/international/x-b1/?utm_source=a", None, "https://www.lokmatnews.in/international/x-b1/"),
    ("https://www.lokmatnews.in/international/x-b1/", "  ", "https://www.lokmatnews.in/international/x-b1/"),
    ("https://www.lokmatnews.in/international/x-b1/", "javascript:void(0)",
     "https://www.lokmatnews.in/international/x-b1/"),
])
def test_canonical_url(fetched: str, declared: str | None, expected: str) -> None:
    assert canonical_url(fetched, declared) == expected


def test_same_site_folds_prefixes_but_not_ports_or_subdomains() -> None:
    assert same_site("https://m.lokmatnews.in/a", "http://www.lokmatnews.in/b")
    assert same_site("https://amp.lokmatnews.in/a", "https://lokmatnews.in/")
    assert not same_site("https://hindi.news18.com/a", "https://www.news18.com/a")
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a")
    assert host_key("https://www.x.in:443/a") == "x.in"
    assert host_key("http://127.0.0.1:8001/a") == "127.0.0.1:8001"


def test_resource_url_keeps_amp_and_query_but_not_fragment() -> None:
    assert resource_url(STORY + "amp/?b=1&a=2#x") == STORY + "amp/?a=2&b=1"


def test_rebase_and_unbase_are_inverse() -> None:
    local, real = "http://127.0.0.1:8808", "https://www.lokmatnews.in"
    assert rebase(local + "/international/x-b1/", local, real) == real + "/international/x-b1/"
    assert rebase(local, local, real) == real + "/"
    assert rebase("https://other.in/a", local, real) == "https://other.in/a"
    assert unbase(real + "/international/x-b1/", local, real) == local + "/international/x-b1/"
    assert unbase("https://lokmatnews.in/international/x-b1/", local, real) == local + "/international/x-b1/"

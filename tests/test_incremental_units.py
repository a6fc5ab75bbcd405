"""SkipKnownMiddleware and ConditionalRequestMiddleware with hand-built requests and responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.components.addon import KhabarAddon
from crawler.components.conditional import VALIDATORS_META, ConditionalRequestMiddleware
from crawler.components.skip_known import SkipKnownMiddleware
from crawler.components.throttle import NotModifiedAwareAutoThrottle
from crawler.items import Article, Page, Validators
from crawler.store.articles import ArticleStore
from tests.test_dedup import make_crawler

LOCAL, REAL = "http://127.0.0.1:8808", "https://www.lokmatnews.in"
PATH = "/international/kim-b1507312/"


class LocalSpider(Spider):
    name = "lokmat"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.skip_known = kwargs.get("skip_known", True)

    def real_url(self, url: str) -> str:
        return url.replace(LOCAL, REAL)


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = make_crawler(tmp_path)
    yield crawler
    KhabarAddon.of(crawler).store.close()


def store_of(crawler: Crawler) -> ArticleStore:
    return KhabarAddon.of(crawler).store


def stored(crawler: Crawler, first_seen: str) -> int:
    url = REAL + PATH
    item = Article(url=url, canonical_url=url, site="lokmat", fetched_at=first_seen, title="किम",
                   body=["किम जोंग उन ने पुतिन से मुलाकात की और दोनों देशों के बीच सहयोग पर चर्चा हुई।"], content_hash="h")
    return store_of(crawler).insert(item, first_seen)


def article_request(path: str = PATH, **meta: Any) -> Request:
    return Request(LOCAL + path, meta={"khabar_kind": "article", **meta})


def stat(crawler: Crawler, key: str) -> int:
    return crawler.stats.get_value(key, 0)  # type: ignore[union-attr]


# --- SkipKnownMiddleware ----------------------------------------------------------------------------

def test_an_unknown_article_is_fetched(crawler: Crawler) -> None:
    assert SkipKnownMiddleware.from_crawler(crawler).process_request(article_request(), LocalSpider()) is None


def test_a_known_article_outside_the_window_is_skipped_and_counted(crawler: Crawler) -> None:
    stored(crawler, "2020-01-01T00:00:00Z")
    middleware = SkipKnownMiddleware.from_crawler(crawler)
    for variant in (PATH, PATH + "?utm_source=x", "/amp" + PATH, PATH.rstrip("/")):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(article_request(variant), LocalSpider())
    assert stat(crawler, "khabar/skipped/known") == 4


def test_a_recent_article_is_rechecked(crawler: Crawler) -> None:
    article_id = stored(crawler, "2999-01-01T00:00:00Z")  # first seen "now" as far as the window goes
    request = article_request()
    assert SkipKnownMiddleware.from_crawler(crawler).process_request(request, LocalSpider()) is None
    assert request.meta["khabar_article_id"] == article_id
    assert stat(crawler, "khabar/recheck/fetched") == 1


def test_recheck_argument_sets_the_window(crawler: Crawler) -> None:
    stored(crawler, "2020-01-01T00:00:00Z")
    wide = LocalSpider(recheck="100000d")
    assert SkipKnownMiddleware.from_crawler(crawler).process_request(article_request(), wide) is None
    with pytest.raises(IgnoreRequest):
        SkipKnownMiddleware.from_crawler(crawler).process_request(article_request(), LocalSpider(recheck="0s"))


def test_a_bad_recheck_argument_is_reported_and_the_configured_window_used(crawler: Crawler,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    stored(crawler, "2020-01-01T00:00:00Z")  # outside the configured 6 h window: skipped under it
    with pytest.raises(IgnoreRequest):
        SkipKnownMiddleware.from_crawler(crawler).process_request(article_request(), LocalSpider(recheck="soon"))
    assert stat(crawler, "khabar/errors/bad_argument/recheck") == 1
    assert "-a recheck=soon is not a duration" in caplog.text


def test_skip_known_false_and_listing_pages_always_pass(crawler: Crawler) -> None:
    stored(crawler, "2020-01-01T00:00:00Z")
    middleware = SkipKnownMiddleware.from_crawler(crawler)
    assert middleware.process_request(article_request(), LocalSpider(skip_known=False)) is None
    for kind in ("listing", "sitemap", "feed"):
        assert middleware.process_request(Request(LOCAL + PATH, meta={"khabar_kind": kind}), LocalSpider()) is None


# --- ConditionalRequestMiddleware -------------------------------------------------------------------

HEADERS = {"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT", "Content-Type": "text/html; charset=utf-8"}
LISTING_HTML = f'<html><body><a href="{PATH}">किम</a></body></html>'.encode()


def test_a_listing_page_is_revalidated_and_a_304_replays_the_stored_copy(crawler: Crawler) -> None:
    middleware, spider = ConditionalRequestMiddleware.from_crawler(crawler), LocalSpider()
    first = Request(LOCAL + "/international/", meta={"khabar_kind": "listing"})
    assert middleware.process_request(first, spider) is None and b"If-None-Match" not in first.headers
    response = HtmlResponse(first.url, body=LISTING_HTML, headers=HEADERS, request=first)
    middleware.process_response(first, response, spider)

    again = Request(LOCAL + "/international/", meta={"khabar_kind": "listing"})
    middleware.process_request(again, spider)
    assert again.headers[b"If-None-Match"] == b'"v1"'
    assert again.headers[b"If-Modified-Since"] == HEADERS["Last-Modified"].encode()
    replayed = middleware.process_response(again, Response(again.url, status=304, request=again), spider)
    assert isinstance(replayed, TextResponse) and replayed.status == 200 and replayed.body == LISTING_HTML
    assert replayed.css("a::attr(href)").get() == PATH
    assert stat(crawler, "khabar/not_modified/listing") == 1


def test_a_304_for_a_stored_article_is_unchanged(crawler: Crawler) -> None:
    article_id = stored(crawler, "2999-01-01T00:00:00Z")
    store = store_of(crawler)
    store.db.execute("UPDATE articles SET last_seen_at = 'old'")
    middleware, spider = ConditionalRequestMiddleware.from_crawler(crawler), LocalSpider()
    first = article_request(khabar_article_id=article_id)
    middleware.process_response(first, HtmlResponse(first.url, body=b"<html></html>", headers=HEADERS), spider)
    note = first.meta[VALIDATORS_META]  # travels with the page until the article is stored with it
    store.save_validators(REAL + PATH, note, "t")

    again = article_request(khabar_article_id=article_id)
    middleware.process_request(again, spider)
    assert again.meta.get("khabar_conditional") and again.headers[b"If-None-Match"] == b'"v1"'
    with pytest.raises(IgnoreRequest):
        middleware.process_response(again, Response(again.url, status=304, request=again), spider)
    assert stat(crawler, "khabar/articles/unchanged") == 1
    assert store.get(article_id)["last_seen_at"] != "old"


def test_validators_of_an_unstored_article_are_not_used(crawler: Crawler) -> None:
    """If a crash lost the article but not its validators, a 304 would hide the page forever: don't ask."""
    middleware, spider = ConditionalRequestMiddleware.from_crawler(crawler), LocalSpider()
    store = store_of(crawler)
    request = article_request()
    middleware.process_response(request, HtmlResponse(request.url, body=b"<html></html>", headers=HEADERS), spider)
    store.save_validators(REAL + PATH, request.meta[VALIDATORS_META], "t")
    again = article_request()
    middleware.process_request(again, spider)
    assert b"If-None-Match" not in again.headers


def test_a_dropped_page_is_remembered_and_asked_about_conditionally(crawler: Crawler) -> None:
    middleware, spider = ConditionalRequestMiddleware.from_crawler(crawler), LocalSpider()
    request = article_request()
    middleware.process_response(request, HtmlResponse(request.url, body=b"<html></html>", headers=HEADERS), spider)
    page = Page(url=REAL + PATH, html="", site="lokmat", fetched_at="t", validators=request.meta[VALIDATORS_META])
    middleware.item_dropped(page)
    assert store_of(crawler).validators(REAL + PATH).kind == "dropped"  # type: ignore[union-attr]
    again = article_request()
    middleware.process_request(again, spider)
    assert again.headers[b"If-None-Match"] == b'"v1"'
    with pytest.raises(IgnoreRequest):
        middleware.process_response(again, Response(again.url, status=304, request=again), spider)
    assert stat(crawler, "khabar/not_modified/dropped") == 1


def test_skip_known_false_sends_no_conditional_headers(crawler: Crawler) -> None:
    article_id = stored(crawler, "2999-01-01T00:00:00Z")
    store_of(crawler).save_validators(REAL + PATH, Validators(etag='"v1"', kind="article"), "t")
    request = article_request(khabar_article_id=article_id)
    ConditionalRequestMiddleware.from_crawler(crawler).process_request(request, LocalSpider(skip_known=False))
    assert b"If-None-Match" not in request.headers


def test_redirects_become_aliases(crawler: Crawler) -> None:
    middleware, spider = ConditionalRequestMiddleware.from_crawler(crawler), LocalSpider()
    request = article_request(redirect_urls=[LOCAL + "/s/abc"])
    middleware.process_response(request, HtmlResponse(request.url, body=b"<html></html>"), spider)
    assert request.meta[VALIDATORS_META].aliases == [REAL + "/s/abc"]


def test_autothrottle_lets_a_304_lower_the_delay(crawler: Crawler) -> None:
    class Slot:
        delay = 5.0

    throttle = NotModifiedAwareAutoThrottle.__new__(NotModifiedAwareAutoThrottle)
    throttle.target_concurrency, throttle.mindelay, throttle.maxdelay = 4.0, 0.0, 60.0
    throttle.start_delay = 0.1
    slot = Slot()  # measured already (not at the start delay): the usual averaging applies
    throttle._adjust_delay(slot, 0.01, Response("http://x/", status=304))
    assert 0.01 / 4 < slot.delay < 5.0
    slot.delay = 5.0
    throttle._adjust_delay(slot, 0.01, Response("http://x/", status=404))  # errors still never speed it up
    assert slot.delay == 5.0


def test_autothrottle_first_measurement_replaces_the_start_delay() -> None:
    class Slot:
        delay = 0.1  # AUTOTHROTTLE_START_DELAY

    throttle = NotModifiedAwareAutoThrottle(get_crawler(settings_dict={"AUTOTHROTTLE_ENABLED": True,
                                                                       "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0}))
    throttle.mindelay, throttle.maxdelay, throttle.start_delay = 0.0, 60.0, 0.1  # what opening the spider sets
    fast, slow, missing = Slot(), Slot(), Slot()
    throttle._adjust_delay(missing, 0.002, Response("http://x/robots.txt", status=404))  # no robots.txt: no speed-up
    assert missing.delay == 0.1
    throttle._adjust_delay(fast, 0.002, Response("http://x/robots.txt", status=200))
    assert fast.delay == 0.002 / 4  # Scrapy's own averaging would give 0.05
    throttle._adjust_delay(fast, 0.002, Response("http://x/page", status=200))
    assert fast.delay == 0.002 / 4  # from then on, as Scrapy adjusts it
    throttle._adjust_delay(slow, 2.0, Response("http://x/robots.txt", status=200))
    assert slow.delay == 0.5  # a slow server raises it at once, as before

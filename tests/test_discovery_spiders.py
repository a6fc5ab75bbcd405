"""Site spiders and the feed spider turning sitemaps and feeds into requests (hand-built responses)."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.components.site import SiteSpider
from spiders.feed import FeedSpider
from spiders.lokmat import LokmatSpider

LOCAL = "http://127.0.0.1:8999"
ORIGIN = "https://www.lokmatnews.in"
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def make_spider(cls: type[scrapy.Spider], **kwargs: Any) -> Any:
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def stat(spider: Any, key: str) -> int:
    return spider.crawler.stats.get_value("khabar/discovery/" + key, 0)


def start_requests(spider: Any) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]
    return asyncio.run(collect())


def xml(url: str, body: str | bytes, meta: dict[str, Any] | None = None) -> XmlResponse:
    data = body.encode() if isinstance(body, str) else body
    return XmlResponse(url, body=data, request=Request(url, meta=meta or {"khabar_kind": "sitemap"}))


def news_entry(url: str, published: str, title: str = "शीर्षक") -> str:
    return (f"<url><loc>{url}</loc><news:news><news:publication_date>{published}</news:publication_date>"
            f"<news:title>{title}</news:title><news:keywords>रूस, यूक्रेन</news:keywords></news:news></url>")


ARTICLE_A = f"{ORIGIN}/international/russia-ukraine-talks-b1600001/"
ARTICLE_B = f"{ORIGIN}/india/monsoon-arrives-kerala-b1600002/"
ARTICLE_OLD = f"{ORIGIN}/india/old-story-b1500003/"


def news_sitemap(*entries: str) -> str:
    return f'<?xml version="1.0"?><urlset {SM} {NEWS}>{"".join(entries)}</urlset>'


# ---------------------------------------------------------------- start points


def test_site_spider_starts_from_its_sitemaps_feeds_and_listings_on_the_local_copy() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL + "/")
    requests = start_requests(spider)
    kinds = [(r.url, r.meta["khabar_kind"]) for r in requests]
    assert (LOCAL + "/news-sitemap.xml", "sitemap") in kinds
    assert (LOCAL + "/sitemap.xml", "sitemap") in kinds
    assert (LOCAL + "/rss/international.xml", "feed") in kinds
    assert (LOCAL + "/", "listing") in kinds
    discovery = [r for r in requests if r.meta["khabar_kind"] in ("sitemap", "feed")]
    assert all(r.callback == spider.parse_discovery for r in discovery)
    assert len(discovery) == len(LokmatSpider.sitemaps) + len(LokmatSpider.feeds) >= 2


def test_a_real_crawl_fetches_the_real_sitemap() -> None:
    requests = start_requests(make_spider(LokmatSpider))
    assert requests[0].url == ORIGIN + "/news-sitemap.xml"


class AbsoluteSite(SiteSpider):
    name = "absolute_site"
    origin = "https://www.example.in"
    sitemaps = ("https://www.example.in/sitemaps/news.xml",)
    feeds = ("http://www.example.in/rss/top.xml",)
    article_path = r"^/news/[a-z-]+-\d+\.html$"


def test_absolute_start_points_are_mapped_onto_the_local_copy() -> None:
    urls = [r.url for r in start_requests(make_spider(AbsoluteSite, base_url=LOCAL))]
    assert urls == [LOCAL + "/sitemaps/news.xml", LOCAL + "/rss/top.xml", LOCAL + "/"]
    assert [r.url for r in start_requests(make_spider(AbsoluteSite))][:2] == list(
        AbsoluteSite.sitemaps + AbsoluteSite.feeds)


# ---------------------------------------------------------------- entries -> requests


def test_news_sitemap_entries_become_article_requests_on_the_local_copy_with_hints() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL)
    body = news_sitemap(news_entry(ARTICLE_A, "2024-06-12T20:15:00+05:30", "वार्ता"),
                        news_entry(ARTICLE_B, "2024-06-13T08:00:00+05:30"),
                        news_entry("https://other.example.com/india/x-b1/", "2024-06-13T08:00:00+05:30"),
                        news_entry(ORIGIN + "/topics/russia/", "2024-06-13T08:00:00+05:30"))
    requests = list(spider.parse_discovery(xml(LOCAL + "/news-sitemap.xml", body)))
    # newest first
    assert [r.url for r in requests] == [LOCAL + "/india/monsoon-arrives-kerala-b1600002/",
                                         LOCAL + "/international/russia-ukraine-talks-b1600001/"]
    assert all(r.meta["khabar_kind"] == "article" and r.callback == spider.parse for r in requests)
    assert requests[1].meta["khabar_hints"] == {"title": "वार्ता", "published": "2024-06-12T20:15:00+05:30",
                                                "tags": ["रूस", "यूक्रेन"]}
    assert (stat(spider, "entries"), stat(spider, "followed"), stat(spider, "offsite"),
            stat(spider, "not_article")) == (4, 2, 1, 1)
    assert stat(spider, "documents/urlset") == 1


def test_since_leaves_older_entries_and_follows_undated_ones() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL, since="2024-06-01")
    body = news_sitemap(news_entry(ARTICLE_A, "2024-06-12T20:15:00+05:30"),
                        news_entry(ARTICLE_OLD, "2024-05-31T23:59:00+05:30"),
                        f"<url><loc>{ARTICLE_B}</loc></url>")
    requests = list(spider.parse_discovery(xml(LOCAL + "/news-sitemap.xml", body)))
    assert sorted(r.url for r in requests) == sorted([LOCAL + "/international/russia-ukraine-talks-b1600001/",
                                                      LOCAL + "/india/monsoon-arrives-kerala-b1600002/"])
    assert stat(spider, "too_old") == 1


def test_since_relative_to_now_drops_everything_older() -> None:
    spider = make_spider(LokmatSpider, since="6h")
    body = news_sitemap(news_entry(ARTICLE_A, "2024-06-12T20:15:00+05:30"))
    assert list(spider.parse_discovery(xml(ORIGIN + "/news-sitemap.xml", body))) == []
    assert stat(spider, "too_old") == 1


def test_sitemap_index_follows_newest_children_within_window_and_bound() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL, max_pages="2", since="2024-03-01")
    children = "".join(f"<sitemap><loc>{ORIGIN}/sitemap-2024-{month:02d}.xml.gz</loc>"
                       f"<lastmod>2024-{month:02d}-28T10:00:00+05:30</lastmod></sitemap>" for month in range(1, 7))
    body = f"<sitemapindex {SM}>{children}<sitemap><loc>{ORIGIN}/sitemap-misc.xml</loc></sitemap></sitemapindex>"
    requests = list(spider.parse_discovery(xml(LOCAL + "/sitemap.xml", body)))
    assert [r.url for r in requests] == [LOCAL + "/sitemap-2024-06.xml.gz", LOCAL + "/sitemap-2024-05.xml.gz"]
    assert all(r.meta["khabar_kind"] == "sitemap" and r.callback == spider.parse_discovery for r in requests)
    # January and February end before the window; March, April and the undated one exceed max_pages=2.
    assert stat(spider, "too_old_sitemaps") == 2
    assert stat(spider, "sitemaps_over_limit") == 3


def test_gzip_file_body_is_decompressed() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL)
    body = gzip.compress(news_sitemap(news_entry(ARTICLE_A, "2024-06-12T20:15:00+05:30")).encode())
    response = Response(LOCAL + "/sitemap-2024-06.xml.gz", body=body,
                        headers={"Content-Type": "application/x-gzip"},
                        request=Request(LOCAL + "/sitemap-2024-06.xml.gz", meta={"khabar_kind": "sitemap"}))
    requests = list(spider.parse_discovery(response))
    assert [r.url for r in requests] == [LOCAL + "/international/russia-ukraine-talks-b1600001/"]


def test_unreadable_document_is_counted_and_yields_nothing() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL)
    page = HtmlResponse(LOCAL + "/news-sitemap.xml", body=b"<html><title>Just a moment...</title></html>",
                        request=Request(LOCAL + "/news-sitemap.xml", meta={"khabar_kind": "sitemap"}))
    assert list(spider.parse_discovery(page)) == []
    assert stat(spider, "unreadable") == 1


def test_rss_feed_entries_follow_the_same_rules() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL)
    body = (f'<rss version="2.0"><channel><item><title>एक</title><link>{ARTICLE_A}</link>'
            f"<pubDate>Wed, 12 Jun 2024 20:15:00 +0530</pubDate><category>विदेश</category></item>"
            f"<item><title>लेखक</title><link>{ORIGIN}/author/neha-gupta/</link></item></channel></rss>")
    requests = list(spider.parse_discovery(xml(LOCAL + "/rss/international.xml", body, {"khabar_kind": "feed"})))
    assert [r.url for r in requests] == [LOCAL + "/international/russia-ukraine-talks-b1600001/"]
    assert requests[0].meta["khabar_hints"]["section"] == "विदेश"
    assert stat(spider, "documents/rss") == 1 and stat(spider, "not_article") == 1


def test_article_page_carries_the_hints_and_the_real_url() -> None:
    spider = make_spider(LokmatSpider, base_url=LOCAL)
    local = LOCAL + "/international/russia-ukraine-talks-b1600001/"
    hints = {"title": "वार्ता", "published": "2024-06-12T20:15:00+05:30"}
    response = HtmlResponse(local, body="<html><h1>वार्ता</h1></html>".encode(), encoding="utf-8",
                            request=Request(local, meta={"khabar_kind": "article", "khabar_hints": hints}))
    pages = [item for item in spider.parse(response) if not isinstance(item, Request)]
    assert len(pages) == 1
    assert pages[0].url == ARTICLE_A and pages[0].site == "lokmat" and pages[0].hints == hints


@pytest.mark.parametrize("value", ["yesterday", "6 hours"])
def test_bad_since_is_one_sentence(value: str) -> None:
    with pytest.raises(ValueError, match="-a since= must be a duration"):
        LokmatSpider(since=value)
    with pytest.raises(ValueError, match="-a since= must be a duration"):
        FeedSpider(url="https://example.in/rss.xml", since=value)


# ---------------------------------------------------------------- the feed spider


def test_feed_spider_needs_http_urls() -> None:
    with pytest.raises(ValueError, match="give one or more sitemap or feed URLs"):
        FeedSpider()
    with pytest.raises(ValueError, match="not an http"):
        FeedSpider(url="https://example.in/rss.xml,file:///etc/passwd")
    with pytest.raises(ValueError, match="max_pages"):
        FeedSpider(url="https://example.in/rss.xml", max_pages="many")


def test_feed_spider_starts_from_every_url_tagged_by_kind() -> None:
    spider = make_spider(FeedSpider, url="https://a.example.in/news-sitemap.xml, https://b.example.in/rss/top.xml")
    requests = start_requests(spider)
    assert [(r.url, r.meta["khabar_kind"]) for r in requests] == [
        ("https://a.example.in/news-sitemap.xml", "sitemap"), ("https://b.example.in/rss/top.xml", "feed")]


def test_feed_spider_follows_any_site_newest_first_up_to_max_pages() -> None:
    spider = make_spider(FeedSpider, url="https://example.in/news-sitemap.xml", max_pages="2")
    body = news_sitemap(news_entry("https://a.example.in/one", "2024-06-10T10:00:00+05:30"),
                        news_entry("https://b.example.org/two.html", "2024-06-12T10:00:00+05:30"),
                        news_entry("https://a.example.in/three", "2024-06-11T10:00:00+05:30"))
    requests = list(spider.parse_discovery(xml("https://example.in/news-sitemap.xml", body)))
    assert [r.url for r in requests] == ["https://b.example.org/two.html", "https://a.example.in/three"]
    assert all(r.meta["khabar_kind"] == "article" for r in requests)
    assert stat(spider, "over_limit") == 1
    # The same story in a second feed is neither fetched twice nor counted against the bound twice.
    again = list(spider.parse_discovery(xml("https://example.in/rss.xml", news_sitemap(
        news_entry("https://b.example.org/two.html", "2024-06-12T10:00:00+05:30")))))
    assert again == [] and stat(spider, "listed_twice") == 1


def test_feed_spider_page_is_named_after_its_host() -> None:
    spider = make_spider(FeedSpider, url="https://example.in/rss.xml")
    url = "https://www.amarujala.com/india-news/story-2024"
    response = HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={"khabar_hints": {"title": "t"}}))
    (page,) = list(spider.parse(response))
    assert page.site == "amarujala.com" and page.url == url and page.hints == {"title": "t"}

"""End to end: ``scrapy crawl feed`` against sitemaps and feeds served on 127.0.0.1.

A copy of the sample site gets discovery documents whose URLs point at the loopback
server: a gzipped sitemap index with a recent and an old child, a news sitemap, an RSS
feed that repeats one story, and an HTML page where a feed should be.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crawler.app.sample_server import SAMPLE_SITE, SampleSite
from tests.conftest import REPO, rows, run_scrapy
from tests.localsite import LOKMAT_ORIGIN, local_path, own_date, sample_site_pages

pytestmark = pytest.mark.e2e

SINCE = "2024-01-01"


def news_sitemap(entries: list[tuple[str, str]]) -> str:
    urls = "".join(f"<url><loc>{url}</loc>" + (f"<news:news><news:publication_date>{date}</news:publication_date>"
                                               "</news:news>" if date else "") + "</url>" for url, date in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


def rss(entries: list[tuple[str, str]]) -> str:
    items = "".join(f"<item><title>t</title><link>{url}</link><pubDate>{date}</pubDate></item>"
                    for url, date in entries)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>top</title>{items}</channel></rss>'


def crawl(tmp: Path, *args: str) -> tuple[Path, dict]:
    tmp.mkdir()
    shutil.copy(REPO / "khabar.toml", tmp / "khabar.toml")
    result = run_scrapy(tmp, "crawl", "feed", *args, "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    run = rows(tmp / "khabar.db", "SELECT * FROM crawl_runs")[0]
    return tmp / "khabar.db", json.loads(run["stats"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("feed")
    root = tmp / "site"
    shutil.copytree(SAMPLE_SITE, root)
    server = SampleSite(root)
    pages = sample_site_pages()[:7]
    a = [server.url + local_path(p.real_url, LOKMAT_ORIGIN) for p in pages]  # type: ignore[operator]
    titles = {url: page.title for url, page in zip(a, pages, strict=True)}
    feeds = root / "feeds"
    feeds.mkdir()
    (feeds / "index.xml.gz").write_bytes(gzip.compress(
        ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f"<sitemap><loc>{server.url}/feeds/news-recent.xml</loc><lastmod>2024-06-20</lastmod></sitemap>"
         f"<sitemap><loc>{server.url}/feeds/news-old.xml.gz</loc><lastmod>2023-01-01</lastmod></sitemap>"
         "</sitemapindex>").encode()))
    (feeds / "news-recent.xml").write_text(news_sitemap([
        (a[0], "2024-06-10T10:00:00+05:30"), (a[1], "2024-06-12T10:00:00+05:30"),
        (a[2], "2023-06-01T10:00:00+05:30"), (a[3], "")]), encoding="utf-8")
    (feeds / "news-old.xml.gz").write_bytes(gzip.compress(news_sitemap([(a[6], "")]).encode()))
    (feeds / "top.xml").write_text(rss([(a[4], "Mon, 03 Jun 2024 09:00:00 +0530"),
                                        (a[0], "Mon, 10 Jun 2024 10:00:00 +0530"),
                                        (a[5], "Fri, 01 Dec 2023 09:00:00 +0530")]), encoding="utf-8")
    (feeds / "broken.xml").write_text("<html><body>Just a moment...</body></html>", encoding="utf-8")
    with server:
        yield {"a": a, "titles": titles, "pages": dict(zip(a, pages, strict=True)),
               "url": server.url, "host": server.url.split("//")[1].split(":")[0],
               "tmp": tmp}


@pytest.fixture(scope="module")
def windowed(served: dict) -> tuple[Path, dict]:
    base = served["url"]
    return crawl(served["tmp"] / "windowed", "-a", f"url={base}/feeds/index.xml.gz,{base}/feeds/top.xml,"
                                                   f"{base}/feeds/broken.xml", "-a", f"since={SINCE}")


@pytest.fixture(scope="module")
def bounded(served: dict) -> tuple[Path, dict]:
    return crawl(served["tmp"] / "bounded", "-a", f"url={served['url']}/feeds/news-recent.xml", "-a", "max_pages=2")


def stored_titles(db: Path) -> list[str]:
    return sorted(r["title"] for r in rows(db, "SELECT title FROM articles"))


def test_feed_follows_recent_and_undated_entries_of_index_and_rss(served: dict, windowed: tuple) -> None:
    db, _ = windowed
    a, titles = served["a"], served["titles"]
    followed = (a[0], a[1], a[3], a[4])  # recent or undated in the index and the feed
    # Of those, the ones whose page says it was published before the window are not stored (pipelines/since.py).
    dates = {url: own_date(page.html) for url, page in served["pages"].items()}
    kept = [url for url in followed if dates[url] is None or dates[url] >= datetime.fromisoformat(f"{SINCE}T00:00"
                                                                                                    "+05:30")]
    assert stored_titles(db) == sorted(titles[url] for url in kept)


def test_feed_counts_what_it_left_out(windowed: tuple) -> None:
    _, stats = windowed
    assert stats["khabar/discovery/too_old"] == 2  # a[2] in the sitemap, a[5] in the feed
    assert stats["khabar/discovery/too_old_sitemaps"] == 1  # news-old.xml.gz, never fetched
    assert stats["khabar/discovery/unreadable"] == 1
    assert stats["khabar/discovery/listed_twice"] == 1  # a[0] in the sitemap and the feed
    assert stats["khabar/discovery/documents/sitemapindex"] == 1
    assert stats["khabar/discovery/documents/urlset"] == 1 and stats["khabar/discovery/documents/rss"] == 1


def test_feed_rows_are_named_after_the_host(served: dict, windowed: tuple) -> None:
    db, _ = windowed
    stored = rows(db, "SELECT site, url FROM articles")
    assert {r["site"] for r in stored} == {served["host"]}
    assert all(served["host"] in r["url"] for r in stored)


def test_max_pages_bounds_the_articles_newest_first(served: dict, bounded: tuple) -> None:
    db, stats = bounded
    a, titles = served["a"], served["titles"]
    assert stored_titles(db) == sorted([titles[a[0]], titles[a[1]]])
    assert stats["khabar/discovery/over_limit"] == 2

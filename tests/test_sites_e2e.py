"""Every site spider crawls a small local copy of its site end to end: sitemap or feed, then articles.

The copy (tests/localsite.py) holds the site's golden pages at the paths of their real URLs
and the sitemaps and feeds the site class declares, and nothing at the start paths, so the
articles can only be found through discovery. ``scrapy crawl <site> -a base_url=...`` runs
as a subprocess; the rows must carry the site's name and the real URLs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.app.sample_server import SampleSite
from crawler.components.sites import site_names, spider_names
from tests.conftest import rows, run_scrapy
from tests.localsite import LocalPage, build_local_site, golden_pages, golden_sites, local_path, sample_site_pages

pytestmark = pytest.mark.e2e

LOADER = SpiderLoader.from_settings(get_project_settings())
SITES = site_names()
# Loopback answers at once: no need to ramp up politely (the golden pages' related links 404 here).
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CLOSESPIDER_TIMEOUT=60")

def pages_of(site: str) -> list[LocalPage]:
    if site in golden_sites():
        return golden_pages(site)
    return sample_site_pages() if site == "lokmat" else []


def test_scrapy_list_shows_every_spider(tmp_path: Path) -> None:
    result = run_scrapy(tmp_path, "list")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == spider_names()  # the registry the crawler and the tests use
    assert {"article", "feed"} <= set(spider_names()) and len(SITES) >= 11


def test_every_site_spider_has_pages_for_its_local_copy() -> None:
    assert [site for site in SITES if not pages_of(site)] == []


@pytest.mark.parametrize("site", [s for s in SITES if pages_of(s)])
def test_site_spider_crawls_its_local_copy(site: str, tmp_path: Path, workdir: Path) -> None:
    spider_class = LOADER.load(site)
    pages = pages_of(site)
    articles = [p for p in pages if p.is_article]
    assert articles, f"{site}: no article among its golden pages"
    assert spider_class.sitemaps or spider_class.feeds, f"{site} declares no sitemap or feed"
    off_rule = [p.name for p in articles
                if not re.search(spider_class.article_path, local_path(p.real_url, spider_class.origin) or "")]
    assert not off_rule, f"{site}: article URLs outside its article_path rule: {off_rule}"

    written = build_local_site(spider_class, pages, tmp_path / "site")
    assert written["sitemaps"] or written["feeds"], f"{site}: no sitemap or feed on its own origin"
    with SampleSite(tmp_path / "site") as server:
        result = run_scrapy(workdir, "crawl", site, "-a", f"base_url={server.url}", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]

    db = workdir / "khabar.db"
    stored = rows(db, "SELECT url, site, title FROM articles")
    assert {r["site"] for r in stored} == {site}
    assert sorted(r["url"] for r in stored) == sorted(p.stored_url for p in articles), result.stderr[-3000:]
    assert not {p.stored_url for p in pages if not p.is_article} & {r["url"] for r in stored}
    run = rows(db, "SELECT * FROM crawl_runs")[0]
    stats = json.loads(run["stats"])
    assert run["finish_reason"] == "finished"
    assert stats.get("khabar/discovery/followed", 0) >= len(articles)
    assert not stats.get("khabar/discovery/unreadable")

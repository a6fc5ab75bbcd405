"""End to end: a monitoring run (``-a since=``) of a site spider follows only recent sitemap and feed entries.

A local copy of Lokmat (tests/localsite.py) lists the sample site's articles in the
sitemaps and feeds the spider declares, some dated before the window, some inside it,
one undated; nothing sits at the start path, so discovery is the only way in.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from crawler.app.sample_server import SampleSite
from spiders.lokmat import LokmatSpider
from tests.conftest import REPO, rows, run_scrapy
from tests.localsite import build_local_site, own_date, sample_site_pages

pytestmark = pytest.mark.e2e

IST = timezone(timedelta(hours=5, minutes=30))
SINCE = datetime(2024, 6, 1, tzinfo=IST)


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("since")
    pages = sample_site_pages()[:9]
    for number, page in enumerate(pages):
        # even: inside the window (from 1 June 00:00 IST on), odd: just before it, the last one undated
        page.published = SINCE + timedelta(hours=number) if number % 2 == 0 else SINCE - timedelta(minutes=number)
    pages[-1].published = None
    written = build_local_site(LokmatSpider, pages, tmp / "site")
    (tmp / "work").mkdir()
    shutil.copy(REPO / "khabar.toml", tmp / "work" / "khabar.toml")
    with SampleSite(tmp / "site") as server:
        result = run_scrapy(tmp / "work", "crawl", "lokmat", "-a", f"base_url={server.url}", "-a", "since=2024-06-01",
                            "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    db = tmp / "work" / "khabar.db"
    stored = [dict(r) for r in rows(db, "SELECT url, title FROM articles")]
    run = dict(rows(db, "SELECT * FROM crawl_runs")[0])
    return {"pages": pages, "stored": stored, "run": run, "stats": json.loads(run["stats"]), "written": written}


def test_only_recent_and_undated_articles_are_stored(monitored: dict) -> None:
    followed = [p for p in monitored["pages"] if p.published is None or p.published >= SINCE]
    assert len(followed) == 5
    # A sitemap's date lets an entry be fetched; the page's own date decides whether it is stored (pipelines/since).
    expected = [p.real_url for p in followed if (own_date(p.html) or SINCE) >= SINCE]
    assert sorted(r["url"] for r in monitored["stored"]) == sorted(expected)
    assert monitored["stats"].get("khabar/skipped/too_old", 0) == len(followed) - len(expected)


def test_old_entries_are_counted_once_per_document(monitored: dict) -> None:
    old = [p for p in monitored["pages"] if p.published is not None and p.published < SINCE]
    documents = len(monitored["written"]["sitemaps"]) + len(monitored["written"]["feeds"])
    assert documents == len(LokmatSpider.sitemaps) + len(LokmatSpider.feeds)
    assert monitored["stats"]["khabar/discovery/too_old"] == len(old) * documents


def test_the_window_is_recorded_with_the_run(monitored: dict) -> None:
    assert json.loads(monitored["run"]["args"])["since"] == "2024-06-01"
    assert monitored["run"]["finish_reason"] == "finished"

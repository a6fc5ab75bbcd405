"""`-a since=` means since (pipelines/since.py, crawler/components/listing.py): every article is judged by its own
published date, however the crawl reached it; older ones are neither stored nor alerted, counted, and said in the
summary; listing pages whose every story is older stop paging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.text.dates import parse_iso
from tests.conftest import rows, run_khabar

pytestmark = pytest.mark.e2e


def run_stats(db: Path) -> dict:
    return json.loads(rows(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0])


def test_since_6h_stores_and_alerts_nothing_from_the_old_sample_site(workdir: Path, sample_site: SampleSite,
                                                                     crawled_sample: Path) -> None:
    result = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "-a", "since=6h",
                        "--progress", "off")
    assert result.returncode == 0, result.stderr[-3000:]  # a quiet window is healthy, not "no articles"
    db = workdir / "khabar.db"
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == 0
    assert rows(db, "SELECT count(*) FROM alerts")[0][0] == 0
    stats = run_stats(db)
    # Stories reached only through links without a date were fetched, read, and left out by their own date ...
    assert stats["khabar/skipped/too_old"] > 0
    # ... the rest were never fetched: sitemap and feed entries, and listing cards, dated before the window.
    assert stats["khabar/discovery/too_old"] > 0 and stats["khabar/discovery/listing_too_old"] > 0
    assert stats["khabar/discovery/listing_paging_stopped"] > 0
    full = run_stats(crawled_sample / "khabar.db")  # the same site crawled without a window
    assert stats["khabar/fetched/listing"] < full["khabar/fetched/listing"]
    line = next(line for line in result.stdout.splitlines() if "older than since" in line)
    assert f"{stats['khabar/skipped/too_old']} fetched, not stored or alerted" in line


def test_since_a_date_keeps_exactly_the_stories_published_after_it(workdir: Path, sample_site: SampleSite,
                                                                   crawled_sample: Path) -> None:
    cutoff = "2024-05-10"
    everything = rows(crawled_sample / "khabar.db", "SELECT url, published_at FROM articles")
    moment = parse_iso(cutoff)
    assert moment is not None
    expected = sorted(r["url"] for r in everything if r["published_at"] and parse_iso(r["published_at"]) >= moment)
    older = [r for r in everything if r["published_at"] and parse_iso(r["published_at"]) < moment]
    assert expected and older  # the sample site has stories on both sides of the cutoff
    result = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "-a", f"since={cutoff}",
                        "--progress", "off")
    assert result.returncode == 0, result.stderr[-3000:]
    db = workdir / "khabar.db"
    assert sorted(r["url"] for r in rows(db, "SELECT url FROM articles")) == expected
    alerted = rows(db, "SELECT ar.published_at FROM alerts a JOIN articles ar ON ar.id = a.article_id")
    assert all(parse_iso(r["published_at"]) >= moment for r in alerted)

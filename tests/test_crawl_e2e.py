"""End to end: `scrapy crawl lokmat` as a subprocess against the sample site on 127.0.0.1, then the SQLite file."""

from __future__ import annotations

import json

import pytest

from crawler.app.sample_server import SampleSite
from tests.conftest import new_workdir, rows, run_khabar, run_scrapy
from tests.sitefacts import article_files, has_body, headline, second_urls, seed_spec

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> dict:
    work = new_workdir(tmp_path_factory, "e2e")
    first = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert first.returncode == 0, first.stderr[-3000:]
    db = work / "khabar.db"
    before = {"articles": rows(db, "SELECT count(*) FROM articles")[0][0],
              "alerts": rows(db, "SELECT count(*) FROM alerts")[0][0]}
    second = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert second.returncode == 0, second.stderr[-3000:]
    return {"work": work, "db": db, "before": before, "first": first, "second": second}


def test_seed_row_equals_spec(crawled: dict) -> None:
    spec = seed_spec()
    found = rows(crawled["db"], "SELECT * FROM articles WHERE title = ?", (spec["title"],))
    assert len(found) == 1
    row = found[0]
    assert row["published_at"] == "2023-09-13T16:28:00+05:30"
    for name in ("site", "language", "title", "published_at", "section", "summary", "dateline"):
        assert row[name] == spec[name], name
    for name in ("authors", "highlights", "tags"):
        assert json.loads(row[name]) == spec[name], name
    assert row["body"] == "\n\n".join(spec["body"])
    for name in ("related", "more_from_section"):
        assert [{k: v[k] for k in ("category", "title")} for v in json.loads(row[name])] == spec[name]


def test_every_article_is_stored_once(crawled: dict) -> None:
    pages = [p for p in article_files() if has_body(p)]
    stored = rows(crawled["db"], "SELECT title, url FROM articles")
    assert sorted(r["title"] for r in stored) == sorted(headline(p) for p in pages)
    assert all(r["url"].startswith("https://www.lokmatnews.in/") for r in stored)
    assert len({r["url"] for r in stored}) == len(stored)


def test_tracking_and_amp_urls_are_aliases_not_rows(crawled: dict) -> None:
    aliases = [r["url"] for r in rows(crawled["db"], "SELECT url FROM article_urls")]
    stored = {r["url"] for r in rows(crawled["db"], "SELECT url FROM articles")}
    assert any("/amp/" in url for url in aliases)
    assert not any("/amp/" in url or "utm_" in url for url in stored)


def test_amp_copy_and_tracking_link_are_counted_as_duplicates(crawled: dict) -> None:
    first = rows(crawled["db"], "SELECT duplicates, unchanged FROM crawl_runs ORDER BY id LIMIT 1")[0]
    assert first["duplicates"] == second_urls() >= 2
    assert first["unchanged"] == 0


def test_broken_page_is_counted_as_dropped(crawled: dict) -> None:
    broken = [p for p in article_files() if not has_body(p)]
    run = rows(crawled["db"], "SELECT * FROM crawl_runs ORDER BY id LIMIT 1")[0]
    reasons = json.loads(run["dropped_reasons"])
    assert reasons.get("no_body") == len(broken) >= 1
    assert run["finish_reason"] == "finished"
    assert run["new"] == crawled["before"]["articles"]


def test_seed_article_raises_the_russia_ukraine_alert(crawled: dict) -> None:
    alerts = rows(crawled["db"], "SELECT a.topic, r.title FROM alerts a JOIN articles r ON r.id = a.article_id")
    assert ("russia-ukraine", seed_spec()["title"]) in [(a["topic"], a["title"]) for a in alerts]


def test_second_crawl_adds_no_rows_and_no_alerts(crawled: dict) -> None:
    db = crawled["db"]
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == crawled["before"]["articles"]
    assert rows(db, "SELECT count(*) FROM alerts")[0][0] == crawled["before"]["alerts"]
    second_run = rows(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert second_run["new"] == 0 and second_run["alerts"] == 0


def test_file_is_healthy_and_in_wal_mode(crawled: dict) -> None:
    assert rows(crawled["db"], "PRAGMA integrity_check")[0][0] == "ok"
    assert rows(crawled["db"], "PRAGMA journal_mode")[0][0] == "wal"


def test_cli_reads_what_the_crawl_wrote(crawled: dict) -> None:
    result = run_khabar(crawled["work"], "alerts", "--json")
    assert result.returncode == 0, result.stderr
    assert seed_spec()["title"] in [a["title"] for a in json.loads(result.stdout)]
    runs = json.loads(run_khabar(crawled["work"], "runs", "--json").stdout)
    assert [r["spider"] for r in runs] == ["lokmat", "lokmat"]

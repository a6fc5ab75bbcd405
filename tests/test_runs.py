"""Run history: every crawl writes its crawl_runs row; `khabar runs` shows it; one run per spider at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.store.runs import SpiderLock, http_errors, run_counts, run_status
from tests.conftest import REPO, khabar_env, rows, run_khabar, run_scrapy
from tests.test_schedule import hold_lock
from tests.test_schedule_e2e import wait_for

FAST = ("-s", "AUTOTHROTTLE_ENABLED=false")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> dict:
    """Two crawls of the sample site: plain `scrapy crawl`, then `khabar crawl` as a scheduled run would."""
    work = tmp_path_factory.mktemp("runs")
    (work / "khabar.toml").write_text((REPO / "khabar.toml").read_text(encoding="utf-8"), encoding="utf-8")
    first = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", *FAST)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_khabar(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "-s",
                        "KHABAR_SCHEDULE=nightly", *FAST)
    assert second.returncode == 0, second.stderr[-3000:]
    return {"work": work, "db": work / "khabar.db", "second": second}


@pytest.mark.e2e
def test_every_crawl_writes_a_finished_row(history: dict) -> None:
    runs = rows(history["db"], "SELECT * FROM crawl_runs ORDER BY id")
    assert [r["spider"] for r in runs] == ["lokmat", "lokmat"]
    assert [r["scheduled"] for r in runs] == [None, "nightly"]
    assert [(r["status"], r["finish_reason"]) for r in runs] == [("finished", "finished")] * 2
    assert all(r["finished_at"] >= r["started_at"] and r["pid"] for r in runs)
    stored = rows(history["db"], "SELECT count(*) FROM articles")[0][0]
    assert runs[0]["new"] == stored > 0
    assert runs[1]["new"] == 0
    for run in runs:  # the columns are the stats the run recorded
        stats = json.loads(run["stats"])
        assert run["pages"] == stats["response_received_count"]
        assert json.loads(run["dropped_reasons"]) == {
            key.removeprefix("khabar/dropped/"): value for key, value in stats.items()
            if key.startswith("khabar/dropped/")}


@pytest.mark.e2e
def test_a_recrawl_that_finds_only_known_articles_is_healthy(history: dict) -> None:
    first, second = rows(history["db"], "SELECT health_status, health FROM crawl_runs ORDER BY id")
    assert (first["health_status"], second["health_status"]) == ("ok", "ok")
    lokmat = json.loads(first["health"])["sites"]["lokmat"]
    assert lokmat["coverage"]["title"] == lokmat["coverage"]["body"] == 1.0
    assert lokmat["coverage"]["date"] >= 0.8
    # The second run re-fetched little or nothing, but every known story still counts as the site's output.
    assert json.loads(second["health"])["sites"]["lokmat"]["found"] >= lokmat["articles"]


@pytest.mark.e2e
def test_khabar_crawl_prints_a_summary_with_health(history: dict) -> None:
    out = history["second"].stdout
    assert "Crawl of lokmat finished (finished)" in out
    assert "crawl health         ok" in out


@pytest.mark.e2e
def test_runs_table_and_json(history: dict) -> None:
    table = run_khabar(history["work"], "runs", env=khabar_env(history["work"], COLUMNS="250"))
    assert table.returncode == 0, table.stderr
    header, _, *lines = table.stdout.splitlines()
    assert header.split() == ["id", "spider", "scheduled", "started", "status", "finish_reason", "pages", "new",
                              "updated", "unchanged", "duplicates", "skipped", "dropped", "errors", "alerts",
                              "health"]
    assert lines[0].split()[:3] == ["2", "lokmat", "nightly"] and lines[0].split()[-1] == "ok"
    data = json.loads(run_khabar(history["work"], "runs", "--json").stdout)
    db_rows = rows(history["db"], "SELECT * FROM crawl_runs ORDER BY id DESC")
    assert [r["id"] for r in data] == [r["id"] for r in db_rows]
    for shown, stored in zip(data, db_rows, strict=True):
        for name in ("spider", "started_at", "finished_at", "pages", "new", "updated", "unchanged", "duplicates",
                     "skipped", "dropped", "errors", "alerts", "status", "scheduled", "health_status"):
            assert shown[name] == stored[name], name
        assert shown["health"] == json.loads(stored["health"])
        assert "stats" not in shown
    only = json.loads(run_khabar(history["work"], "runs", "--json", "--spider", "article").stdout)
    assert only == []


@pytest.mark.e2e
def test_a_second_crawl_of_a_running_spider_is_refused(workdir: Path, sample_site: SampleSite) -> None:
    holder = hold_lock(Path(f"{workdir / 'khabar.db'}-locks"), "lokmat")
    try:
        refused = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
        assert refused.returncode == 5 and "Traceback" not in refused.stderr  # ExitCode.REFUSED
        assert f"already being crawled into {workdir / 'khabar.db'} by process {holder.pid}" in refused.stderr
        plain = run_scrapy(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
        assert plain.returncode == 0, plain.stderr[-2000:]
    finally:
        holder.kill()
        holder.wait()
    run = rows(workdir / "khabar.db", "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert (run["status"], run["finish_reason"], run["pages"], run["new"]) == ("refused", "already_running", 0, 0)
    assert run["health_status"] is None
    assert rows(workdir / "khabar.db", "SELECT count(*) FROM articles")[0][0] == 0


@pytest.mark.e2e
def test_a_killed_crawl_shows_as_crashed_and_frees_its_spider(site_copy: Path, workdir: Path) -> None:
    with SampleSite(site_copy) as site:
        crawl = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "lokmat", "-a", f"base_url={site.url}",
                                  "-s", "DOWNLOAD_DELAY=1", "-s", "CONCURRENT_REQUESTS=1"], cwd=REPO,
                                 env={**os.environ, "KHABAR_DB": str(workdir / "khabar.db"),
                                      "KHABAR_CONFIG": str(workdir / "khabar.toml")},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lock = SpiderLock.for_db(workdir / "khabar.db", "lokmat")
        try:
            wait_for(lambda: lock.holder() == crawl.pid)
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait()
        shown = json.loads(run_khabar(workdir, "runs", "--json").stdout)
        assert [(r["status"], r["finished_at"]) for r in shown] == [("crashed", None)]
        # One request at a time: when the third page closes the crawl, at most one more is on its way (with more in
        # flight, a fast start let eight articles through and the crawl was healthy).
        again = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={site.url}", "-s", "CLOSESPIDER_PAGECOUNT=3",
                           "-s", "CONCURRENT_REQUESTS=1", *FAST)
        # Three pages (robots.txt and discovery documents) hold no article, or one: finished, but unhealthy (exit 4).
        assert again.returncode == 4, again.stderr[-2000:]
    statuses = [r["status"] for r in rows(workdir / "khabar.db", "SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["crashed", "finished"]


def test_counts_and_status_from_stats() -> None:
    stats = {"response_received_count": 12, "khabar/articles/new": 5, "khabar/dropped/no_body": 2,
             "khabar/dropped/not_article/listing": 1, "downloader/response_status_count/404": 2,
             "downloader/response_status_count/200": 10, "downloader/exception_type_count/TimeoutError": 1,
             "khabar/alerts": 3}
    counts = run_counts(stats)
    assert (counts["pages"], counts["new"], counts["dropped"], counts["errors"], counts["alerts"]) == (12, 5, 3, 3, 3)
    assert json.loads(counts["dropped_reasons"]) == {"no_body": 2, "not_article/listing": 1}
    assert http_errors(stats) == {"404": 2}
    assert [run_status(r) for r in ("finished", "closespider_pagecount", "shutdown", "already_running",
                                    "cancelled")] == ["finished", "finished", "stopped", "refused", "failed"]

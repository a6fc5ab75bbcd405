"""A file that survives: concurrent crawls, SIGKILL, and -s JOBDIR= resumption, with real scrapy processes.

Every test compares with a reference crawl of the same sample site into its own file, so the
expected set of stored URLs comes from a clean run, not from the code path under test.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.app.sample_server import SAMPLE_SITE, SampleSite
from tests.conftest import REPO, khabar_env, query, run_scrapy

pytestmark = pytest.mark.e2e

# A crawl slow enough to be interrupted in the middle, and quick to commit what it has.
SLOW = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=false",
        "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "KHABAR_BATCH_SECONDS=0.2")


def urls(db: Path) -> list[str]:
    return sorted(url for (url,) in query(db, "SELECT url FROM articles"))


def new_work(base: Path, name: str) -> Path:
    work = base / name
    work.mkdir()
    shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
    return work


def start_scrapy(work: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=REPO, env=khabar_env(work),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_articles(db: Path, at_least: int, process: subprocess.Popen[str], timeout: float = 60) -> int:
    """Poll the file (as a second reader would) until the crawl has committed ``at_least`` articles."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        if db.exists():
            try:
                count = query(db, "SELECT count(*) FROM articles")[0][0]
            except sqlite3.OperationalError:  # tables not created yet
                count = 0
            if count >= at_least:
                return count
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} articles committed within {timeout} s")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> list[str]:
    work = new_work(tmp_path_factory.mktemp("reference"), "work")
    result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert result.returncode == 0, result.stderr[-3000:]
    stored = urls(work / "khabar.db")
    assert len(stored) > 10
    return stored


@pytest.fixture
def second_site() -> Iterator[SampleSite]:
    with SampleSite(SAMPLE_SITE) as site:
        yield site


def test_three_crawls_writing_one_new_file_at_once_all_finish_and_lose_nothing(
        tmp_path: Path, sample_site: SampleSite, second_site: SampleSite, reference: list[str]) -> None:
    """Two crawls of the same site (same URLs, contending for the same rows) and an `article` crawl of
    the local copy's pages (different rows, same stories), all starting on a file that does not exist yet."""
    work = new_work(tmp_path, "work")
    local = [f"{second_site.url}{urlsplit(url).path}" for url in reference[:6]]
    # The same spider twice: its run lock (KHABAR_SPIDER_LOCK) would refuse the second; the storage must not care.
    pace = ("-s", "DOWNLOAD_DELAY=0.02", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "KHABAR_SPIDER_LOCK=false")
    processes = [
        start_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", *pace),
        start_scrapy(work, "crawl", "lokmat", "-a", f"base_url={second_site.url}", *pace),
        start_scrapy(work, "crawl", "article", "-a", "url=" + ",".join(local), *pace),
    ]
    outputs = [process.communicate(timeout=180) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr and "locked" not in stderr, stderr[-3000:]
    db = work / "khabar.db"
    stored = urls(db)
    assert [url for url in stored if url.startswith("https://www.lokmatnews.in/")] == reference
    assert sorted(url for url in stored if url.startswith(second_site.url)) == sorted(local)
    runs = query(db, "SELECT spider, finish_reason, new FROM crawl_runs ORDER BY id")
    assert sorted(spider for spider, _, _ in runs) == ["article", "lokmat", "lokmat"]
    assert all(reason == "finished" for _, reason, _ in runs), runs
    assert sum(new for _, _, new in runs) == len(stored)  # every row counted once, by the run that stored it
    # The local copies are the same stories as the rows of the real URLs.
    assert query(db, "SELECT count(DISTINCT story_id) FROM articles")[0][0] == len(reference)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_killed_crawl_leaves_a_valid_file_and_the_next_run_completes_it(
        tmp_path: Path, sample_site: SampleSite, reference: list[str]) -> None:
    work = new_work(tmp_path, "work")
    db = work / "khabar.db"
    process = start_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", *SLOW)
    try:
        wait_for_articles(db, 3, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    partial = urls(db)
    assert 3 <= len(partial) < len(reference) and set(partial) <= set(reference)
    assert query(db, "SELECT finished_at FROM crawl_runs") == [(None,)]  # it never got to say goodbye

    result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert urls(db) == reference
    run = query(db, "SELECT new, finish_reason FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert run == (len(reference) - len(partial), "finished")
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_jobdir_resumes_an_interrupted_crawl(tmp_path: Path, reference: list[str]) -> None:
    work = new_work(tmp_path, "work")
    db, jobdir = work / "khabar.db", tmp_path / "job"
    requested: list[tuple[str, int]] = []
    with SampleSite(SAMPLE_SITE) as site:
        original = site.httpd.RequestHandlerClass.send_response

        def record(handler: object, code: int, message: str | None = None) -> None:
            requested.append((urlsplit(handler.path).path, code))  # type: ignore[attr-defined]
            original(handler, code, message)  # type: ignore[arg-type]

        site.httpd.RequestHandlerClass.send_response = record  # type: ignore[method-assign]
        args = ("crawl", "lokmat", "-a", f"base_url={site.url}", "-s", f"JOBDIR={jobdir}")
        process = start_scrapy(work, *args, *SLOW)
        try:
            wait_for_articles(db, 3, process)
        finally:
            process.send_signal(signal.SIGINT)  # one Ctrl-C: Scrapy stops gracefully and keeps its queue
            process.communicate(timeout=60)
        assert process.returncode == 0
        interrupted = len(urls(db))
        assert interrupted < len(reference)
        assert query(db, "SELECT finish_reason FROM crawl_runs") == [("shutdown",)]
        first_run = len(requested)

        resumed = run_scrapy(work, *args)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming crawl" in resumed.stderr
    assert urls(db) == reference
    # The resumed run did not start over: nothing the first run fetched was requested again.
    before = {path for path, _ in requested[:first_run]} - {"/robots.txt"}
    again = {path for path, _ in requested[first_run:]}
    assert "/news-sitemap.xml" in before and not before & again
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_processes_opening_a_new_file_together_all_migrate_it_once(tmp_path: Path) -> None:
    """connect() applies migrations under the write lock; without it the second process would try to
    create the tables again and fail."""
    db = tmp_path / "race.db"
    code = ("import sys; from crawler.store.connection import connect; connect(sys.argv[1]).close()")
    processes = [subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=REPO, stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
    errors = [process.communicate(timeout=60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, errors
    names = [name for (name,) in query(db, "SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names)) and "0001_initial" in names and "0002_stories" in names

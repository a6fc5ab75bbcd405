"""A run's outcome is its truth: a full disk, an error in a pipeline, a start kept waiting for the write lock.

Real `khabar crawl` processes against the sample site on 127.0.0.1. A full disk is a small tmpfs (root only;
skipped with the reason elsewhere); an error inside the store is an SQLite trigger refusing some articles.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.store.connection import connect
from tests.conftest import REPO, khabar_env, query, rows, run_khabar
from tests.faultsite import FaultSite
from tests.smalldisk import grow, small_disk

pytestmark = pytest.mark.e2e


def urls(db: Path) -> list[str]:
    return sorted(url for (url,) in query(db, "SELECT url FROM articles"))


def work_in(tmp_path: Path, db: Path) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
    return work, khabar_env(work, KHABAR_DB=str(db))


def test_a_full_disk_fails_the_run_in_one_sentence_and_the_next_run_recovers_everything(
        tmp_path: Path, sample_site: SampleSite, crawled_sample: Path) -> None:
    reference = urls(crawled_sample / "khabar.db")
    reference_alerts = query(crawled_sample / "khabar.db", "SELECT count(*) FROM alerts")[0][0]
    with small_disk(tmp_path / "disk", "600k") as disk:
        db = disk / "khabar.db"
        work, env = work_in(tmp_path, db)
        crawl = ("crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--progress", "off")
        full = run_khabar(work, *crawl, "-s", "KHABAR_BATCH_SIZE=5", env=env)
        assert full.returncode == 3, full.stdout + full.stderr[-3000:]
        assert "Traceback" not in full.stderr, full.stderr[-3000:]
        assert f"the disk holding {db} is full: " in full.stderr and "articles not stored; free space and run again" \
            in full.stderr
        assert "FAILED" in full.stdout
        run = dict(rows(db, "SELECT * FROM crawl_runs")[0])
        assert run["status"] == "failed" and run["failure"].startswith(f"the disk holding {db} is full: ")
        stored = urls(db)
        assert run["new"] == len(stored) < len(reference)  # what it says it stored is what the file holds
        assert query(db, "PRAGMA integrity_check") == [("ok",)]

        grow(disk, "50m")  # space freed
        again = run_khabar(work, *crawl, env=env)
        assert again.returncode == 0, again.stderr[-3000:]
        assert urls(db) == reference  # the next run picked up everything the full disk lost
        assert query(db, "SELECT count(*) FROM alerts")[0][0] == reference_alerts
        assert query(db, "SELECT status FROM crawl_runs ORDER BY id") == [("failed",), ("finished",)]


def test_creating_a_database_on_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "16k") as disk:
        work, env = work_in(tmp_path, disk / "sub" / "khabar.db")
        result = run_khabar(work, "crawl", "lokmat", env=env)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "is full" in result.stderr
        assert list(disk.iterdir()) == []  # no 0-byte file, no WAL, no folder


def test_an_error_inside_the_store_fails_the_run_and_keeps_the_rest(tmp_path: Path, sample_site: SampleSite,
                                                                     crawled_sample: Path) -> None:
    reference = urls(crawled_sample / "khabar.db")
    db = tmp_path / "khabar.db"
    conn = connect(db)
    conn.execute("CREATE TRIGGER refuse_putin BEFORE INSERT ON articles WHEN NEW.title LIKE '%पुतिन%' "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")
    conn.close()
    refused = [url for (url,) in query(crawled_sample / "khabar.db", "SELECT url FROM articles WHERE title LIKE "
                                                                        "'%पुतिन%'")]
    assert refused
    work, env = work_in(tmp_path, db)
    result = run_khabar(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--progress", "off", env=env)
    assert result.returncode == 3, result.stderr[-3000:]
    assert "refused by the test trigger" in result.stderr and "Traceback" not in result.stderr
    run = dict(rows(db, "SELECT * FROM crawl_runs")[0])
    assert run["status"] == "failed" and "refused by the test trigger" in run["failure"]
    assert f"{len(refused)} article" in run["failure"]
    assert urls(db) == sorted(set(reference) - set(refused))  # every other article stored
    assert run["new"] == len(reference) - len(refused)


def test_a_run_kept_waiting_for_the_write_lock_at_start_is_recorded(tmp_path: Path, sample_site: SampleSite) -> None:
    db = tmp_path / "khabar.db"
    connect(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than storage.lock_wait
    work, env = work_in(tmp_path, db)
    process = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "lokmat", "-a", f"base_url={sample_site.url}",
                                "--progress", "off", "-v", "-s", "KHABAR_LOCK_WAIT_SECONDS=1"],
                               cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 40
    for line in process.stderr:  # the crawl says it goes on without recording its start yet
        if "could not record the start of this run yet" in line or time.monotonic() > deadline:
            break
    holder.execute("ROLLBACK")
    holder.close()
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err[-3000:]
    [run] = [dict(row) for row in rows(db, "SELECT * FROM crawl_runs")]
    assert run["status"] == "finished" and run["finished_at"] and run["started_at"] < run["finished_at"]
    assert run["new"] == query(db, "SELECT count(*) FROM articles")[0][0] > 0
    assert f"run {run['id']} in" in out


def test_the_article_spider_follows_a_redirect_to_another_host_only_when_asked(tmp_path: Path) -> None:
    db = tmp_path / "khabar.db"
    work, env = work_in(tmp_path, db)
    with FaultSite() as site:
        pages = f"url={site.url}/offsite,{site.url}/story/5"
        kept_home = run_khabar(work, "crawl", "article", "-a", pages, "--progress", "off", env=env)
        asked = run_khabar(work, "crawl", "article", "-a", pages, "-a", "follow_offsite=true", "--progress", "off",
                           env=env)
    assert kept_home.returncode == 0 and asked.returncode == 0, kept_home.stderr + asked.stderr
    first, second = [dict(row) for row in rows(db, "SELECT * FROM crawl_runs ORDER BY id")]
    assert '"offsite_redirect": 1' in first["dropped_reasons"] and first["new"] == 1
    assert "offsite_redirect" not in second["dropped_reasons"] and second["new"] == 1
    assert query(db, "SELECT count(*) FROM articles WHERE url LIKE 'http://localhost:%/story/41'") == [(1,)]

"""`khabar schedule` for real: a scheduled crawl subprocess, stopped cleanly by SIGTERM; the cron line runs."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.app.schedule import next_slot
from crawler.store.runs import SpiderLock, pid_alive
from crawler.text.dates import IST
from tests.conftest import khabar_env, rows, run_khabar

pytestmark = pytest.mark.e2e


def write_config(work: Path, site_url: str, settings: str = "") -> None:
    (work / "khabar.toml").write_text(
        '[storage]\ndb = "khabar.db"\n[notify.file]\nfile = "alerts.jsonl"\n'
        '[schedules.lokmat-test]\nspider = "lokmat"\ncron = "0 0 1 1 *"\n'
        f'args = {{ base_url = "{site_url}" }}\n' + (f"settings = {{ {settings} }}\n" if settings else ""),
        encoding="utf-8")


def last_run(db: Path) -> sqlite3.Row:
    return rows(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


def wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_sigterm_stops_the_scheduler_and_its_crawl_cleanly(workdir: Path, sample_site: SampleSite) -> None:
    # A slow crawl (one request at a time, half a second apart) so that it is still running when stopped.
    write_config(workdir, sample_site.url, 'DOWNLOAD_DELAY = "0.5", AUTOTHROTTLE_ENABLED = "false", '
                                           'CONCURRENT_REQUESTS = "1", CONCURRENT_REQUESTS_PER_DOMAIN = "1"')
    scheduler = subprocess.Popen([sys.executable, "-m", "crawler", "schedule", "--now"], cwd=workdir,
                                 env=khabar_env(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lock = SpiderLock.for_db(workdir / "khabar.db", "lokmat")
    try:
        wait_for(lambda: lock.holder() is not None and lock.holder() != scheduler.pid)
        crawl_pid = lock.holder()
        time.sleep(1.5)  # let it fetch a few pages
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=90)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
    assert scheduler.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    assert "stopping process" in output
    assert crawl_pid is not None and not pid_alive(crawl_pid)
    assert lock.holder() is None
    run = last_run(workdir / "khabar.db")
    assert (run["spider"], run["scheduled"], run["pid"]) == ("lokmat", "lokmat-test", crawl_pid)
    assert (run["finish_reason"], run["status"], run["health_status"]) == ("shutdown", "stopped", "not judged")
    assert run["finished_at"] and 0 < run["pages"]
    conn = sqlite3.connect(workdir / "khabar.db")
    state = conn.execute("SELECT last_pid, last_exit_code FROM schedule_state WHERE name = 'lokmat-test'").fetchone()
    conn.close()
    assert state == (crawl_pid, 130)  # stopped by SIGTERM: ExitCode.INTERRUPTED


def test_the_printed_cron_line_runs_the_scheduled_crawl(workdir: Path, sample_site: SampleSite) -> None:
    write_config(workdir, sample_site.url, 'AUTOTHROTTLE_ENABLED = "false", CLOSESPIDER_PAGECOUNT = "12"')
    printed = run_khabar(workdir, "schedule", "--print-cron")
    assert printed.returncode == 0, printed.stderr
    line = next(line for line in printed.stdout.splitlines() if not line.startswith("#"))
    fields = line.split(" ", 5)
    assert fields[:5] == ["0", "0", "1", "1", "*"]
    result = subprocess.run(["bash", "-c", fields[5].replace("\\%", "%")], env=khabar_env(workdir, KHABAR_DB="",
                            KHABAR_CONFIG=""), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    run = last_run(workdir / "khabar.db")
    assert (run["scheduled"], run["status"], run["health_status"]) == ("lokmat-test", "finished", "ok")
    assert run["new"] > 0
    log = (workdir / "khabar-cron.log").read_text(encoding="utf-8")
    assert log.rstrip().endswith("schedule lokmat-test exit 0")  # cron keeps no record: the line does
    deliver = next(line for line in printed.stdout.splitlines() if " alerts deliver " in line)
    assert deliver.startswith("*/5 * * * * ")
    done = subprocess.run(["bash", "-c", deliver.split(" ", 5)[5].replace("\\%", "%")],
                          env=khabar_env(workdir, KHABAR_DB="", KHABAR_CONFIG=""), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    log = (workdir / "khabar-cron.log").read_text(encoding="utf-8")
    assert log.rstrip().endswith("alerts deliver exit 0") and "sent " in log
    listed = run_khabar(workdir, "schedule", "--list")
    assert listed.returncode == 0 and "lokmat-test" in listed.stdout
    next_run = next_slot("0 0 1 1 *", datetime.now().astimezone()).astimezone(IST)  # cron reads local time
    assert next_run.strftime("%Y-%m-%d %H:%M IST") in listed.stdout  # shown in India time


def test_a_scheduled_unhealthy_run_records_exit_4(workdir: Path) -> None:
    with SampleSite() as site:
        closed = site.url  # nothing listens here once it is closed: every request fails
    write_config(workdir, closed, 'RETRY_TIMES = "0"')
    printed = run_khabar(workdir, "schedule", "--print-cron")
    line = next(line for line in printed.stdout.splitlines() if not line.startswith("#"))
    subprocess.run(["bash", "-c", line.split(" ", 5)[5].replace("\\%", "%")],
                   env=khabar_env(workdir, KHABAR_DB="", KHABAR_CONFIG=""), capture_output=True, text=True, timeout=120)
    assert (workdir / "khabar-cron.log").read_text(encoding="utf-8").rstrip().endswith("schedule lokmat-test exit 4")
    # The foreground scheduler records the same status, with what it means.
    scheduler = subprocess.Popen([sys.executable, "-m", "crawler", "schedule", "--now"], cwd=workdir,
                                 env=khabar_env(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: (workdir / "khabar.db").exists() and rows(
            workdir / "khabar.db", "SELECT count(*) FROM schedule_state WHERE last_exit_code IS NOT NULL")[0][0] > 0)
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=60)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
    assert "exited with 4 (finished, crawl health ALERT)" in output
    listed = run_khabar(workdir, "schedule", "--list")
    assert "4 (finished, crawl health ALERT)" in listed.stdout

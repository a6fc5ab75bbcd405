"""Delivery set-up checked up front (crawler.alerts.delivery.missing_secrets): a notify target whose secret is
not in the environment stops `khabar crawl` before it fetches anything, in one sentence; with --no-notify it is a
warning, the alerts wait in the outbox, and `khabar alerts deliver` sends them once the secret is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from tests.alert_receivers import Webhook
from tests.conftest import REPO, khabar_env, rows, run_khabar

pytestmark = pytest.mark.e2e

HOOK_TARGET = '\n[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n'


@pytest.fixture
def hooked(workdir: Path) -> Path:
    (workdir / "khabar.toml").write_text((REPO / "khabar.toml").read_text(encoding="utf-8") + HOOK_TARGET,
                                         encoding="utf-8")
    return workdir


def test_a_missing_secret_stops_the_crawl_before_it_starts(hooked: Path, sample_site: SampleSite) -> None:
    result = run_khabar(hooked, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "notify.hook" in lines[0] and "KHABAR_TEST_HOOK is not set" in lines[0] and "--no-notify" in lines[0]
    assert not (hooked / "khabar.db").exists() or not rows(hooked / "khabar.db", "SELECT * FROM crawl_runs")


def test_no_notify_warns_keeps_the_alerts_and_deliver_sends_them(hooked: Path, sample_site: SampleSite) -> None:
    crawl = run_khabar(hooked, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--no-notify",
                       "--progress", "off")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "Warning: notify.hook: the environment variable KHABAR_TEST_HOOK is not set" in crawl.stderr
    assert "not sent in this run (--no-notify)" in crawl.stdout
    db = hooked / "khabar.db"
    pending = rows(db, "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts = 0")[0][0]
    assert pending > 0  # nothing was tried, nothing failed
    assert not (hooked / "data" / "alerts.jsonl").exists()  # the file target was not written either
    with Webhook() as hook:
        sent = run_khabar(hooked, "alerts", "deliver", "--json", env=khabar_env(hooked, KHABAR_TEST_HOOK=hook.url))
        assert sent.returncode == 0, sent.stderr
        report = json.loads(sent.stdout)
        instant = rows(db, "SELECT count(*) FROM alerts WHERE delivery = 'instant'")[0][0]
        assert report["failed"] == 0 and len(hook.posts) == instant > 0


def test_alerts_deliver_warns_and_still_serves_the_other_targets(hooked: Path, sample_site: SampleSite) -> None:
    crawl = run_khabar(hooked, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--no-notify",
                       "--progress", "off")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    result = run_khabar(hooked, "alerts", "deliver")
    assert result.returncode == 0 and "Warning: notify.hook" in result.stderr and "Traceback" not in result.stderr
    assert (hooked / "data" / "alerts.jsonl").read_text(encoding="utf-8").strip()  # the file target got its lines

"""Exactly once where the target allows it: `khabar alerts deliver` killed or stopped while a webhook holds the message.

Before: the retry carried nothing to tell it from a new alert (the webhook saw it twice), and the killed run's
10-minute lease held the alert back, which --retry-now did not override. Now every attempt carries the same
Idempotency-Key, a lease of a killed process is taken over by --retry-now, and a stopped run gives its leases
back. Real processes, a real HTTP receiver on 127.0.0.1 that answers slowly.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.alerts.delivery import send
from crawler.alerts.settings import NotifyTarget
from tests.alert_receivers import Webhook
from tests.conftest import khabar_env, query, rows, run_khabar
from tests.faultsite import FaultSite

pytestmark = pytest.mark.e2e

CONFIG = """
[storage]
db = "khabar.db"
[notify.hook]
url_env = "KHABAR_TEST_HOOK"
[notify.file]
file = "alerts.jsonl"
[topics.war]
any = ["युद्ध"]
"""


def alert_waiting(work: Path, hook: Webhook, story: int) -> dict[str, str]:
    """A stored alert owed to the webhook and the file, not sent yet; the environment that reaches the hook."""
    (work / "khabar.toml").write_text(CONFIG, encoding="utf-8")
    env = khabar_env(work, KHABAR_TEST_HOOK=hook.url)
    with FaultSite() as site:
        crawl = run_khabar(work, "crawl", "article", "-a", f"url={site.url}/story/{story}", "--no-notify", env=env)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert query(work / "khabar.db", "SELECT count(*) FROM deliveries WHERE status = 'pending'") == [(2,)]
    return env


def start_deliver(work: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", "alerts", "deliver"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def hook_row(work: Path) -> dict[str, object]:
    return dict(rows(work / "khabar.db", "SELECT * FROM deliveries WHERE target = 'hook'")[0])


def test_a_run_killed_mid_send_is_taken_over_at_once_and_the_repeat_carries_the_same_key(tmp_path: Path) -> None:
    with Webhook(hold=30) as hook:
        env = alert_waiting(tmp_path, hook, 11)
        killed = start_deliver(tmp_path, env)
        assert hook.received.wait(60), "the webhook never got the alert"
        killed.send_signal(signal.SIGKILL)  # after the webhook took the message, before it was recorded as sent
        killed.communicate(timeout=30)
        leased = hook_row(tmp_path)
        assert leased["status"] == "pending" and leased["lease_until"] and leased["lease_owner"]

        waiting = run_khabar(tmp_path, "alerts", "deliver", env=env)  # an ordinary run respects the lease ...
        assert waiting.returncode == 0 and len(hook.posts) == 1, waiting.stderr
        hook.hold = 0
        taken_over = run_khabar(tmp_path, "alerts", "deliver", "--retry-now", env=env)  # ... --retry-now does not
        assert taken_over.returncode == 0 and "sent 1 deliveries" in taken_over.stdout, taken_over.stderr
    assert hook_row(tmp_path)["status"] == "sent"
    assert len(hook.posts) == 2  # the webhook could not answer before the kill: it was sent again ...
    keys = [post["headers"].get("Idempotency-Key") for post in hook.posts]
    assert keys[0] and keys[0] == keys[1]  # ... with the same key, so a receiver that honours it keeps one
    assert len(hook.unique()) == 1


def test_a_run_stopped_mid_send_gives_its_lease_back(tmp_path: Path) -> None:
    with Webhook(hold=30) as hook:
        env = alert_waiting(tmp_path, hook, 12)
        stopped = start_deliver(tmp_path, env)
        assert hook.received.wait(60), "the webhook never got the alert"
        stopped.send_signal(signal.SIGTERM)  # cron's timeout, systemd stopping the service
        _, err = stopped.communicate(timeout=60)
        assert stopped.returncode == 130 and "Traceback" not in err, err
        assert hook_row(tmp_path)["lease_until"] is None  # given back: nobody waits out a lease
        hook.hold = 0
        again = run_khabar(tmp_path, "alerts", "deliver", env=env)  # no --retry-now needed: the webhook and the file
        assert again.returncode == 0 and "sent 2 deliveries" in again.stdout, again.stderr
    assert len(hook.unique()) == 1


def test_the_file_target_never_writes_a_message_twice(tmp_path: Path) -> None:
    target = NotifyTarget(name="file", file=str(tmp_path / "alerts.jsonl"))
    record = {"alert_id": 1, "title": "रूस", "idempotency_key": "khabar-0123456789abcdef0123456789abcdef"}
    send(target, record)
    send(target, record)  # a run killed after writing the line, before recording it: the retry
    send(target, record | {"idempotency_key": "khabar-ffffffffffffffffffffffffffffffff"})
    lines = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["message_key"] for line in lines] == ["khabar-0123456789abcdef0123456789abcdef",
                                                       "khabar-ffffffffffffffffffffffffffffffff"]

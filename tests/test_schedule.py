"""The scheduler with a fake clock and a fake launcher: on time, no overlap, stale locks, missed slots once."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from croniter import croniter

from crawler.app.schedule import Scheduler, crawl_command, cron_lines, latest_slot, on_calendar, systemd_units
from crawler.components.sites import site_names
from crawler.config import Config, Schedule, load_config
from crawler.store.connection import connect
from crawler.store.runs import SpiderLock
from tests.conftest import REPO, run_khabar

IST = timezone(timedelta(hours=5, minutes=30))


def at(hour: int, minute: int, second: int = 0, day: int = 1) -> datetime:
    return datetime(2024, 1, day, hour, minute, second, tzinfo=IST)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.time = start

    def now(self) -> datetime:
        return self.time

    def sleep(self, seconds: float, wake: object) -> None:
        self.time += timedelta(seconds=seconds)


class FakeRun:
    def __init__(self, pid: int, obeys_sigterm: bool = True) -> None:
        self.pid = pid
        self.code: int | None = None
        self.obeys_sigterm = obeys_sigterm
        self.signals: list[str] = []

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        self.signals.append("TERM")
        if self.obeys_sigterm:
            self.code = 0

    def kill(self) -> None:
        self.signals.append("KILL")
        self.code = -9


class FakeLauncher:
    def __init__(self, clock: FakeClock, finish_at_once: bool = False, obeys_sigterm: bool = True) -> None:
        self.clock = clock
        self.finish_at_once = finish_at_once
        self.obeys_sigterm = obeys_sigterm
        self.runs: list[tuple[str, datetime, FakeRun]] = []

    def __call__(self, schedule: Schedule) -> FakeRun:
        run = FakeRun(pid=900_000 + len(self.runs), obeys_sigterm=self.obeys_sigterm)
        if self.finish_at_once:
            run.code = 0
        self.runs.append((schedule.name, self.clock.now(), run))
        return run

    @property
    def times(self) -> list[datetime]:
        return [started for _, started, _ in self.runs]


def make(tmp_path: Path, start: datetime, *schedules: Schedule, finish_at_once: bool = False,
         run_now: bool = False, obeys_sigterm: bool = True) -> tuple[Scheduler, FakeClock, FakeLauncher]:
    clock = FakeClock(start)
    launcher = FakeLauncher(clock, finish_at_once, obeys_sigterm)
    db = connect(tmp_path / "khabar.db")
    scheduler = Scheduler(schedules, db, launcher, locks=tmp_path / "locks", clock=clock, run_now=run_now)
    return scheduler, clock, launcher


HALF_HOURLY = Schedule(name="lokmat", spider="lokmat", cron="*/30 * * * *", args={"max_pages": "3"})


def hold_lock(lock_dir: Path, name: str) -> subprocess.Popen[str]:
    """A real process holding a spider's lock until it is killed."""
    code = ("import sys, time\nfrom crawler.store.runs import SpiderLock\n"
            f"lock = SpiderLock({str(lock_dir)!r}, {name!r})\nassert lock.acquire()\n"
            "print('locked', flush=True)\ntime.sleep(120)\n")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_latest_slot_includes_the_current_minute() -> None:
    assert latest_slot("*/30 * * * *", at(10, 30)) == at(10, 30)
    assert latest_slot("*/30 * * * *", at(10, 29, 59)) == at(10, 0)
    assert latest_slot("*/30 * * * *", at(10, 30, 0) + timedelta(microseconds=5)) == at(10, 30)


def test_runs_start_on_time(tmp_path: Path) -> None:
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY)
    assert [e.kind for e in scheduler.tick()] == ["waiting"]  # a new schedule waits for its next slot
    for moment in (at(10, 6), at(10, 29, 59)):
        clock.time = moment
        scheduler.tick()
    assert launcher.runs == []
    clock.time = at(10, 30)
    assert [e.kind for e in scheduler.tick()] == ["started"]
    launcher.runs[0][2].code = 0
    clock.time = at(10, 45)
    assert [e.kind for e in scheduler.tick()] == ["finished"]
    clock.time = at(11, 0, 1)
    scheduler.tick()
    assert launcher.times == [at(10, 30), at(11, 0, 1)]
    assert [name for name, _, _ in launcher.runs] == ["lokmat", "lokmat"]
    state = scheduler.state.get("lokmat")
    assert state["last_slot"] == at(11, 0).isoformat() and state["last_pid"] == launcher.runs[1][2].pid


def test_the_run_loop_sleeps_until_each_slot(tmp_path: Path) -> None:
    hourly = Schedule(name="hourly", spider="lokmat", cron="0 * * * *")
    scheduler, clock, launcher = make(tmp_path, at(9, 59), hourly, finish_at_once=True)

    def sleep(seconds: float, wake: object) -> None:
        clock.time += timedelta(seconds=seconds)
        if clock.time >= at(12, 30):
            scheduler.stop.set()

    clock.sleep = sleep  # type: ignore[method-assign]
    scheduler.run()
    assert [t.replace(microsecond=0) for t in launcher.times] == [at(10, 0), at(11, 0), at(12, 0)]
    assert all(t - t.replace(microsecond=0) < timedelta(seconds=1) for t in launcher.times)


def test_an_overlapping_run_is_refused(tmp_path: Path) -> None:
    other = Schedule(name="lokmat-deep", spider="lokmat", cron="45 * * * *", args={"max_pages": "20"})
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY, other)
    scheduler.tick()
    clock.time = at(10, 30)
    scheduler.tick()
    assert len(launcher.runs) == 1  # still running from here on
    clock.time = at(10, 45)
    refused = [e for e in scheduler.tick() if e.kind == "refused"]
    assert [e.schedule for e in refused] == ["lokmat-deep"]  # same spider, another schedule
    clock.time = at(11, 0)
    refused = [e for e in scheduler.tick() if e.kind == "refused"]
    assert [e.schedule for e in refused] == ["lokmat"]
    assert "still running" in scheduler.state.get("lokmat")["last_refused_reason"]
    assert len(launcher.runs) == 1
    launcher.runs[0][2].code = 0  # the long run ends; the refused slot is not made up afterwards
    clock.time = at(11, 10)
    scheduler.tick()
    assert len(launcher.runs) == 1
    clock.time = at(11, 30)
    scheduler.tick()
    assert launcher.times == [at(10, 30), at(11, 30)]


def test_a_run_in_another_process_is_refused(tmp_path: Path) -> None:
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY)
    scheduler.tick()
    holder = hold_lock(tmp_path / "locks", "lokmat")
    try:
        clock.time = at(10, 30)
        events = scheduler.tick()
        assert [e.kind for e in events] == ["refused"]
        assert f"process {holder.pid}" in events[0].detail
        assert launcher.runs == []
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_from_a_killed_run_is_recovered(tmp_path: Path) -> None:
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY)
    scheduler.tick()
    holder = hold_lock(tmp_path / "locks", "lokmat")
    lock = SpiderLock(tmp_path / "locks", "lokmat")
    assert lock.holder() == holder.pid
    os.kill(holder.pid, signal.SIGKILL)  # no chance to clean up
    holder.wait()
    assert lock.path.read_text().strip() == str(holder.pid)  # the dead run's PID is still in the file
    assert lock.holder() is None
    clock.time = at(10, 30)
    assert [e.kind for e in scheduler.tick()] == ["started"]
    assert launcher.times == [at(10, 30)]
    assert lock.acquire()  # and a real crawl could take it
    lock.release()


def test_a_killed_holder_not_yet_reaped_does_not_hold_the_lock(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path / "locks", "lokmat")
    os.kill(holder.pid, signal.SIGKILL)
    time.sleep(0.3)  # dead but not reaped: a zombie still answers kill(pid, 0)
    try:
        assert SpiderLock(tmp_path / "locks", "lokmat").holder() is None
    finally:
        holder.wait()


def test_missed_slots_run_once(tmp_path: Path) -> None:
    scheduler, clock, launcher = make(tmp_path, at(7, 50), HALF_HOURLY, finish_at_once=True)
    scheduler.tick()
    clock.time = at(8, 0)
    scheduler.tick()
    assert launcher.times == [at(8, 0)]
    # The machine is down from 08:10 until 10:47: the 08:30 ... 10:30 slots (five) are missed.
    later, clock2, launcher2 = make(tmp_path, at(10, 47), HALF_HOURLY, finish_at_once=True)
    for moment in (at(10, 47), at(10, 48), at(10, 59, 59)):
        clock2.time = moment
        later.tick()
    assert launcher2.times == [at(10, 47)]
    assert later.state.get("lokmat")["last_slot"] == at(10, 30).isoformat()
    clock2.time = at(11, 0)
    later.tick()
    assert launcher2.times == [at(10, 47), at(11, 0)]


def test_a_crawl_that_cannot_start_is_logged_and_the_next_slot_still_runs(tmp_path: Path) -> None:
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY)
    scheduler.tick()

    def broken(schedule: Schedule) -> FakeRun:
        raise OSError("Resource temporarily unavailable")

    scheduler.launch = broken
    clock.time = at(10, 30)
    assert [e.kind for e in scheduler.tick()] == ["failed"]
    assert "could not start" in scheduler.state.get("lokmat")["last_refused_reason"]
    scheduler.launch = launcher
    clock.time = at(11, 0)
    assert [e.kind for e in scheduler.tick()] == ["started"]


def test_run_now_starts_every_schedule_once(tmp_path: Path) -> None:
    daily = Schedule(name="daily", spider="article", cron="0 6 * * *")
    scheduler, clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY, daily, run_now=True)
    scheduler.tick()
    assert sorted(name for name, _, _ in launcher.runs) == ["daily", "lokmat"]
    clock.time = at(10, 6)
    scheduler.tick()
    assert len(launcher.runs) == 2


def test_stopping_forwards_sigterm_and_waits_then_kills_on_force(tmp_path: Path) -> None:
    scheduler, _clock, launcher = make(tmp_path, at(10, 5), HALF_HOURLY, run_now=True)
    scheduler.tick()
    polite = launcher.runs[0][2]
    scheduler.shutdown()
    assert polite.signals == ["TERM"] and scheduler.running == {}
    assert scheduler.state.get("lokmat")["last_exit_code"] == 0

    (tmp_path / "2").mkdir()
    stubborn_scheduler, _, stubborn_launcher = make(tmp_path / "2", at(10, 5), HALF_HOURLY, run_now=True,
                                                    obeys_sigterm=False)
    stubborn_scheduler.tick()
    stubborn = stubborn_launcher.runs[0][2]
    stubborn_scheduler.force.set()  # a second Ctrl-C
    stubborn_scheduler.shutdown()
    assert stubborn.signals == ["TERM", "KILL"]


# --- the same schedules for cron and systemd ------------------------------------------------

def config_with(workdir: Path, body: str) -> Config:
    (workdir / "khabar.toml").write_text(body, encoding="utf-8")
    return load_config(str(workdir / "khabar.toml"))


def test_cron_lines_run_the_same_command(workdir: Path) -> None:
    config = config_with(workdir, '[schedules.lokmat]\nspider = "lokmat"\ncron = "*/30 * * * *"\n'
                                  'args = { max_pages = "3" }\n[schedules.daily]\nspider = "lokmat"\n'
                                  'cron = "0 6 * * *"\nsettings = { DOWNLOAD_DELAY = "50%" }\n')
    text = cron_lines(config, list(config.schedules.values()), cwd=str(workdir))
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert len(lines) == 3
    assert lines[0].startswith("*/30 * * * * cd ")
    # cron keeps no record of how a run went: each line appends the exit status to the log
    assert all(line.endswith(f'exit $code" >> {workdir}/data/khabar-cron.log') for line in lines)
    # digests and retries go out when no crawl runs; secrets come from khabar.env beside the config
    assert lines[2].startswith("*/5 * * * * cd ") and "-m crawler alerts deliver --db " in lines[2]
    assert f". {workdir}/khabar.env;" in lines[0] and f". {workdir}/khabar.env;" in lines[2]
    assert "-m crawler crawl lokmat -a max_pages=3" in lines[0] and "KHABAR_SCHEDULE=lokmat" in lines[0]
    assert "--config " + str(workdir / "khabar.toml") in lines[0]
    assert lines[1].startswith("0 6 * * * ") and "DOWNLOAD_DELAY=50\\%" in lines[1]  # % ends a cron command


def test_systemd_units_name_the_same_times(workdir: Path) -> None:
    config = config_with(workdir, '[schedules.lokmat]\nspider = "lokmat"\ncron = "*/30 * * * *"\n')
    text = systemd_units(config, list(config.schedules.values()), cwd=str(workdir))
    assert "# ---- khabar-lokmat.service ----" in text and "# ---- khabar-lokmat.timer ----" in text
    assert "OnCalendar=*-*-* *:00,30:00" in text and "Persistent=true" in text
    assert "ExecStart=" + " ".join(crawl_command(config.schedules["lokmat"], config)) in text
    assert f"EnvironmentFile=-{workdir}/khabar.env" in text  # the notify secrets, outside the config
    assert "-m crawler alerts deliver --db " in text and "OnCalendar=*:0/5" in text
    tool = shutil.which("systemd-analyze")
    if tool:  # systemd itself accepts the units
        units = dict(re.findall(r"# ---- (\S+) ----\n(.*?)(?=\n# ---- |\Z)", text, re.S))
        assert set(units) == {"khabar-lokmat.service", "khabar-lokmat.timer", "khabar-deliver.service",
                              "khabar-deliver.timer"}
        for name, body in units.items():
            (workdir / name).write_text(body, encoding="utf-8")
        check = subprocess.run([tool, "verify", *(str(workdir / name) for name in units)],
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0 and not check.stderr.strip(), check.stderr


@pytest.mark.parametrize("cron", ["*/30 * * * *", "5,35 * * * *", "0 6,18 * * 1-5", "15 3 1 * 0", "0 */6 * * *",
                                  "@hourly", "30 2 * 3,9 *"])
def test_on_calendar_elapses_when_cron_does(cron: str) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    base = datetime(2024, 1, 1, 10, 7, tzinfo=UTC)
    expected = []
    times = croniter(cron, base)
    for _ in range(8):
        expected.append(times.get_next(datetime))
    seen: set[datetime] = set()
    for value in on_calendar(cron):
        out = subprocess.run([tool, "calendar", "--base-time=2024-01-01 10:07:00 UTC", "--iterations=8", value],
                             capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}, check=True).stdout
        for found in re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", out):
            seen.add(datetime.fromisoformat(found).replace(tzinfo=UTC))
    assert sorted(seen)[:8] == expected


def test_schedule_refuses_an_unknown_spider_or_a_bad_cron(workdir: Path) -> None:
    (workdir / "khabar.toml").write_text('[schedules.nightly]\nspider = "no-such-site"\ncron = "0 2 * * *"\n',
                                         encoding="utf-8")
    result = run_khabar(workdir, "schedule", "--list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "schedules.nightly" in result.stderr and "unknown spider 'no-such-site'" in result.stderr
    (workdir / "khabar.toml").write_text('[schedules.nightly]\nspider = "lokmat"\ncron = "0 25 * * *"\n',
                                         encoding="utf-8")
    result = run_khabar(workdir, "schedule", "--print-cron")
    assert result.returncode == 1 and "schedules.nightly.cron" in result.stderr
    (workdir / "khabar.toml").write_text('[schedules.nightly]\nspider = "lokmat"\ncron = "0 2 * * *"\n'
                                         'args = { max_pages = "zero" }\n', encoding="utf-8")
    result = run_khabar(workdir, "schedule", "--print-cron")
    assert result.returncode == 1 and "max_pages" in result.stderr and "Traceback" not in result.stderr


def test_the_shipped_config_schedules_every_site_spider() -> None:
    config = load_config(str(REPO / "khabar.toml"))
    spiders = {s.spider for s in config.schedules.values()}
    assert spiders == set(site_names())

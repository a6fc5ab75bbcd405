"""``khabar schedule``: run the configured schedules in the foreground, like a small cron for crawls.

Each crawl runs as a subprocess (``python -m crawler crawl SPIDER ...``): a Twisted
reactor cannot be restarted in one process. The loop is built for unattended use:

- a slot missed while the machine was down (or the scheduler stopped) runs once, not
  once per missed slot: the last slot handled per schedule is kept in the database
  (``schedule_state``);
- at most one run per spider: a slot whose spider is still running, here or in any
  other process (the spider's lock file, crawler/runs.py), is refused and logged;
- SIGTERM or Ctrl-C stops it cleanly: the signal is forwarded to the running crawls as
  SIGTERM so Scrapy closes them gracefully (finish reason ``shutdown``), and the
  scheduler waits for them. A second signal kills them.

The clock and the launch function are injectable, so tests drive it with a fake clock.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils
from croniter import croniter

from crawler.app.exit_codes import meaning
from crawler.config import Config, Schedule
from crawler.store.connection import connect
from crawler.store.runs import SpiderLock, lock_dir

logger = logging.getLogger(__name__)

SCHEDULER_LOCK = "_scheduler"
# Never sleep longer than this: a suspended laptop or a clock change is noticed within a minute.
MAX_SLEEP_SECONDS = 60.0


class ScheduleError(Exception):
    """A schedule that cannot run, phrased for the user."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float, wake: threading.Event) -> None: ...


class SystemClock:
    """Local time (cron expressions are read in the machine's time zone, as cron does)."""

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        wake.wait(seconds)


class RunHandle(Protocol):
    """A launched crawl; ``subprocess.Popen`` is one."""

    pid: int

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


Launch = Callable[[Schedule], RunHandle]


@dataclass
class Event:
    kind: str  # waiting, started, refused, failed, finished
    schedule: str
    detail: str = ""


def latest_slot(cron: str, now: datetime) -> datetime:
    """The latest time at or before ``now`` that ``cron`` names."""
    # croniter's get_prev is strictly before its start, so start one second after the current second.
    start = now.replace(microsecond=0) + timedelta(seconds=1)
    return croniter(cron, start).get_prev(datetime)


def next_slot(cron: str, now: datetime) -> datetime:
    """The first time after ``now`` that ``cron`` names."""
    return croniter(cron, now).get_next(datetime)


def crawl_command(schedule: Schedule, config: Config) -> list[str]:
    """The command one scheduled run executes (also what --print-cron and --print-systemd write)."""
    command = [sys.executable, "-m", "crawler", "crawl", schedule.spider]
    for name, value in schedule.args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in schedule.settings.items():
        command += ["-s", f"{name}={value}"]
    command += ["-s", f"KHABAR_SCHEDULE={schedule.name}", "-s", "KHABAR_PROGRESS=lines",
                "--db", os.path.abspath(config.db_path)]
    if config.source:
        command += ["--config", os.path.abspath(config.source)]
    return command


def deliver_command(config: Config) -> list[str]:
    """``khabar alerts deliver`` for this database and config: sends digests and retries when no crawl runs."""
    command = [sys.executable, "-m", "crawler", "alerts", "deliver", "--db", os.path.abspath(config.db_path)]
    if config.source:
        command += ["--config", os.path.abspath(config.source)]
    return command


# How often the printed cron and systemd set-ups run `khabar alerts deliver`.
DELIVER_CRON = "*/5 * * * *"
DELIVER_CALENDAR = "*:0/5"


def env_file(config: Config) -> str:
    """Where the printed set-ups read secrets from: khabar.env beside the config file (else beside the database)."""
    folder = os.path.dirname(os.path.abspath(config.source)) if config.source else \
        os.path.dirname(os.path.abspath(config.db_path))
    return os.path.join(folder, "khabar.env")


def secret_names(config: Config) -> list[str]:
    """The environment variables the notify targets read their Apprise URLs from."""
    return sorted({target.url_env for target in config.notify.values() if target.url_env})


def subprocess_launcher(config: Config) -> Launch:
    def launch(schedule: Schedule) -> RunHandle:
        # A session of its own: Ctrl-C in the terminal reaches only the scheduler, which forwards
        # one SIGTERM (a second signal would make Scrapy stop uncleanly).
        return subprocess.Popen(crawl_command(schedule, config), start_new_session=True)

    return launch


class ScheduleState:
    """The ``schedule_state`` table: per schedule, the last slot handled and how its last run went."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get(self, name: str) -> dict[str, Any]:
        rows = list(self.db["schedule_state"].rows_where("name = ?", [name]))
        return rows[0] if rows else {}

    def save(self, schedule: Schedule, **fields: Any) -> None:
        self.db.table("schedule_state").upsert({"name": schedule.name, "spider": schedule.spider, "cron": schedule.cron,
                                          **fields}, pk="name")


@dataclass
class Running:
    schedule: Schedule
    handle: RunHandle
    started: datetime


class Scheduler:
    def __init__(self, schedules: Iterable[Schedule], db: sqlite_utils.Database, launch: Launch, *,
                 locks: Path, clock: Clock | None = None, run_now: bool = False, poll_seconds: float = 2.0,
                 stop_timeout: float = 600.0) -> None:
        self.schedules = list(schedules)
        self.state = ScheduleState(db)
        self.launch = launch
        self.locks = locks
        self.clock: Clock = clock or SystemClock()
        self.run_now = run_now
        self.poll_seconds = poll_seconds
        self.stop_timeout = stop_timeout
        self.running: dict[str, Running] = {}
        self.stop = threading.Event()  # first SIGTERM / Ctrl-C
        self.force = threading.Event()  # second one: kill the crawls

    # --- one step -----------------------------------------------------------------
    def tick(self) -> list[Event]:
        """Reap finished runs, then start every schedule whose slot has come."""
        now = self.clock.now()
        events = self.reap(now)
        for schedule in self.schedules:
            event = self._consider(schedule, now)
            if event:
                events.append(event)
        self.run_now = False
        for event in events:
            logger.info("schedule %s: %s %s", event.schedule, event.kind, event.detail)
        return events

    def _consider(self, schedule: Schedule, now: datetime) -> Event | None:
        slot = latest_slot(schedule.cron, now)
        last = self.state.get(schedule.name).get("last_slot")
        if not self.run_now:
            if last is None:
                # First sight of this schedule: wait for its next slot rather than run for a slot long past.
                self.state.save(schedule, last_slot=slot.isoformat())
                return Event("waiting", schedule.name, f"first run at {next_slot(schedule.cron, now).isoformat()}")
            if slot <= datetime.fromisoformat(last):
                return None
        # Due. However many slots were missed, this is one run, and the latest slot is now handled.
        self.state.save(schedule, last_slot=slot.isoformat())
        busy = self._busy(schedule)
        if busy:
            self.state.save(schedule, last_refused_at=now.isoformat(), last_refused_reason=busy)
            return Event("refused", schedule.name, busy)
        try:
            handle = self.launch(schedule)
        except OSError as error:  # e.g. too many processes: log it, keep the other schedules going
            self.state.save(schedule, last_refused_at=now.isoformat(), last_refused_reason=f"could not start: {error}")
            return Event("failed", schedule.name, f"could not start the crawl: {error}")
        self.running[schedule.name] = Running(schedule, handle, now)
        self.state.save(schedule, last_started_at=now.isoformat(), last_pid=handle.pid, last_finished_at=None,
                        last_exit_code=None)
        return Event("started", schedule.name, f"{schedule.spider} as process {handle.pid}")

    def _busy(self, schedule: Schedule) -> str:
        for run in self.running.values():
            if run.schedule.spider == schedule.spider:
                return (f"{schedule.spider} is still running (schedule {run.schedule.name}, process "
                        f"{run.handle.pid}); this slot is skipped")
        holder = SpiderLock(self.locks, schedule.spider).holder()
        if holder:
            return f"{schedule.spider} is being crawled by process {holder}; this slot is skipped"
        return ""

    def reap(self, now: datetime | None = None) -> list[Event]:
        events = []
        for name, run in list(self.running.items()):
            code = run.handle.poll()
            if code is None:
                continue
            del self.running[name]
            finished = (now or self.clock.now()).isoformat()
            self.state.save(run.schedule, last_finished_at=finished, last_exit_code=code)
            events.append(Event("finished", name, f"process {run.handle.pid} exited with {meaning(code)}"))
        return events

    # --- the loop -------------------------------------------------------------------
    def seconds_to_wait(self) -> float:
        now = self.clock.now()
        soonest = min((next_slot(s.cron, now) for s in self.schedules), default=now + timedelta(minutes=1))
        wait = (soonest - now).total_seconds() + 0.05
        if self.running:
            wait = min(wait, self.poll_seconds)
        return max(0.05, min(wait, MAX_SLEEP_SECONDS))

    def run(self) -> None:
        """Until ``stop`` is set: start runs on time, then stop the running crawls cleanly."""
        while not self.stop.is_set():
            self.tick()
            if not self.stop.is_set():
                self.clock.sleep(self.seconds_to_wait(), self.stop)
        self.shutdown()

    def shutdown(self) -> None:
        """Forward SIGTERM to every running crawl and wait for them (kill them on ``force`` or timeout)."""
        for name, run in self.running.items():
            logger.info("schedule %s: stopping process %s (SIGTERM; Scrapy finishes cleanly)", name, run.handle.pid)
            run.handle.terminate()
        deadline = time.monotonic() + self.stop_timeout
        while self.running and not self.force.is_set() and time.monotonic() < deadline:
            self.reap()
            if self.running:
                self.force.wait(0.2)
        for name, run in list(self.running.items()):
            logger.warning("schedule %s: killing process %s", name, run.handle.pid)
            run.handle.kill()
        deadline = time.monotonic() + 10
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.05)


# --- checks and the foreground command ------------------------------------------------
def chosen_schedules(config: Config, only: Iterable[str] = ()) -> list[Schedule]:
    """The schedules to run, each checked: its spider exists and accepts its arguments."""
    from crawler.app.runner import CrawlError, load_spider

    if not config.schedules:
        raise ScheduleError(f"{config.source_name} has no schedules; add one such as\n"
                            '  [schedules.lokmat]\n  spider = "lokmat"\n  cron = "*/30 * * * *"')
    wanted = list(only) or list(config.schedules)
    unknown = [name for name in wanted if name not in config.schedules]
    if unknown:
        raise ScheduleError(f"no schedule named {unknown[0]!r} in {config.source_name} "
                            f"(schedules: {', '.join(config.schedules)})")
    chosen = [config.schedules[name] for name in wanted]
    for schedule in chosen:
        try:
            load_spider(schedule.spider, schedule.args)
        except CrawlError as error:
            raise ScheduleError(f"{config.source_name}: schedules.{schedule.name}: {error}") from None
    return chosen


def run_foreground(config: Config, schedules: list[Schedule], *, run_now: bool = False) -> None:
    """``khabar schedule``: one scheduler per database, until SIGTERM or Ctrl-C."""
    from crawler.alerts.delivery import missing_secrets

    problems = missing_secrets(config)
    if problems and config.delivery.at_close:
        raise ScheduleError(problems[0])
    db = connect(config.db_path)
    locks = lock_dir(config.db_path)
    guard = SpiderLock(locks, SCHEDULER_LOCK)
    if not guard.acquire():
        raise ScheduleError(f"another `khabar schedule` (process {guard.holder() or '?'}) already runs the "
                            f"schedules of {config.db_path}")
    scheduler = Scheduler(schedules, db, subprocess_launcher(config), locks=locks, run_now=run_now)

    def on_signal(signum: int, frame: Any) -> None:
        if scheduler.stop.is_set():
            scheduler.force.set()
        scheduler.stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("running %d schedule(s) on %s: %s; SIGTERM or Ctrl-C stops", len(schedules), config.db_path,
                ", ".join(f"{s.name} ({s.cron})" for s in schedules))
    try:
        scheduler.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        guard.release()
        db.close()
    logger.info("scheduler stopped")


def schedule_table(config: Config, schedules: list[Schedule], now: datetime | None = None) -> list[dict[str, Any]]:
    """Each schedule with its next slot and how its last run went (``khabar schedule --list``)."""
    now = now or SystemClock().now()
    db = connect(config.db_path)
    try:
        state = ScheduleState(db)
        return [{"name": s.name, "spider": s.spider, "cron": s.cron,
                 "args": " ".join(f"{k}={v}" for k, v in s.args.items()),
                 "next_run": next_slot(s.cron, now).isoformat(timespec="minutes"),
                 "last_started_at": state.get(s.name).get("last_started_at"),
                 "last_exit_code": meaning(state.get(s.name).get("last_exit_code"))} for s in schedules]
    finally:
        db.close()


# --- the same schedules for the system's scheduler ---------------------------------------
def cron_lines(config: Config, schedules: list[Schedule], cwd: str | None = None) -> str:
    """Crontab lines equivalent to the schedules, plus `khabar alerts deliver` every 5 minutes (digests, retries).
    Each line appends the run's output and then its exit status to khabar-cron.log (cron keeps neither), and reads
    the notify secrets from khabar.env when that file exists. Cron itself does not catch up missed slots."""
    cwd = cwd or os.getcwd()
    folder = os.path.abspath(os.path.dirname(config.db_path) or ".")
    log = os.path.join(folder, "khabar-cron.log")
    secrets = env_file(config)
    lines = [f"# Khabar schedules from {config.source_name}; install with `crontab -e`.",
             "# Cron skips slots missed while the machine is off; the systemd timers "
             "(--print-systemd) catch up once.",
             "# Overlapping runs are refused by the spider lock next to the database.",
             f"# Each run's output and exit status go to {log}: 0 ok, 4 health ALERT, 5 refused,",
             "# 130 stopped, 1 not started, 3 failed (see the README's exit codes).",
             f"# Notify secrets: lines such as {_secret_example(config)} in {secrets} (chmod 600)."]

    def line(cron: str, name: str, command: list[str]) -> str:
        # The log's folder must exist before the shell opens the log, i.e. before the first crawl creates it.
        text = (f"cd {shlex.quote(cwd)} && mkdir -p {shlex.quote(folder)} && "
                f"{{ [ ! -r {shlex.quote(secrets)} ] || {{ set -a; . {shlex.quote(secrets)}; set +a; }}; }} && "
                + shlex.join(command) + f" >> {shlex.quote(log)} 2>&1; "
                # $? is read first: the $(date) in the message would replace it.
                f'code=$?; echo "$(date -Iseconds) {name} exit $code" >> {shlex.quote(log)}')
        return f"{cron} {text.replace('%', chr(92) + '%')}"  # % ends a crontab command

    for schedule in schedules:
        lines.append(line(schedule.cron, f"schedule {schedule.name}", crawl_command(schedule, config)))
    lines.append("# Digests, alerts held for quiet hours and failed deliveries go out when no crawl is running:")
    lines.append(line(DELIVER_CRON, "alerts deliver", deliver_command(config)))
    return "\n".join(lines) + "\n"


def _secret_example(config: Config) -> str:
    names = secret_names(config)
    return ", ".join(f"{name}=..." for name in names) if names else "KHABAR_SLACK_URL=slack://..."


SCRAPYD_PROJECT = "khabar"


def scrapyd_lines(config: Config, schedules: list[Schedule], url: str) -> str:
    """Crontab lines that ask a Scrapyd server (``url``) to run the schedules instead of running them here.

    Each line POSTs ``schedule.json`` with the spider's arguments, its settings and the database and config as
    ``setting=``: the paths are the Scrapyd host's, so they are written out absolute."""
    endpoint = url.rstrip("/") + "/schedule.json"
    lines = [f"# Khabar schedules from {config.source_name}, run by the Scrapyd at {url}; install with `crontab -e`.",
             f"# Deploy first: scrapyd-deploy local -p {SCRAPYD_PROJECT} (see README, Scrapyd). Scrapyd queues a "
             "run; the spider lock next to the database refuses an overlapping one."]
    for schedule in schedules:
        fields = [("project", SCRAPYD_PROJECT), ("spider", schedule.spider), *schedule.args.items(),
                  *(("setting", f"{name}={value}") for name, value in schedule.settings.items()),
                  ("setting", f"KHABAR_SCHEDULE={schedule.name}"),
                  ("setting", f"KHABAR_DB={os.path.abspath(config.db_path)}")]
        if config.source:
            fields.append(("setting", f"KHABAR_CONFIG={os.path.abspath(config.source)}"))
        command = shlex.join(["curl", "-sS", "--fail", endpoint,
                              *(word for name, value in fields for word in ("-d", f"{name}={value}"))])
        lines.append(f"{schedule.cron} {command.replace('%', chr(92) + '%')}")  # % ends a crontab command
    return "\n".join(lines) + "\n"


_WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def on_calendar(cron: str) -> list[str]:
    """systemd OnCalendar= values for a cron expression (several when cron ORs day-of-month and weekday)."""
    fields, _ = croniter.expand(cron)
    minutes, hours, days, months, weekdays = fields

    def listed(values: list[Any], width: int = 2) -> str:
        return "*" if values == ["*"] else ",".join(f"{int(v):0{width}d}" for v in values)

    def weekday_part(values: list[Any]) -> str:
        return "" if values == ["*"] else ",".join(_WEEKDAYS[int(v) % 7] for v in values) + " "

    time_part = f"{listed(hours)}:{listed(minutes)}:00"
    date_part = f"*-{listed(months)}-{listed(days)}"
    if days != ["*"] and weekdays != ["*"]:
        # cron runs when either the day of month or the weekday matches; systemd wants both: two lines.
        return [f"*-{listed(months)}-{listed(days)} {time_part}",
                f"{weekday_part(weekdays)}*-{listed(months)}-* {time_part}"]
    return [f"{weekday_part(weekdays)}{date_part} {time_part}"]


def _systemd_quote(word: str) -> str:
    word = word.replace("%", "%%")
    if any(c in word for c in " \t\"'\\;$"):
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


def systemd_units(config: Config, schedules: list[Schedule], cwd: str | None = None) -> str:
    """A .service and a .timer per schedule (Persistent=true runs a missed slot once after boot), and one pair
    for `khabar alerts deliver` every 5 minutes. systemd records each run's exit status (`systemctl status`,
    the journal); secrets come from an EnvironmentFile."""
    cwd = cwd or os.getcwd()
    secrets = env_file(config)
    out = [f"# Khabar schedules from {config.source_name} as systemd units. Save each block under",
           "# ~/.config/systemd/user/ (or /etc/systemd/system/), then:",
           "#   systemctl --user daemon-reload && systemctl --user enable --now khabar-NAME.timer",
           "# Exit status of a run (systemctl --user status khabar-NAME; journalctl --user -u khabar-NAME):",
           "#   0 ok, 4 crawl health ALERT, 5 refused (already running), 130 stopped, 1 not started, 3 failed.",
           f"# Notify secrets: {_secret_example(config)} lines in {secrets} (chmod 600), read through",
           "# EnvironmentFile= (the leading '-' lets units start without it; a crawl then says which is missing).",
           ""]

    def units(unit: str, description: str, command: list[str], calendars: list[str], timer_description: str,
              persistent: bool) -> list[str]:
        lines = [f"# ---- {unit}.service ----", "[Unit]", f"Description={description}", "", "[Service]",
                 "Type=oneshot", f"WorkingDirectory={cwd}", f"EnvironmentFile=-{secrets}",
                 f"ExecStart={' '.join(_systemd_quote(word) for word in command)}",
                 "# SIGTERM lets Scrapy finish the pages in flight and record the run (exit status 130).",
                 "KillSignal=SIGTERM", "KillMode=mixed", "TimeoutStopSec=600", "",
                 f"# ---- {unit}.timer ----", "[Unit]", f"Description={timer_description}", "", "[Timer]"]
        lines += [f"OnCalendar={value}" for value in calendars]
        lines += (["Persistent=true"] if persistent else []) + [f"Unit={unit}.service", "", "[Install]",
                                                                 "WantedBy=timers.target", ""]
        return lines

    for schedule in schedules:
        out += units(f"khabar-{schedule.name}", f"Khabar crawl of {schedule.spider} (schedule {schedule.name})",
                     crawl_command(schedule, config), on_calendar(schedule.cron),
                     f"Khabar schedule {schedule.name} (cron: {schedule.cron})", persistent=True)
    out += units("khabar-deliver", "Khabar: send due alert digests and retry failed deliveries",
                 deliver_command(config), [DELIVER_CALENDAR], "Khabar alert delivery every 5 minutes",
                 persistent=False)
    return "\n".join(out)

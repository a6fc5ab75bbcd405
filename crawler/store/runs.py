"""The run history in ``crawl_runs``: counts from Scrapy's stats, statuses, and the one-run-per-spider lock.

``SpiderLock`` is a lock file next to the database holding the PID of the running crawl, locked
with ``flock``: the kernel releases it when the process ends, however it ends, so a crashed or
killed run never leaves a spider locked.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import sqlite_utils

DROPPED_PREFIX = "khabar/dropped/"
REFUSED = "already_running"


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs counters, from a Scrapy stats dict."""
    dropped = {key[len(DROPPED_PREFIX):]: value for key, value in stats.items() if key.startswith(DROPPED_PREFIX)}
    return {
        "pages": stats.get("response_received_count", 0),
        "new": stats.get("khabar/articles/new", 0),
        "updated": stats.get("khabar/articles/updated", 0),
        "unchanged": stats.get("khabar/articles/unchanged", 0),
        "duplicates": stats.get("khabar/articles/duplicate", 0),
        "skipped": stats.get("khabar/skipped/known", 0),
        "dropped": sum(dropped.values()),
        "dropped_reasons": json.dumps(dropped, ensure_ascii=False),
        "errors": error_count(stats),
        "alerts": stats.get("khabar/alerts", 0),
    }


def http_errors(stats: dict[str, Any]) -> dict[str, int]:
    """Responses by HTTP status of 400 and above, e.g. {"404": 3}."""
    prefix = "downloader/response_status_count/"
    return {key[len(prefix):]: value for key, value in stats.items()
            if key.startswith(prefix) and key[len(prefix):].isdigit() and int(key[len(prefix):]) >= 400}


def run_status(reason: str) -> str:
    """A run's status from Scrapy's finish reason."""
    if reason == "finished" or reason.startswith("closespider_"):
        return "finished"
    return {"shutdown": "stopped", REFUSED: "refused"}.get(reason, "failed")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class SpiderLock:
    """``<db>-locks/<name>.lock``: an flock held by the running crawl, the file holding its PID."""

    def __init__(self, directory: str | os.PathLike[str], name: str) -> None:
        self.path = Path(directory) / f"{name}.lock"
        self.fd: int | None = None

    @classmethod
    def for_db(cls, db_path: str | os.PathLike[str], name: str) -> SpiderLock:
        return cls(lock_dir(db_path), name)

    def acquire(self) -> bool:
        """Take the lock without waiting; False if a live process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def holder(self) -> int | None:
        """The PID of the live process holding the lock, or None (a dead holder's PID does not count)."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        pid = int(text) if text.isdigit() else None
        if not pid_alive(pid):
            return None
        # The PID is alive, but it may be a recycled PID or an unreaped zombie: ask the lock itself.
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return pid
        finally:
            os.close(fd)  # closing also drops the probe's lock, if it got one
        return None


def lock_dir(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}-locks")


def error_count(stats: dict[str, Any]) -> int:
    """HTTP responses of 400 and above, download exceptions and spider exceptions."""
    # IgnoreRequest is a decision (a known article skipped, robots.txt), not a failure.
    errors = sum(value for key, value in stats.items()
                 if key.startswith(("downloader/exception_type_count/", "spider_exceptions/"))
                 and not key.endswith("IgnoreRequest"))
    for key, value in stats.items():
        if key.startswith("downloader/response_status_count/"):
            code = key.rsplit("/", 1)[-1]
            if code.isdigit() and int(code) >= 400:
                errors += value
    return errors




def mark_crashed(db: sqlite_utils.Database, spider: str) -> None:
    """Rows left 'running' by a process that no longer exists were crashed or killed runs."""
    rows = db.execute("SELECT id, pid FROM crawl_runs WHERE spider = ? AND status = 'running'", [spider])
    for run_id, pid in rows.fetchall():
        if not pid_alive(pid):
            db.execute("UPDATE crawl_runs SET status = 'crashed' WHERE id = ?", [run_id])

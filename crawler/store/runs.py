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
# A run's failures (crawler.components.failures): every exception in a pipeline or the store is counted under
# ERRORS_PREFIX + "<stage>/<kind>"; what a failed write took with it under LOST_PREFIX + "articles/new" ...;
# the first failure's sentence and kind; and the finish reason of a crawl stopped by a fatal failure.
ERRORS_PREFIX = "khabar/errors/"
LOST_PREFIX = "khabar/lost/"
FAILURE_KEY = "khabar/failure"
FAILURES_KEY = "khabar/failures"  # how many failures were recorded (the run's errors column counts them)
FAILURE_KIND_KEY = "khabar/failure_kind"
FAILED_REASON = "failed"
# Losses Scrapy counts itself, shown among a run's dropped pages under these reasons.
SCRAPY_LOSSES = {"robotstxt/forbidden": "robots_disallowed", "urllength/request_ignored_count": "url_too_long"}


def dropped_reasons(stats: dict[str, Any]) -> dict[str, int]:
    """Pages and items dropped, by reason: Khabar's own (``khabar/dropped/...``) and the losses Scrapy counts."""
    dropped = {key[len(DROPPED_PREFIX):]: value for key, value in stats.items() if key.startswith(DROPPED_PREFIX)}
    for key, reason in SCRAPY_LOSSES.items():
        if stats.get(key):
            dropped[reason] = dropped.get(reason, 0) + stats[key]
    return dropped


# Discovery outcomes that leave something of a site unread: bounds hit, documents or entries that could not be read.
DISCOVERY_LOSSES = ("too_deep", "over_document_limit", "over_entry_limit", "entries_unreadable", "unreadable",
                    "too_large")


def losses(stats: dict[str, Any]) -> dict[str, int]:
    """What a run did not take in whole, by reason, beside the dropped pages: sitemaps and feed entries left by a
    bound or unreadable (``discovery/...``), fields cut to their limit (``truncated/...``), writes rolled back
    (``lost/...``)."""
    found: dict[str, int] = {}
    for key, value in stats.items():
        if not value or not key.startswith("khabar/"):
            continue
        name = key[len("khabar/"):]
        if name.startswith(("truncated/", "lost/")) or (
                name.startswith("discovery/") and name.rsplit("/", 1)[-1] in DISCOVERY_LOSSES):
            found[name] = int(value)
    return dict(sorted(found.items()))


def lost_articles(stats: dict[str, Any]) -> int:
    """Articles a failed write rolled back: counted as stored, then not stored."""
    return sum(value for key, value in stats.items() if key.startswith(LOST_PREFIX + "articles/"))


def run_outcome(stats: dict[str, Any], reason: str) -> tuple[str, str]:
    """(status, failure): the status from Scrapy's finish reason, except that a run in which a pipeline or the store
    raised (``crawler.components.failures`` kept its sentence under FAILURE_KEY) is ``failed``, with one sentence
    saying why and what was not stored. Errors other components count under ``khabar/errors/`` and recover from
    (a parse worker that died, its page parsed again) do not fail the run."""
    status = run_status(reason)
    if status == "refused" or (not stats.get(FAILURE_KEY) and status != "failed"):
        return status, ""
    if not stats.get(FAILURE_KEY):
        return status, f"the crawl ended with reason {reason!r}"
    text = str(stats[FAILURE_KEY])
    lost = lost_articles(stats)
    if lost:
        text += f": {lost} article{'s' if lost != 1 else ''} not stored"
    if stats.get(FAILURE_KIND_KEY) == "disk_full":
        text += "; free space and run again"
    errors = {key: value for key, value in stats.items() if key.startswith(ERRORS_PREFIX) and value}
    if len({key.rsplit("/", 1)[-1] for key in errors}) > 1:  # failures of other kinds too: name them all
        listed = ", ".join(f"{key[len(ERRORS_PREFIX):]} {value}" for key, value in sorted(errors.items()))
        text += f" ({sum(errors.values())} errors: {listed})"
    return "failed", text


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs counters, from a Scrapy stats dict."""
    dropped = dropped_reasons(stats)
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
    """HTTP responses of 400 and above, download exceptions, spider exceptions and failures in pipelines or the store
    (``FAILURES_KEY``; errors other components count and recover from, such as a parse worker that died, are not)."""
    # IgnoreRequest is a decision (a known article skipped, robots.txt), not a failure.
    errors = sum(value for key, value in stats.items()
                 if key.startswith(("downloader/exception_type_count/", "spider_exceptions/"))
                 and not key.endswith("IgnoreRequest")) + int(stats.get(FAILURES_KEY, 0))
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

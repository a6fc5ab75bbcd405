"""Every crawl's ``crawl_runs`` row, its health, and the one-run-per-spider lock.

``CrawlRunExtension`` runs in every crawl (``scrapy crawl``, ``khabar crawl``,
scheduled runs): it takes the spider's lock, writes a ``running`` row when the spider
opens, and at the end fills in the counts from Scrapy's stats, the status, and the
crawl health (crawler/health.py), sending a health alert when output dropped.

``SpiderLock`` is a lock file next to the database holding the PID of the running
crawl, locked with ``flock``: the kernel releases it when the process ends, however it
ends, so a crashed or killed run never leaves a spider locked.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.statscollectors import StatsCollector

from crawler.alerts import health as crawl_health
from crawler.components.runtime import Runtime
from crawler.store.articles import utc_now

logger = logging.getLogger(__name__)

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
        "errors": crawl_health.error_count(stats),
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


class CrawlRunExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.run_id: int | None = None
        self.lock: SpiderLock | None = None
        self.use_lock = crawler.settings.getbool("KHABAR_SPIDER_LOCK")
        self.unlocked = set(crawler.settings.getlist("KHABAR_UNLOCKED_SPIDERS"))
        self.schedule = crawler.settings.get("KHABAR_SCHEDULE") or None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        runtime = Runtime.of(self.crawler)
        store = runtime.store
        holder = None
        if self.use_lock and spider.name not in self.unlocked:
            lock = SpiderLock.for_db(runtime.config.db_path, spider.name)
            if lock.acquire():
                self.lock = lock
            else:
                holder = lock.holder() or "?"
        args = {k: v for k, v in vars(spider).items() if k in {"base_url", "max_pages", "url", "since", "recheck"}}
        store.commit()
        self._mark_crashed(store.db, spider.name)
        cursor = store.db.execute(
            "INSERT INTO crawl_runs (spider, args, started_at, status, scheduled, pid) VALUES (?, ?, ?, ?, ?, ?)",
            [spider.name, json.dumps(args, ensure_ascii=False, default=str), utc_now(),
             "running" if holder is None else "refused", self.schedule, os.getpid()])
        self.run_id = cursor.lastrowid
        self.stats.set_value("khabar/run_id", self.run_id)
        if holder is not None:
            self.stats.set_value("khabar/refused_by_pid", holder)
            logger.error("%s is already being crawled into %s by process %s; this run stops without fetching",
                         spider.name, runtime.config.db_path, holder)
            raise CloseSpider(REFUSED)

    def _mark_crashed(self, db: Any, spider: str) -> None:
        """Rows left 'running' by a process that no longer exists were crashed or killed runs."""
        rows = db.execute("SELECT id, pid FROM crawl_runs WHERE spider = ? AND status = 'running'", [spider])
        for run_id, pid in rows.fetchall():
            if not pid_alive(pid):
                db.execute("UPDATE crawl_runs SET status = 'crashed' WHERE id = ?", [run_id])

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        try:
            self._finish(spider, reason)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _finish(self, spider: Spider, reason: str) -> None:
        runtime = Runtime.of(self.crawler)
        store = runtime.store
        store.commit()
        assert self.run_id is not None
        stats = self.stats.get_stats()
        report = None
        if reason != REFUSED:
            past = crawl_health.history(store.db, spider.name, self.run_id, runtime.config.health.median_runs)
            report = crawl_health.assess(stats, spider.name, reason, past, runtime.config.health)
            report["http_errors"] = http_errors(stats)
            self.stats.set_value("khabar/health_status", report["status"])
            self.stats.set_value("khabar/health_problems", report["problems"])
        if report and report["problems"]:
            logger.warning("crawl health alert for %s run %s: %s", spider.name, self.run_id,
                           "; ".join(report["problems"]))
            previous = crawl_health.previous_codes(store.db, spider.name, self.run_id)
            if crawl_health.worth_sending(report, previous):
                message = crawl_health.alert_message(self.run_id, spider.name, report)
                sent, failed = crawl_health.send_alert(runtime.config, message)
                self.stats.set_value("khabar/health_alerts/sent", sent)
                self.stats.set_value("khabar/health_alerts/failed", failed)
            else:
                logger.info("same health problems as the previous run of %s: not sent again", spider.name)
        stats = self.stats.get_stats()
        row = run_counts(stats) | {
            "finished_at": utc_now(), "finish_reason": reason, "status": run_status(reason),
            "health_status": report["status"] if report else None,
            "health": json.dumps(report, ensure_ascii=False) if report else None,
            "stats": json.dumps(stats, ensure_ascii=False, default=str),
        }
        store.db.table("crawl_runs").update(self.run_id, row)
        logger.info("crawl run %s finished (%s): %s", self.run_id, reason,
                    {k: v for k, v in row.items() if k not in {"stats", "finished_at", "health"}})

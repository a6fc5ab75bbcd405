"""Exit statuses of ``khabar crawl`` / ``khabar demo`` (and the runs ``khabar schedule`` starts): what cron,
systemd and scripts see. 0 only for a crawl that finished and was healthy.

``crawl_exit(stats)`` is the one mapping from a crawl's Scrapy stats to its status; the README's table of
exit codes is this file.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from crawler.store.runs import FAILURE_KEY, run_status


class ExitCode(IntEnum):
    OK = 0  # finished, healthy
    ERROR = 1  # refused before crawling: bad config, bad argument, database problem (one sentence on stderr)
    USAGE = 2  # a mistyped command line (click's own usage errors)
    FAILED = 3  # the crawl failed: an error in a pipeline or the store, a full disk, data not stored
    UNHEALTHY = 4  # finished, but crawl health says ALERT (no articles, dates gone, most requests failing)
    REFUSED = 5  # another crawl of this spider is writing this database
    INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM before the end (status 'stopped')


# What each status means, in the words `khabar crawl` prints beside a non-zero exit and `khabar schedule --list`
# shows beside a run's code.
MEANING = {
    ExitCode.OK: "finished, healthy",
    ExitCode.ERROR: "not started: bad config, argument or database",
    ExitCode.USAGE: "mistyped command line",
    ExitCode.FAILED: "crawl failed: articles not stored",
    ExitCode.UNHEALTHY: "finished, crawl health ALERT",
    ExitCode.REFUSED: "refused: this spider is already crawling into this database",
    ExitCode.INTERRUPTED: "stopped by Ctrl-C or SIGTERM",
}


def crawl_exit(stats: dict[str, Any]) -> ExitCode:
    """The exit status of one crawl from its stats: how it ended first, then its health. A run in which a pipeline
    or the store raised (a full disk, a commit that failed twice, an error in a stage) is FAILED whatever else it
    did: it is recorded ``failed`` (``crawler.store.runs.run_outcome``), its reason in ``khabar/run_failure``."""
    if stats.get("khabar/run_status") == "failed" or stats.get(FAILURE_KEY):
        return ExitCode.FAILED
    status = run_status(str(stats.get("finish_reason") or "")) if stats.get("finish_reason") else "stopped"
    if status == "stopped":
        return ExitCode.INTERRUPTED  # also a crawl forced to stop before Scrapy recorded a finish reason
    if status == "refused":
        return ExitCode.REFUSED
    if status == "failed":
        return ExitCode.FAILED
    if stats.get("khabar/health_status") == "alert":
        return ExitCode.UNHEALTHY  # no articles, dates gone, far under the median, errors above the threshold
    return ExitCode.OK


def meaning(code: int | None) -> str:
    """``4 (finished, crawl health ALERT)`` for tables; the bare number for a code Khabar does not define."""
    if code is None:
        return ""
    try:
        return f"{code} ({MEANING[ExitCode(code)]})"
    except ValueError:
        return f"{code} (killed by signal {-code})" if code < 0 else str(code)

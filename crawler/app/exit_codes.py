"""Exit statuses of ``khabar crawl`` / ``khabar demo`` (and the runs ``khabar schedule`` starts): what cron,
systemd and scripts see. 0 only for a crawl that finished and was healthy.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # finished, healthy
    ERROR = 1  # refused before crawling: bad config, bad argument, database problem (one sentence on stderr)
    USAGE = 2  # a mistyped command line (click's own usage errors)
    FAILED = 3  # the crawl failed: an error in a pipeline or the store, a full disk, data not stored
    UNHEALTHY = 4  # finished, but crawl health says ALERT (no articles, dates gone, most requests failing)
    REFUSED = 5  # another crawl of this spider is writing this database
    INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM before the end (status 'stopped')

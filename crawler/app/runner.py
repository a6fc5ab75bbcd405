"""Running one crawl in this process (for ``khabar crawl`` and ``khabar demo``).

Everything a user can get wrong is checked before Scrapy starts: the spider name,
the spider's arguments, the config and the database path, so each mistake ends
with one sentence instead of a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.app.exit_codes import ExitCode
from crawler.components.sites import spider_names
from crawler.config import Config, ConfigError, overrides_in, unknown_overrides
from crawler.store.cluster import ClusterError
from crawler.store.cluster import connect as connect_cluster
from crawler.store.connection import connect
from crawler.store.runs import REFUSED, SpiderLock
from crawler.store.sqlite import DatabaseError

logger = logging.getLogger(__name__)


class CrawlError(Exception):
    """A crawl that could not start, phrased for the user, with the exit status it ends the command with."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.code = code


def load_spider(spider: str, args: dict[str, str]) -> Any:
    """The spider class, after checking the name and letting the spider validate its arguments."""
    loader = SpiderLoader.from_settings(get_project_settings())
    if spider not in loader.list():
        raise CrawlError(f"unknown spider {spider!r}; known spiders: {', '.join(spider_names())}")
    spider_class = loader.load(spider)
    try:
        spider_class(**args)  # the spider validates its own arguments
    except (TypeError, ValueError) as error:
        raise CrawlError(f"bad argument for {spider}: {error}") from None
    return spider_class


def _check_database(spider: str, config: Config) -> None:
    """The file opens (created and migrated if new), and no other crawl of this spider is writing it."""
    try:
        connect(config.db_path).close()
    except DatabaseError as error:
        raise CrawlError(str(error)) from None
    if config.crawl.spider_lock and spider not in config.crawl.unlocked_spiders:
        holder = SpiderLock.for_db(config.db_path, spider).holder()
        if holder:
            raise CrawlError(f"{spider} is already being crawled into {config.db_path} by process {holder}; "
                             "wait for it to finish (one run per spider at a time)", ExitCode.REFUSED)


def run_crawl(spider: str, args: dict[str, str], config: Config, *, settings: dict[str, str] | None = None,
              verbose: bool = False, progress: str = "off") -> dict[str, Any]:
    """``progress``: "live" (a line rewritten in place, for a terminal), "lines" or "off" (crawler/components/
    progress.py). ``settings`` are -s values: Scrapy's own, and KHABAR_* knobs that win over the config."""
    given = dict(settings or {})
    typos = unknown_overrides(list(given))
    if typos:
        raise CrawlError(f"-s {typos[0]}: not a Khabar setting (the knobs are listed in the README, Configuration)")
    try:
        config = config.with_overrides(overrides_in(given) | {"KHABAR_PROGRESS": progress})
    except ConfigError as error:
        raise CrawlError(f"bad setting: {error}") from None
    spider_class = load_spider(spider, args)
    if config.cluster.url:
        # A cluster crawler writes no SQLite and may run anywhere: it needs Redis, not the file or its lock.
        try:
            connect_cluster(config.cluster.url).close()
        except ClusterError as error:
            raise CrawlError(str(error)) from None
    else:
        _check_database(spider, config)
    project = get_project_settings()
    project.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    for name, value in given.items():
        project.set(name, value, priority="cmdline")
    # The config resolved here is the crawl's: the add-on takes it as it is instead of reading the file again.
    project.set("KHABAR_CONFIG_MODEL", config, priority="cmdline")
    project.set("KHABAR_PROGRESS", progress, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, **args)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("finish_reason") == REFUSED:
        raise CrawlError(f"{spider} is already being crawled into {config.db_path} by process "
                         f"{stats.get('khabar/refused_by_pid', '?')}; this run fetched nothing", ExitCode.REFUSED)
    return {"spider": spider, "db": config.db_path, "stats": stats,
            "run_id": stats.get("khabar/run_id"), "cluster": config.cluster.url}

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

from crawler.config import Config
from crawler.db import DatabaseError, connect

logger = logging.getLogger(__name__)


class CrawlError(Exception):
    """A crawl that could not start, phrased for the user."""


def spider_names() -> list[str]:
    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def run_crawl(spider: str, args: dict[str, str], config: Config, *, settings: dict[str, str] | None = None,
              verbose: bool = False) -> dict[str, Any]:
    project = get_project_settings()
    loader = SpiderLoader.from_settings(project)
    if spider not in loader.list():
        raise CrawlError(f"unknown spider {spider!r}; known spiders: {', '.join(sorted(loader.list()))}")
    spider_class = loader.load(spider)
    try:
        spider_class(**args)  # the spider validates its own arguments
    except (TypeError, ValueError) as error:
        raise CrawlError(f"bad argument for {spider}: {error}") from None
    try:
        connect(config.db_path).close()
    except DatabaseError as error:
        raise CrawlError(str(error)) from None
    project.set("KHABAR_DB", config.db_path, priority="cmdline")
    if config.source != "(built-in defaults)":
        project.set("KHABAR_CONFIG", config.source, priority="cmdline")
    project.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    for name, value in (settings or {}).items():
        project.set(name, value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, **args)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {"spider": spider, "db": config.db_path, "stats": stats,
            "run_id": stats.get("khabar/run_id")}

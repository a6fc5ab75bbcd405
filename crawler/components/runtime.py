"""What every component of one crawl shares: the loaded config and the open store.

Built once per crawler on first use (``Runtime.of(crawler)``) and closed when the
spider closes, after the pipelines have finished.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.config import Config, load_config
from crawler.store.articles import ArticleStore

logger = logging.getLogger(__name__)


class Runtime:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.config: Config = load_config(settings.get("KHABAR_CONFIG") or None,
                                          db_override=settings.get("KHABAR_DB") or None)
        self.store = ArticleStore.open(self.config.db_path,
                                       lock_wait_seconds=settings.getfloat("KHABAR_LOCK_WAIT_SECONDS", 30.0))
        logger.info("Khabar database: %s (config: %s)", self.config.db_path, self.config.source)
        crawler.signals.connect(self._close, signal=signals.engine_stopped)

    @classmethod
    def of(cls, crawler: Crawler) -> Runtime:
        runtime: Runtime | None = getattr(crawler, "_khabar_runtime", None)
        if runtime is None:
            runtime = cls(crawler)
            crawler._khabar_runtime = runtime  # type: ignore[attr-defined]
        return runtime

    def _close(self, *args: Any, **kwargs: Any) -> None:
        self.store.close()

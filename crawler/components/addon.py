"""The Khabar add-on: one crawl's config, resolved once, and its store, opened once.

Scrapy calls ``update_settings`` before any component is built: the add-on resolves the
``Config`` of this crawl (``crawler.config.config_for_crawl``: the file, the environment, then
every ``-s KHABAR_...`` override) and writes the Scrapy settings derived from it. Components
then ask the add-on, once, in ``from_crawler`` (``KhabarAddon.of(crawler)``) for the config and
the store. The store is opened on first use and closed when the engine stops, after the
pipelines have finished. In a cluster crawl (``-s KHABAR_CLUSTER=redis://...``) the add-on holds the Redis
client instead, and no component opens the SQLite file.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.config import NATIVE_SETTINGS, Config, config_for_crawl, unknown_overrides
from crawler.store.articles import ArticleStore
from crawler.store.cluster import connect as connect_cluster

logger = logging.getLogger(__name__)


class KhabarAddon:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._config: Config | None = None
        self._store: ArticleStore | None = None
        self._cluster: Any = None
        crawler.signals.connect(self._close, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KhabarAddon:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> KhabarAddon:
        addon = crawler.get_addon(cls)
        if addon is None:
            raise NotConfigured("Khabar's components need its add-on: ADDONS = {'crawler.components.addon."
                                "KhabarAddon': 0} (crawler/settings.py has it)")
        return addon

    def update_settings(self, settings: BaseSettings) -> None:
        for name in unknown_overrides(list(settings.keys())):
            logger.warning("%s is not a Khabar setting (a typo?); see crawler/config.py for the knobs", name)
        self._config = config_for_crawl(settings)
        for name, value in self._config.scrapy_settings().items():
            if name in NATIVE_SETTINGS and (settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["project"]:
                continue  # Scrapy's own setting given explicitly (-s DOWNLOAD_MAXSIZE=...): it wins over the knob
            # The resolved value replaces its source (a -s string becomes the typed value it was read as).
            priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
            settings.set(name, value, priority=priority)
        logger.info("Khabar database: %s (config: %s)", self._config.db_path, self._config.source_name)

    @property
    def config(self) -> Config:
        if self._config is None:
            raise NotConfigured("the Khabar add-on has not resolved its config yet")
        return self._config

    @property
    def store(self) -> ArticleStore:
        if self._store is None:
            self._store = self.config.open_store()
        return self._store

    @property
    def in_cluster(self) -> bool:
        """A distributed crawl: crawler processes share a Redis frontier and hand their articles to the writer."""
        return bool(self.config.cluster.url)

    @property
    def cluster(self) -> Any:
        """The redis-py client of a cluster crawl, connected on first use (ClusterError if Redis cannot be reached)."""
        if self._cluster is None:
            self._cluster = connect_cluster(self.config.cluster.url)
        return self._cluster

    @property
    def opened_store(self) -> ArticleStore | None:
        """The store if it has been opened (without opening it)."""
        return self._store

    def _close(self, *args: Any, **kwargs: Any) -> None:
        if self._store is not None:
            self._store.close()
        if self._cluster is not None:
            self._cluster.close()

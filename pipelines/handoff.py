"""HandoffPipeline: in a cluster crawl, push each parsed, validated article onto Redis for `khabar writer`.

With ``-s KHABAR_CLUSTER=redis://HOST:PORT/DB`` the crawler processes write no SQLite: after parse and validate,
this pipeline pushes the article (``crawler.store.cluster.encode_article``) onto ``khabar:items``, and the
pipelines that write the file (dedup, store, alert) are not configured; the one writer runs the same dedup,
store and alert code on it. Without a cluster it is not configured.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.store.cluster import ItemQueue, encode_article

logger = logging.getLogger(__name__)


class HandoffPipeline:
    def __init__(self, crawler: Crawler, queue: ItemQueue) -> None:
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.queue = queue
        # Item ids: unique across processes and hosts, so the writer can tell a batch it already committed.
        self.prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.numbers = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HandoffPipeline:
        addon = KhabarAddon.of(crawler)
        if not addon.in_cluster:
            raise NotConfigured  # a one-process crawl: the dedup, store and alert pipelines write the file
        return cls(crawler, ItemQueue(addon.cluster))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        try:
            self.queue.push(encode_article(item, f"{self.prefix}:{next(self.numbers)}"))
        except Exception as error:  # Redis gone: this article is lost to this run, and says so
            self.stats.inc_value("khabar/dropped/cluster_unreachable")
            logger.error("could not hand %s to the writer: %s", item.url, error)
            raise DropItem("cluster_unreachable") from None
        self.stats.inc_value("khabar/cluster/pushed")
        return item

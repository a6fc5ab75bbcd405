"""CommitPipeline: the last stage; commits the batch when it is due, once an item has been through every stage.

An article, its URLs, validators and alerts are therefore always in one transaction: a crash or a failed
commit loses all of them together, and the next run (the article not being stored) does all of it again.
A batch never ends between an article and its alerts.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.components.addon import KhabarAddon


class CommitPipeline:
    def __init__(self, addon: KhabarAddon) -> None:
        self.addon = addon

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CommitPipeline:
        addon = KhabarAddon.of(crawler)
        if addon.in_cluster:
            raise NotConfigured  # a cluster crawler writes nothing: `khabar writer` commits its own batches
        return cls(addon)

    def process_item(self, item: Any) -> Any:
        self.addon.store.maybe_commit()  # a failure reaches crawler.components.failures like any pipeline error
        return item

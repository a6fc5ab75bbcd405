"""ClusterScheduler: scrapy-redis's scheduler and dupefilter, shared by crawler processes on any hosts.

``-s KHABAR_CLUSTER=redis://HOST:PORT/DB`` puts it in place (``crawler.config.cluster_scrapy_settings``). Every
process of a spider pops from one priority queue (``khabar:<spider>:requests``) and checks one dupefilter
(``khabar:<spider>:dupefilter``), so no URL is fetched twice, whichever process found it. On top of
scrapy-redis, three things a cluster needs:

- **Nothing in flight is lost.** A pop moves the request atomically into this process's processing hash
  (``khabar:<spider>:processing:<worker>``); it leaves it once the engine is done with it (downloaded, parsed,
  its links queued, its article pushed to the writer). Each process renews ``khabar:<spider>:alive:<worker>``
  every few seconds; the requests of a process silent for ``[cluster] lease`` (killed, or its host gone) are
  put back in the queue by any other process, or by the next one to start.
- **A process waits while others work.** An idle process does not close while any live process holds
  requests (they may yield more links); it closes once the queue is empty and nothing is in flight anywhere.
- **One crawl, then the next.** The queue and dupefilter outlive each process (a rerun after a crash resumes);
  the process that sees the whole crawl finished clears the dupefilter, so the next scheduled crawl starts fresh.

A request is "done" when the engine no longer has it in progress: Scrapy has no public signal for that moment
(after the callback's output and the item pipelines), so ``_in_progress`` reads the engine slot's set, as
``scrapy.utils.engine`` does for its status report. Acknowledging later than that is safe (a killed process's
finished requests would be fetched again, and the writer would find them unchanged); earlier would not be.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.components.addon import KhabarAddon
from crawler.store.cluster import ClusterError

logger = logging.getLogger(__name__)

TOKEN = "khabar_cluster_token"

# Pop the best request and keep it, with its score, in this worker's processing hash: one atomic step.
POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], ARGV[1], found[2] .. ' ' .. found[1])
return found[1]
"""
# Put a dead worker's requests back in the queue with their scores, and forget the worker.
REQUEUE = """
local held = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(held) do
  local cut = string.find(entry, ' ', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(entry, 1, cut - 1)), string.sub(entry, cut + 1))
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return #held
"""
# Is there work left anywhere: queued requests, or requests some worker holds?
BUSY = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 1 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. worker) > 0 then return 1 end
end
return 0
"""


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop hands the request over into a processing hash instead of
    deleting it; ``ClusterScheduler`` binds it to its worker."""

    processing_key = ""
    _tokens = itertools.count(1)

    def pop(self, timeout: int = 0) -> Request | None:
        token = str(next(self._tokens))
        data = self.server.eval(POP, 2, self.key, self.processing_key, token)
        if not data:
            return None
        request: Request = self._decode_request(data)
        request.meta[TOKEN] = token  # the request's entry in the processing hash, until it is acknowledged
        return request


class ClusterScheduler(Scheduler):
    queue: ReliablePriorityQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterScheduler:
        try:
            scheduler = super().from_crawler(crawler)
        except Exception as error:  # redis-py's ConnectionError and friends: one sentence, not a traceback
            raise ClusterError(f"cannot reach Redis at {crawler.settings.get('REDIS_URL')} (KHABAR_CLUSTER): "
                               f"{error}") from None
        scheduler.crawler = crawler
        scheduler.lease = KhabarAddon.of(crawler).config.cluster.lease
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def __init__(self, server: Any, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.crawler: Crawler | None = None
        self.lease = 30.0
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.held: dict[str, Request] = {}  # token -> request popped by this worker and not acknowledged yet
        self.heartbeat: task.LoopingCall | None = None
        self.keys: dict[str, str] = {}

    # --- the scheduler interface ------------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        super().open(spider)
        prefix = self.queue.key.rsplit(":", 1)[0]  # khabar:<spider>
        self.keys = {"workers": f"{prefix}:workers", "alive": f"{prefix}:alive:", "processing": f"{prefix}:processing:"}
        self.queue.processing_key = self.keys["processing"] + self.worker
        self.server.set(self.keys["alive"] + self.worker, "1", px=int(self.lease * 1000))
        self.server.sadd(self.keys["workers"], self.worker)
        requeued = self.reclaim()
        logger.info("cluster worker %s on %s: %s requests queued%s", self.worker, self.queue.key, len(self.queue),
                    f", {requeued} taken back from stopped workers" if requeued else "")
        self.heartbeat = task.LoopingCall(self.beat)
        self.heartbeat.start(max(min(self.lease / 5, 2.0), 0.2), now=False)

    # enqueue_request and next_request are scrapy-redis 0.9.1's, without the spider= argument it passes to the
    # stats (deprecated since Scrapy 2.13), and with the popped request remembered until it is acknowledged.
    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.held[request.meta[TOKEN]] = request
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def close(self, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        self.acknowledge(everything=True)  # the engine has finished every request it took
        self.server.delete(self.keys["alive"] + self.worker, self.queue.processing_key)
        self.server.srem(self.keys["workers"], self.worker)
        if reason == "finished" and not self.busy():
            self.df.clear()  # the whole crawl is done: the next one starts with a fresh dupefilter
            logger.info("cluster crawl of %s finished: frontier cleared for the next crawl", self.spider.name)
        super().close(reason)

    # --- the cluster ------------------------------------------------------------------------------------------
    def beat(self) -> None:
        """Say this worker is alive, acknowledge finished requests, take back dead workers' requests, and wake
        the engine when the shared queue has work for it (an idle engine looks only every 5 s)."""
        try:
            self.server.set(self.keys["alive"] + self.worker, "1", px=int(self.lease * 1000))
            self.acknowledge()
            self.reclaim()
            if len(self.queue) and self.crawler is not None and (slot := _engine_slot(self.crawler)) is not None:
                slot.nextcall.schedule()
        except Exception as error:  # Redis gone for a moment: say so, try again on the next beat
            logger.warning("cluster heartbeat failed: %s", error)

    def acknowledge(self, everything: bool = False) -> None:
        in_progress = set() if everything else _in_progress(self.crawler)
        if in_progress is None:
            return
        done = [token for token, request in self.held.items() if request not in in_progress]
        if done:
            self.server.hdel(self.queue.processing_key, *done)
            for token in done:
                del self.held[token]

    def reclaim(self) -> int:
        """Put the requests of workers that stopped saying they are alive back in the queue."""
        requeued = 0
        for member in self.server.smembers(self.keys["workers"]):
            worker = member.decode()
            if worker != self.worker and not self.server.exists(self.keys["alive"] + worker):
                count = int(self.server.eval(REQUEUE, 3, self.keys["processing"] + worker, self.queue.key,
                                             self.keys["workers"], worker))
                if count:
                    logger.warning("cluster worker %s stopped with %s requests in flight: queued again", worker, count)
                    if self.stats:
                        self.stats.inc_value("khabar/cluster/requeued", count)
                requeued += count
        return requeued

    def busy(self) -> bool:
        return bool(self.server.eval(BUSY, 2, self.queue.key, self.keys["workers"], self.keys["processing"]))

    def spider_idle(self, spider: Spider) -> None:
        """Idle here, but another worker's requests may still yield links: stay until nothing is in flight."""
        self.acknowledge()
        self.reclaim()
        if self.busy():
            raise DontCloseSpider


def _engine_slot(crawler: Crawler) -> Any:
    engine = crawler.engine
    return getattr(engine, "_slot", None) if engine is not None else None


def _in_progress(crawler: Crawler | None) -> set[Request] | None:
    """The requests the engine has not finished (downloading, or parsing and its pipelines), or None if unknown."""
    slot = _engine_slot(crawler) if crawler is not None else None
    found = getattr(slot, "inprogress", None)
    return found if isinstance(found, set) else None

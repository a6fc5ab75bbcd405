"""The Redis side of a distributed crawl: the queue of parsed articles, their codec, and the URLs already stored.

With ``-s KHABAR_CLUSTER=redis://HOST:PORT/DB`` (``[cluster] url``) crawler processes on any hosts share
scrapy-redis's frontier (``crawler.components.frontier``) and write no SQLite: each parsed article is pushed
onto ``khabar:items`` (``ItemQueue.push``). One writer (``khabar writer``, ``crawler.app.writer``) drains the
list into the SQLite file as a reliable queue: a batch is moved to ``khabar:items:processing`` and removed from
there only after its transaction is committed, with the batch's item ids written in that same transaction, so a
writer killed at any moment resumes without losing or doubling an item. The writer also mirrors every stored
URL key into the hash ``khabar:known``, which the crawlers' skip-known middleware reads instead of the file.

Records are JSON (not pickle: the writer never runs code it reads from Redis), zlib-compressed. redis-py is
the optional extra ``cluster``; it is imported only when a cluster is used.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.items import Article, Validators
from crawler.knobs import KnobError, duration, knob

ITEMS = "khabar:items"
PROCESSING = "khabar:items:processing"
REJECTED = "khabar:items:rejected"  # records the writer could not read: kept, counted, never silently lost
KNOWN = "khabar:known"
WRITER = "khabar:writer"
RECORD_VERSION = 1


def redis_url(value: Any) -> str:
    """A Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS, unix:// for a socket), or '' for none."""
    if not isinstance(value, str):
        raise KnobError(f"must be a Redis URL such as redis://127.0.0.1:6379/0, not {value!r}")
    url = value.strip()
    if url and (urlsplit(url).scheme not in ("redis", "rediss", "unix") or not (urlsplit(url).netloc or
                                                                                 urlsplit(url).path)):
        raise KnobError(f"must be a Redis URL such as redis://127.0.0.1:6379/0, not {value!r}")
    return url


@dataclass
class ClusterSettings:
    """``[cluster]`` in khabar.toml: a distributed crawl through one Redis (off when ``url`` is empty)."""

    url: str = knob("", setting="KHABAR_CLUSTER", read=redis_url,
                    help="a Redis URL (redis://HOST:PORT/DB): crawler processes share scrapy-redis's frontier and "
                         "push parsed articles there; `khabar writer` stores them. Empty: a one-process crawl")
    lease: float = knob(30.0, setting="KHABAR_CLUSTER_LEASE_SECONDS", read=duration,
                        help="a crawler that has not said it is alive for this long is taken for dead: the requests "
                             "it was fetching go back to the shared queue")


class ClusterError(Exception):
    """Redis cannot be used (unreachable, redis-py missing, another writer), phrased as one sentence."""


def connect(url: str) -> Any:
    """A redis-py client for ``url`` that answered PING, or a ClusterError saying why not."""
    try:
        import redis
    except ImportError:
        raise ClusterError("a cluster crawl needs redis-py and scrapy-redis: pip install 'khabar[cluster]'") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        raise ClusterError(f"cannot reach Redis at {url} (KHABAR_CLUSTER): {error}") from None
    return client


# --- records ---------------------------------------------------------------------------------------------------

def encode_article(article: Article, item_id: str) -> bytes:
    """One parsed article as a record for the writer: JSON of every field, zlib-compressed."""
    fields = {field.name: getattr(article, field.name) for field in dataclasses.fields(Article)}
    if fields["packed_html"] is not None:  # the raw page, packed where it was parsed (crawler.store.compression)
        fields["packed_html"] = base64.b64encode(fields["packed_html"]).decode("ascii")
    found = fields.pop("validators")
    if found is not None:
        found = dataclasses.asdict(found)
        found["body"] = base64.b64encode(found["body"]).decode("ascii") if found["body"] is not None else None
    record = {"v": RECORD_VERSION, "id": item_id, "article": fields, "validators": found}
    return zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"), 1)


def decode_article(data: bytes) -> tuple[str, Article]:
    """(item id, article) from a record; ValueError for anything that is not one."""
    try:
        record = json.loads(zlib.decompress(data))
        if record.get("v") != RECORD_VERSION:
            raise ValueError(f"record version {record.get('v')!r}, this writer reads {RECORD_VERSION}")
        article = Article(**record["article"])
        if article.packed_html is not None:
            article.packed_html = base64.b64decode(article.packed_html)
        found = record.get("validators")
        if found is not None:
            found["body"] = base64.b64decode(found["body"]) if found["body"] is not None else None
            article.validators = Validators(**found)
        return str(record["id"]), article
    except (zlib.error, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError,
            binascii.Error) as error:
        raise ValueError(f"not a Khabar article record: {error}") from None


# --- the queue -------------------------------------------------------------------------------------------------

class ItemQueue:
    """``khabar:items`` and its processing list: crawlers push, the one writer claims, commits, then acks."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def push(self, record: bytes) -> None:
        self.client.lpush(ITEMS, record)

    def claimed(self) -> list[bytes]:
        """What a previous writer claimed and never acknowledged (it was killed mid-batch), oldest first."""
        return list(reversed(self.client.lrange(PROCESSING, 0, -1)))

    def claim(self, most: int, wait: float) -> list[bytes]:
        """Move up to ``most`` records to the processing list (waiting up to ``wait`` s for the first), oldest
        first. Each move is atomic, so a record is always in exactly one of the two lists."""
        first = self.client.blmove(ITEMS, PROCESSING, wait, "RIGHT", "LEFT") if wait > 0 else \
            self.client.lmove(ITEMS, PROCESSING, "RIGHT", "LEFT")
        if first is None:
            return []
        pipe = self.client.pipeline(transaction=False)
        for _ in range(most - 1):
            pipe.lmove(ITEMS, PROCESSING, "RIGHT", "LEFT")
        return [first, *(found for found in pipe.execute() if found is not None)]

    def ack(self) -> None:
        """The claimed batch is committed to SQLite: forget it."""
        self.client.delete(PROCESSING)

    def reject(self, record: bytes) -> None:
        self.client.lpush(REJECTED, record)

    def lengths(self) -> dict[str, int]:
        pipe = self.client.pipeline(transaction=False)
        for key in (ITEMS, PROCESSING, REJECTED):
            pipe.llen(key)
        waiting, processing, rejected = pipe.execute()
        return {"waiting": waiting, "processing": processing, "rejected": rejected}


# --- URLs already stored ---------------------------------------------------------------------------------------

class KnownUrls:
    """``khabar:known``: URL key -> "article_id first_seen_at" of every stored URL, for skip-known on any host."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def lookup(self, key: str) -> tuple[int, str] | None:
        found = self.client.hget(KNOWN, key)
        if found is None:
            return None
        article_id, first_seen = found.decode().split(" ", 1)
        return int(article_id), first_seen

    def remember(self, entries: Iterable[tuple[str, int, str]]) -> None:
        """(url_key, article_id, first_seen_at) of stored URLs; a key already there keeps its first sighting."""
        pipe = self.client.pipeline(transaction=False)
        for key, article_id, first_seen in entries:
            pipe.hsetnx(KNOWN, key, f"{article_id} {first_seen}")
        pipe.execute()

    def count(self) -> int:
        return int(self.client.hlen(KNOWN))

"""`khabar writer`'s reliable queue at the two moments a kill can hit it, on a real Redis and a real SQLite file.

The end-to-end kill test (test_cluster_e2e.py) SIGKILLs a writer wherever it happens to be; these tests stop it
exactly before its commit and exactly between its commit and its acknowledgement to Redis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.app.writer import Writer
from crawler.components.sites import site_fields
from crawler.config import Config, load_config
from crawler.extract.fields import build_article
from crawler.items import Article, Page, Validators
from crawler.store.cluster import PROCESSING, REJECTED, ItemQueue, decode_article, encode_article
from crawler.store.connection import connect
from tests.conftest import query
from tests.localsite import sample_site_pages
from tests.servers import RedisServer


class Killed(Exception):
    """Stands for the SIGKILL: the writer stops at this exact point, its finally-blocks aside."""


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def config(workdir: Path, redis_server: RedisServer) -> Config:
    loaded = load_config(workdir / "khabar.toml", db_override=str(workdir / "khabar.db"),
                         overrides={"KHABAR_CLUSTER": redis_server.url, "KHABAR_BATCH_SIZE": "4"})
    connect(loaded.db_path).close()
    return loaded


def articles() -> list[Article]:
    """The sample site's articles as the crawlers parse them, with the validators a response gives."""
    parsed = []
    for local in sample_site_pages():
        page = Page(url=local.real_url, html=local.html.decode("utf-8"), site="lokmat",
                    fetched_at="2024-06-01T10:00:00Z", validators=Validators(etag=f'"{len(parsed)}"', kind="article"))
        article = build_article(page, site_fields("lokmat"))
        article.validators = page.validators
        parsed.append(article)
    return parsed


def client_of(config: Config) -> Any:
    import redis

    return redis.Redis.from_url(config.cluster.url)


def push_all(config: Config, found: list[Article]) -> None:
    queue = ItemQueue(client_of(config))
    for number, article in enumerate(found):
        queue.push(encode_article(article, f"test:{number}"))


def stored(config: Config) -> list[tuple[Any, ...]]:
    return query(Path(config.db_path), "SELECT url, content_hash FROM articles ORDER BY url")


def test_a_record_comes_back_as_the_article_it_was() -> None:
    for article in articles()[:3]:
        item_id, again = decode_article(encode_article(article, "host:1:abc:7"))
        assert item_id == "host:1:abc:7" and again == article and again.validators == article.validators
    with pytest.raises(ValueError, match="not a Khabar article record"):
        decode_article(b"\x00 not zlib")


def test_a_writer_killed_before_its_commit_loses_nothing(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    found = articles()
    push_all(config, found)
    first = Writer(config, client_of(config))

    def killed_before_commit(*args: Any) -> None:
        raise Killed
    monkeypatch.setattr(first.store, "commit", killed_before_commit)
    with pytest.raises(Killed):
        first.run(until_idle=0)
    assert stored(config) == [] and client_of(config).llen(PROCESSING) == 4  # claimed, not stored
    monkeypatch.undo()
    counts = Writer(config, client_of(config)).run(until_idle=0.2)
    assert counts["new"] + counts["duplicate"] == len(found) and counts["already_stored"] == 0
    assert len(stored(config)) == counts["new"] and client_of(config).llen(PROCESSING) == 0


def test_a_writer_killed_after_its_commit_does_not_store_the_batch_twice(config: Config,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    found = articles()
    push_all(config, found)
    first = Writer(config, client_of(config))

    def killed_before_ack(*args: Any) -> None:
        raise Killed
    monkeypatch.setattr(first.queue, "ack", killed_before_ack)
    with pytest.raises(Killed):
        first.run(until_idle=0)
    after_first = stored(config)
    assert len(after_first) == 4 and client_of(config).llen(PROCESSING) == 4  # stored, still claimed
    alerts_before = query(Path(config.db_path), "SELECT article_id, topic FROM alerts ORDER BY 1, 2")
    counts = Writer(config, client_of(config)).run(until_idle=0.2)
    assert counts["already_stored"] == 4  # recognised by the ids committed with the batch
    assert counts["new"] + counts["duplicate"] == len(found) - 4
    assert len(stored(config)) == 4 + counts["new"] and set(after_first) <= set(stored(config))
    assert counts["updated"] == counts["unchanged"] == 0
    assert query(Path(config.db_path), "SELECT count(*) FROM article_revisions") == [(0,)]
    alerts = query(Path(config.db_path), "SELECT article_id, topic FROM alerts ORDER BY 1, 2")
    assert set(alerts_before) <= set(alerts) and len(set(alerts)) == len(alerts)
    # The known URLs the crawlers' skip-known reads cover the batch the first writer never acknowledged.
    known = client_of(config).hgetall("khabar:known")
    assert len(known) >= len(stored(config))


def test_an_unreadable_record_is_set_aside_and_counted(config: Config) -> None:
    found = articles()[:3]
    push_all(config, found[:1])
    ItemQueue(client_of(config)).push(b"not a record")
    push_all(config, [dataclasses.replace(article) for article in found[1:]])
    writer = Writer(config, client_of(config))
    counts = writer.run(until_idle=0.2)
    assert counts["rejected"] == 1 and counts["rejected/unreadable"] == 1
    assert client_of(config).lrange(REJECTED, 0, -1) == [b"not a record"]
    assert len(stored(config)) == 3 and "1 unreadable" in writer.summary()

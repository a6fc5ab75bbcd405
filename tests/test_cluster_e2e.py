"""A distributed crawl on a real Redis: crawler processes sharing scrapy-redis's frontier, and one `khabar writer`.

Every test starts its own `redis-server` on a free loopback port (skipped, with the reason, where it is not
installed) and crawls the sample site on 127.0.0.1; the reference is one plain `scrapy crawl lokmat` of it.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from tests.cluster_helpers import (
    finish,
    same_database,
    start_khabar_crawler,
    start_scrapy_crawler,
    start_writer,
    wait_for,
)
from tests.conftest import query, run_khabar
from tests.servers import RedisServer

pytestmark = pytest.mark.e2e

# Slow enough to be killed mid-run: one request at a time per process, a quarter second apart.
SLOW = ("-s", "DOWNLOAD_DELAY=0.25", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS=2")


@pytest.fixture
def redis_server(tmp_path: Path) -> RedisServer:
    with RedisServer(tmp_path / "redis") as server:
        yield server  # type: ignore[misc]


def redis(server: RedisServer) -> object:
    import redis as redis_py

    return redis_py.Redis.from_url(server.url)


def fetched_urls(log: str) -> list[str]:
    """The pages a crawler fetched, from Scrapy's DEBUG lines "Crawled (200) <GET url>" (robots.txt left out)."""
    return [url for url in re.findall(r"Crawled \(\d+\) <GET (\S+)>", log) if not url.endswith("/robots.txt")]


def test_two_crawlers_and_one_writer_store_what_one_crawl_stores(workdir: Path, redis_server: RedisServer,
                                                                 sample_site: SampleSite,
                                                                 crawled_sample: Path) -> None:
    cluster = redis_server.url
    client = redis(redis_server)
    writer = start_writer(workdir, cluster, "--until-idle", "6")
    # Paced, and the second started once the first is at work, so that both take a share of the crawl.
    first = start_khabar_crawler(workdir, cluster, sample_site.url, *SLOW, LOG_LEVEL="DEBUG")
    wait_for(lambda: client.scard("khabar:lokmat:workers"), 60, "the first crawler to start", first)  # type: ignore
    second = start_scrapy_crawler(workdir, cluster, sample_site.url, *SLOW, LOG_LEVEL="DEBUG")
    results = [finish(first), finish(second)]
    for code, _out, err in results:
        assert code == 0, err[-3000:]
    code, out, err = finish(writer)
    assert code == 0, err[-3000:]
    assert "0 unreadable; 0 waiting in Redis" in out, out
    assert not (workdir / "crawler-must-not-write.db").exists(), "a crawler process wrote SQLite"
    db = workdir / "khabar.db"
    same_database(db, crawled_sample / "khabar.db")
    # The shared dupefilter: no URL fetched twice, by one process or by both; both did their share.
    by_first, by_second = fetched_urls(results[0][2]), fetched_urls(results[1][2])
    assert len(by_first) > 3 and len(by_second) > 3, (by_first, by_second)
    assert len(set(by_first + by_second)) == len(by_first + by_second)
    [(reference_pages,)] = query(crawled_sample / "khabar.db", "SELECT pages FROM crawl_runs")
    assert len(by_first + by_second) + 2 >= reference_pages >= len(by_first + by_second)  # robots.txt per process
    # The crawl is over: the frontier is cleared for the next one; the known URLs stay for skip-known.
    keys = {key.decode() for key in redis(redis_server).keys("*")}  # type: ignore[attr-defined]
    assert keys == {"khabar:known", "khabar:known:db"}

    # Skip-known across the cluster: a crawler on any host asks Redis, not the file, what is stored.
    again = start_khabar_crawler(workdir, cluster, sample_site.url, "-a", "recheck=0s")
    code, out, err = finish(again)
    assert code == 0, err[-3000:]
    [(stored_urls,)] = query(db, "SELECT count(DISTINCT url_key) FROM article_urls")
    assert "handed to the writer 0 articles" in out, out
    assert int(re.search(r"known, not fetched +(\d+)", out).group(1)) >= 20, out  # type: ignore[union-attr]
    assert stored_urls >= 20


def test_a_killed_crawler_and_a_killed_writer_lose_and_double_nothing(workdir: Path, redis_server: RedisServer,
                                                                      sample_site: SampleSite,
                                                                      crawled_sample: Path) -> None:
    cluster = redis_server.url
    client = redis(redis_server)
    lease = {"KHABAR_CLUSTER_LEASE_SECONDS": "2"}
    writer = start_writer(workdir, cluster, "-s", "KHABAR_BATCH_SIZE=3", **lease)
    doomed = start_khabar_crawler(workdir, cluster, sample_site.url, *SLOW, **lease)
    survivor = start_scrapy_crawler(workdir, cluster, sample_site.url, *SLOW, **lease)

    def holding(pid: int) -> list[bytes]:
        return [key for key in client.keys(f"khabar:lokmat:processing:*:{pid}:*") if client.hlen(key)]  # type: ignore

    # Kill the first crawler while it holds requests it fetched from the shared queue and has pushed articles.
    wait_for(lambda: client.llen("khabar:items") + client.hlen("khabar:known") >= 2  # type: ignore[attr-defined]
             and holding(doomed.pid), 90, "the first crawler to hold requests after pushing articles", doomed)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    # Kill the writer once it has committed something, with articles still to store.
    db = workdir / "khabar.db"
    wait_for(lambda: db.exists() and query(db, "SELECT count(*) FROM articles")[0][0] > 0, 90, "a first commit",
             writer)
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    code, out, err = finish(survivor)
    assert code == 0, err[-3000:]
    assert "khabar/cluster/requeued" in err, "the survivor did not take back the killed crawler's requests"

    rerun = start_writer(workdir, cluster, "--until-idle", "2", **lease)
    code, out, err = finish(rerun)
    assert code == 0, err[-3000:]
    assert "0 unreadable; 0 waiting in Redis" in out, out
    same_database(db, crawled_sample / "khabar.db")
    alerts = "SELECT count(*) FROM alerts"
    assert query(db, alerts) == query(crawled_sample / "khabar.db", alerts)


def test_a_rerun_resumes_a_crawl_whose_only_crawler_was_killed(workdir: Path, redis_server: RedisServer,
                                                                sample_site: SampleSite, crawled_sample: Path) -> None:
    cluster = redis_server.url
    client = redis(redis_server)
    lease = {"KHABAR_CLUSTER_LEASE_SECONDS": "2"}
    crawler = start_khabar_crawler(workdir, cluster, sample_site.url, *SLOW, **lease)
    wait_for(lambda: client.llen("khabar:items") >= 3  # type: ignore[attr-defined]
             and any(client.hlen(key) for key in client.keys("khabar:lokmat:processing:*")),  # type: ignore
             90, "articles pushed and requests in flight", crawler)
    crawler.send_signal(signal.SIGKILL)
    crawler.wait(10)
    assert client.zcard("khabar:lokmat:requests") > 0  # type: ignore[attr-defined]  # the frontier outlived it
    rerun = start_khabar_crawler(workdir, cluster, sample_site.url, **lease)
    code, out, err = finish(rerun)
    assert code == 0, err[-3000:]
    assert int(re.search(r"taken back +(\d+)", out).group(1)) >= 1, out  # type: ignore[union-attr]
    code, out, err = finish(start_writer(workdir, cluster, "--until-idle", "1"))
    assert code == 0, err[-3000:]
    same_database(workdir / "khabar.db", crawled_sample / "khabar.db")


def test_redis_unreachable_is_one_sentence(workdir: Path, sample_site: SampleSite) -> None:
    from tests.servers import free_port

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    crawl = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "-s",
                       f"KHABAR_CLUSTER={nowhere}")
    writer = run_khabar(workdir, "writer", "--cluster", nowhere, "--until-idle", "1")
    for result in (crawl, writer):
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith(f"Error: cannot reach Redis at {nowhere} (KHABAR_CLUSTER): ")
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    typo = run_khabar(workdir, "writer", "--cluster", "127.0.0.1:6379")
    assert typo.returncode == 1 and "must be a Redis URL such as redis://" in typo.stderr, typo.stderr

"""The parse workers: the same database with and without them, a killed worker replaced, hostile and broken pages
counted, a pool that cannot start counted and replaced by parsing in the crawl process.

End to end: the sample site (lokmat spider) and a generated news site of 330 KB pages with copies of its own
stories (feed spider) are crawled into one file twice, once with every page prepared in worker processes (one
of them killed mid-crawl) and once with every page prepared in the crawl process; the two files must hold the
same rows, stories, alerts, search index and raw pages. Beside that, the pool is driven directly with real
worker processes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from benchmarks.newssite import build_site, write_sitemap
from crawler.app.sample_server import SampleSite
from crawler.components.parsepool import PageFailed, ParsePool
from crawler.components.prepare import Preparer, PrepareSetup
from crawler.config import load_config
from crawler.items import Article, Page
from crawler.store.compression import page_text
from pipelines.parse import ParsePipeline
from tests.conftest import REPO, khabar_env, new_workdir, project_settings
from tests.dbcontent import database_content, run_stats
from tests.sitefacts import article_files, seed_page

SHIPPED = REPO / "khabar.toml"
FETCHED_AT = "2026-01-05T06:00:00Z"
NEWS_PAGES = 24


# --- the pool itself, with real worker processes -------------------------------------------------------------


def sample_pages() -> list[Page]:
    """Pages of the sample site as a spider yields them: bytes and declared charset, not yet decoded."""
    return [Page(url=f"https://www.lokmatnews.in/{p.parent.relative_to(p.parents[2]).as_posix()}/", html="",
                 body=p.read_bytes(), encoding="utf-8", site="lokmat", fetched_at=FETCHED_AT)
            for p in article_files()]


@pytest.fixture(scope="module")
def setup() -> PrepareSetup:
    return PrepareSetup.of_crawl(load_config(SHIPPED))


def comparable(article: Article) -> dict[str, Any]:
    """An article's fields and what was derived from it, the raw page unpacked."""
    fields = dataclasses.asdict(article)
    fields["packed_html"] = page_text(article.packed_html)
    derived = {name: value for name, (_key, value) in article.__dict__.get("_derived", {}).items()}
    for name in ("story_signature", "story_bands"):
        if derived.get(name) is not None:
            derived[name] = derived[name].tolist()
    return {"fields": fields, "derived": derived}


def run_pool(setup: PrepareSetup, size: int, work: Any, start_method: str = "") -> Any:
    """``work(pool)`` (a coroutine function) inside an event loop, with a started pool of ``size`` workers."""
    async def main() -> Any:
        pool = ParsePool(size, setup, start_method)
        pool.start()
        try:
            return await work(pool)
        finally:
            pool.close()
    return asyncio.run(main())


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_prepare_pages_exactly_as_the_crawl_process_does(setup: PrepareSetup, start_method: str) -> None:
    pages = sample_pages()
    here = [comparable(Preparer(setup).prepare(dataclasses.replace(page))) for page in pages]

    async def work(pool: ParsePool) -> list[Article]:
        return list(await asyncio.gather(*(pool.prepare(page) for page in pages)))

    there = [comparable(article) for article in run_pool(setup, 2, work, start_method)]
    assert there == here
    seed = next(a for a, p in zip(there, pages, strict=True) if p.body == seed_page().read_bytes())
    assert seed["derived"]["topic_matches/" + seed_key(setup)]  # the seed story is about the war: matched
    assert {"content_hash", "search_forms", "story_text", "story_signature", "story_bands"} <= set(seed["derived"])
    assert "tokens" not in seed["derived"]  # let go in the worker: the bulk of an article, needed by nothing later
    assert seed["fields"]["packed_html"] == seed_page().read_text(encoding="utf-8")


def seed_key(setup: PrepareSetup) -> str:
    return Preparer(setup).matcher.key.removeprefix("topic_matches/")


class _KillsItsReader:
    """A value whose unpickling ends the process that reads it: a stand-in for a page that crashes a C library."""

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return os._exit, (3,)


def test_a_killed_worker_is_replaced_and_its_page_tried_again(setup: PrepareSetup) -> None:
    page = sample_pages()[0]

    async def work(pool: ParsePool) -> Article:
        [worker] = pool._workers
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(10)
        return await pool.prepare(page)

    article = run_pool(setup, 1, work)
    assert article.title and article.body


def test_a_page_that_kills_two_workers_is_dropped_and_the_pool_goes_on(setup: PrepareSetup) -> None:
    hostile = dataclasses.replace(sample_pages()[0], hints={"title": _KillsItsReader()})
    good = sample_pages()[1]

    async def work(pool: ParsePool) -> tuple[BaseException | Article, Article, int]:
        first, second = await asyncio.gather(pool.prepare(hostile), pool.prepare(good), return_exceptions=True)
        return first, second, pool.deaths

    failed, article, deaths = run_pool(setup, 2, work)
    assert isinstance(failed, PageFailed) and failed.reason == "parse_crashed" and "exit code 3" in str(failed)
    assert isinstance(article, Article) and article.title
    assert deaths == 2


def test_a_page_that_cannot_be_parsed_is_a_parse_error_and_worker_logs_reach_the_crawl_log(
        setup: PrepareSetup, caplog: pytest.LogCaptureFixture) -> None:
    # A page without a headline, and a sitemap that gave a list where its title should be.
    broken = Page(url="http://127.0.0.1:1/broken.html", html="<html><body><p>शब्द</p></body></html>",
                  site="127.0.0.1", fetched_at=FETCHED_AT, hints={"title": ["a list where a title should be"]})
    # A date far in the future is rejected with a warning, logged in the worker.
    future = Page(url="http://127.0.0.1:1/future.html", html="<html><head><meta property='article:published_time' "
                  "content='2099-01-01T10:00:00+05:30'></head><body><h1>भविष्य</h1><article><p>" + "शब्द " * 40
                  + "</p></article></body></html>", site="127.0.0.1", fetched_at=FETCHED_AT)

    async def work(pool: ParsePool) -> list[Any]:
        return list(await asyncio.gather(pool.prepare(broken), pool.prepare(future), return_exceptions=True))

    with caplog.at_level(logging.WARNING):
        failed, article = run_pool(setup, 1, work)
    assert isinstance(failed, PageFailed) and failed.reason == "parse_error" and "TypeError" in str(failed)
    assert isinstance(article, Article) and article.published_at is None
    assert any(r.name == "crawler.extract.fields" and "2099" in r.getMessage() for r in caplog.records)


def test_a_pool_that_cannot_start_leaves_parsing_to_the_crawl_process_and_is_counted(tmp_path: Path) -> None:
    """No file descriptors left for the workers' pipes: a real reason a pool cannot start."""
    crawler = get_crawler(settings_dict=project_settings(
        KHABAR_CONFIG=str(SHIPPED), KHABAR_DB=str(tmp_path / "k.db"), KHABAR_PARSE_WORKERS="2",
        KHABAR_PARSE_POOL_AFTER="0"))
    pipeline = ParsePipeline.from_crawler(crawler)
    page = sample_pages()[0]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    async def parse() -> Any:
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")), hard))
        try:
            return await pipeline.process_item(page)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    article = asyncio.run(parse())
    assert isinstance(article, Article) and article.title
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    assert stats["khabar/errors/parse_pool/unavailable"] == 1
    assert stats["khabar/parse/in_process"] == 1 and "khabar/parse/in_workers" not in stats
    assert pipeline.pool is None
    pipeline.close_spider()


def test_a_pipeline_drops_a_broken_page_with_its_reason(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict=project_settings(
        KHABAR_CONFIG=str(SHIPPED), KHABAR_DB=str(tmp_path / "k.db"), KHABAR_PARSE_WORKERS="0"))
    pipeline = ParsePipeline.from_crawler(crawler)
    broken = Page(url="http://127.0.0.1:1/broken.html", html="<html><body><p>शब्द</p></body></html>",
                  site="127.0.0.1", fetched_at=FETCHED_AT, hints={"title": ["a list where a title should be"]})
    with pytest.raises(DropItem, match=r"^parse_error: "):
        asyncio.run(pipeline.process_item(broken))
    assert crawler.stats.get_value("khabar/dropped/parse_error") == 1  # type: ignore[union-attr]


# --- end to end: the same database with and without the workers ---------------------------------------------


def copy_of(html: str, path: str, copy_path: str) -> str:
    """Another URL's rewrite of a story: its own headline and canonical URL, one more sentence in the body."""
    title = re.search(r'<h1 class="headline">(.*?)</h1>', html).group(1)  # type: ignore[union-attr]
    html = html.replace(title, title + " (एजेंसी)").replace(path, copy_path)
    return html.replace("</p></div>", " एजेंसी के इनपुट के साथ।</p></div>", 1)


@pytest.fixture(scope="module")
def news_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("newssite")
    paths = build_site(root, NEWS_PAGES)
    copies = []
    for path in paths[:3]:
        copy_path = path.replace("/story-", "/agency-")
        (root / copy_path.lstrip("/")).write_text(copy_of((root / path.lstrip("/")).read_text(encoding="utf-8"),
                                                          path, copy_path), encoding="utf-8")
        copies.append(copy_path)
    (root / "paths.txt").write_text("\n".join(paths + copies), encoding="utf-8")
    return root


def crawl(work: Path, args: list[str], *settings: str, kill_a_worker: bool = False) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl`` as a subprocess; with ``kill_a_worker``, one parse worker is killed once pages flow."""
    command = [sys.executable, "-m", "scrapy", "crawl", *args, *(x for s in settings for x in ("-s", s))]
    process = subprocess.Popen(command, cwd=REPO, env=khabar_env(work), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if kill_a_worker:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            # A forked worker has the crawl's command line and only its two pipes besides stdio (a subprocess the
            # crawl starts, such as Python's `uname` for the platform, has the command line too, for an instant).
            workers = [pid for pid in children(process.pid)
                       if cmdline(pid) == cmdline(process.pid) and len(open_files(pid)) == 5]
            if workers:
                time.sleep(0.3)  # let it hold a page
                try:
                    os.kill(workers[0], signal.SIGKILL)
                    break
                except ProcessLookupError:
                    continue
            time.sleep(0.02)
    stdout, stderr = process.communicate(timeout=180)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def open_files(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


@pytest.fixture(scope="module")
def two_databases(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite,
                  news_site: Path) -> dict[str, Path]:
    """The same two crawls into two files: pages prepared in workers (one killed mid-crawl), or in the crawl."""
    found = {}
    with SampleSite(news_site) as news:
        paths = (news_site / "paths.txt").read_text(encoding="utf-8").split("\n")
        sitemap = write_sitemap(news_site, news.url, paths)
        for mode, settings in (("workers", ("KHABAR_PARSE_WORKERS=2", "KHABAR_PARSE_POOL_AFTER=0")),
                               ("in_process", ("KHABAR_PARSE_WORKERS=0",))):
            work = new_workdir(tmp_path_factory, mode)
            first = crawl(work, ["lokmat", "-a", f"base_url={sample_site.url}"], *settings)
            assert first.returncode == 0, first.stderr[-3000:]
            # One request at a time, a little apart, so that a worker can be killed while pages still flow.
            second = crawl(work, ["feed", "-a", f"url={sitemap}"], *settings, "CONCURRENT_REQUESTS=2",
                           "DOWNLOAD_DELAY=0.05", kill_a_worker=mode == "workers")
            assert second.returncode == 0, second.stderr[-3000:]
            found[mode] = work / "khabar.db"
    return found


@pytest.mark.e2e
def test_the_database_is_the_same_with_and_without_parse_workers(two_databases: dict[str, Path]) -> None:
    with_workers, in_process = (database_content(two_databases[m]) for m in ("workers", "in_process"))
    assert with_workers == in_process
    # ... and it holds what makes the comparison worth something: every page, joined stories, alerts.
    assert len(with_workers["articles"]) == len(article_files()) - 1 + NEWS_PAGES + 3  # one sample page has no body
    assert sum(len(group) > 1 for group in with_workers["stories"]) == 3  # each copy joined its story
    assert len(with_workers["alerts"]) >= 4
    assert all(html and "<html" in html.lower() for _url, html in with_workers["pages"].values())


@pytest.mark.e2e
def test_pages_were_prepared_where_the_setting_says(two_databases: dict[str, Path]) -> None:
    for stats in run_stats(two_databases["workers"]):
        assert stats["khabar/parse/in_workers"] == stats["khabar/parsed"] and "khabar/parse/in_process" not in stats
        assert stats["khabar/parse/workers"] == 2
    killed = run_stats(two_databases["workers"])[1]
    assert killed["khabar/errors/parse_pool/worker_died"] == 1 and "khabar/dropped/parse_crashed" not in killed
    for stats in run_stats(two_databases["in_process"]):
        assert stats["khabar/parse/in_process"] == stats["khabar/parsed"] and "khabar/parse/in_workers" not in stats

"""The fault suite: one real `khabar crawl feed` against a fault-injecting site on 127.0.0.1 (tests/faultsite.py).

Every test below is one case of the suite: the crawl survives it, the good pages around it are stored, what is
lost has a counted reason visible in the stats, `khabar runs` and health, the run's recorded status and exit
code are the truth, and the crawl's peak memory (its own rusage) stays under 500 MB. The figures of the last run
go to test-artifacts/fault-suite.json for the README.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, khabar_env, new_workdir, query, rows, run_khabar
from tests.faultsite import START_DOCUMENTS, FaultSite, run_measured

pytestmark = pytest.mark.e2e

PEAK_MB = 500
ARTIFACTS = REPO / "test-artifacts"


@dataclass
class Crawl:
    code: int
    out: str
    err: str
    peak_mb: float
    work: Path
    log: list[tuple[float, str, int]]
    run: dict[str, Any]
    stats: dict[str, Any]

    @property
    def db(self) -> Path:
        return self.work / "khabar.db"

    def stored(self, path: str) -> dict[str, Any] | None:
        found = rows(self.db, "SELECT * FROM articles WHERE url LIKE ?", (f"%:%{path}",))
        return dict(found[0]) if found else None

    def requests(self, path: str) -> list[float]:
        return [moment for moment, logged, _ in self.log if logged == path]

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    work = new_workdir(tmp_path_factory, "faults")
    with FaultSite() as site:
        urls = ",".join(site.url + path for path in START_DOCUMENTS)
        code, out, err, peak = run_measured(
            [sys.executable, "-m", "crawler", "crawl", "feed", "-a", f"url={urls}", "--progress", "off",
             "-s", "DOWNLOAD_TIMEOUT=6", "-s", "RETRY_TIMES=1"], work, khabar_env(work))
        log = list(site.log)
    run = dict(rows(work / "khabar.db", "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])
    yield Crawl(code, out, err, peak, work, log, run, json.loads(run["stats"]))


@pytest.fixture(scope="module", autouse=True)
def figures(request: pytest.FixtureRequest, hostile: Crawl) -> Iterator[None]:
    """After the module: the suite's figures (cases, pages, peak memory) for the README's Reliability section."""
    yield
    cases = [item.name for item in request.session.items if item.module is request.module]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fault-suite.json").write_text(json.dumps(
        {"cases": len(cases), "peak_mb": round(hostile.peak_mb, 1), "pages": hostile.run["pages"],
         "exit_status": hostile.code, "names": cases}, indent=2) + "\n", encoding="utf-8")


# --- the run as a whole -------------------------------------------------------------------------------------


def test_the_crawl_survives_and_its_record_tells_the_truth(hostile: Crawl) -> None:
    assert hostile.code == 0, hostile.err[-3000:]
    assert hostile.run["status"] == "finished" and hostile.run["finish_reason"] == "finished"
    assert hostile.run["failure"] is None
    assert hostile.run["new"] == query(hostile.db, "SELECT count(*) FROM articles")[0][0]
    assert "Traceback" not in hostile.err, hostile.err[-3000:]


def test_peak_memory_stays_bounded(hostile: Crawl) -> None:
    """A 200 MB gzip bomb, a 50 MB page, a 3 MB article, a billion-laughs sitemap, all in one crawl."""
    assert hostile.peak_mb < PEAK_MB


def test_the_good_stories_around_the_faults_are_stored(hostile: Crawl) -> None:
    for number in (1, 2, 3):
        article = hostile.stored(f"/story/{number}")
        assert article is not None and f"समाचार {number}" in article["title"]


# --- bounds -------------------------------------------------------------------------------------------------


def test_a_gzip_bomb_and_huge_pages_are_dropped_as_too_large(hostile: Crawl) -> None:
    assert hostile.stat("khabar/dropped/too_large") == 3  # the bomb, the 50 MB page, the one announcing 50 MB
    assert hostile.stored("/gzip-bomb") is None and hostile.stored("/huge") is None
    assert json.loads(hostile.run["dropped_reasons"])["too_large"] == 3
    assert not any(key.startswith("downloader/exception_type_count/") and "Cancel" in key for key in hostile.stats)


def test_a_gzip_sitemap_inflating_past_the_limit_is_counted(hostile: Crawl) -> None:
    assert hostile.stat("khabar/discovery/too_large") == 1


def test_a_long_article_is_stored_bounded(hostile: Crawl) -> None:
    article = hostile.stored("/long-article")
    assert article is not None
    assert 100_000 < len(article["body"]) <= 200_000 and len(article["title"]) <= 5_000
    assert hostile.stat("khabar/truncated/body") == 1 and hostile.stat("khabar/truncated/title") == 1


def test_an_endless_chain_of_sitemap_indexes_stops_at_the_depth_limit(hostile: Crawl) -> None:
    assert len(hostile.requests("/chain")) == 4  # the start and three levels below it (limits.sitemap_depth)
    assert hostile.stat("khabar/discovery/too_deep") == 1


def test_retry_after_is_honoured_and_an_hour_is_not_waited(hostile: Crawl) -> None:
    busy, limited = hostile.requests("/busy"), hostile.requests("/ratelimited")
    assert len(busy) == 2 and len(limited) == 2  # RETRY_TIMES=1: the answer, then one retry
    assert busy[1] - busy[0] >= 0.9 and limited[1] - limited[0] >= 0.9  # Retry-After: 1
    assert len(hostile.requests("/busy-forever")) == 1
    assert hostile.stat("khabar/dropped/retry_after_too_long") == 1
    assert hostile.stored("/ratelimited") is not None


# --- losses with a reason -----------------------------------------------------------------------------------


def test_a_malformed_feed_gives_up_all_its_entries(hostile: Crawl) -> None:
    for number in (81, 82, 83):  # an unescaped &, an unclosed tag, the feed cut off mid-item
        assert hostile.stored(f"/story/{number}") is not None, number
    assert hostile.stat("khabar/discovery/entries_recovered") == 2
    assert hostile.stat("khabar/discovery/entries_unreadable") == 0


def test_a_redirect_loop_is_a_counted_drop(hostile: Crawl) -> None:
    assert hostile.stat("khabar/dropped/redirect_loop") == 1
    assert json.loads(hostile.run["dropped_reasons"])["redirect_loop"] == 1


def test_a_robots_disallowed_page_is_a_counted_drop_never_fetched(hostile: Crawl) -> None:
    assert hostile.requests("/private/secret") == []
    assert json.loads(hostile.run["dropped_reasons"])["robots_disallowed"] == 1
    assert json.loads(hostile.run["health"])["dropped"]["robots_disallowed"] == 1


def test_pages_nested_past_the_parser_limit_are_read(hostile: Crawl) -> None:
    for path, marker in (("/deep", "300"), ("/deeper", "5000")):
        article = hostile.stored(path)
        assert article is not None and marker in article["title"] and len(article["body"]) > 500, path
    assert hostile.stat("khabar/recovered/deep_nesting") == 1  # 5,000 levels: read without the nesting tags


def test_a_body_that_does_not_decompress_is_a_counted_drop(hostile: Crawl) -> None:
    assert hostile.stat("khabar/dropped/bad_encoding") == 1


def test_a_redirect_to_a_file_url_and_an_endless_url_are_counted(hostile: Crawl) -> None:
    assert hostile.stat("khabar/dropped/redirect_not_http") == 1
    assert json.loads(hostile.run["dropped_reasons"])["url_too_long"] == 1


def test_pages_that_are_not_articles_are_counted(hostile: Crawl) -> None:
    assert hostile.stat("khabar/dropped/not_html") == 1  # an image where an article was listed
    assert hostile.stat("khabar/dropped/no_body") == 1  # an empty 200


def test_broken_downloads_are_errors_and_the_run_goes_on(hostile: Crawl) -> None:
    assert hostile.stat("downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError") >= 1
    assert hostile.stat("downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError") >= 1
    assert hostile.run["errors"] >= 2


def test_xxe_and_billion_laughs_sitemaps_are_harmless(hostile: Crawl) -> None:
    assert hostile.stored("/story/92") is not None  # the laughs sitemap's one entry, its entities not expanded
    text = " ".join(str(value) for row in rows(hostile.db, "SELECT * FROM articles") for value in dict(row).values())
    assert "root:" not in text and "hahaha" not in text


def test_control_characters_never_reach_the_file(hostile: Crawl) -> None:
    article = hostile.stored("/control")
    assert article is not None and article["title"].startswith("नियंत्रण")
    for name in ("title", "body"):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", article[name]), name


def test_every_loss_is_visible_in_khabar_runs(hostile: Crawl) -> None:
    listed = run_khabar(hostile.work, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    [run] = json.loads(listed.stdout)
    assert {"too_large", "redirect_loop", "robots_disallowed", "retry_after_too_long", "not_html"} <= set(
        run["dropped_reasons"])
    losses = run["health"]["losses"]
    assert losses["discovery/too_deep"] == 1 and losses["truncated/body"] == 1
    assert "limits and losses" in hostile.out and "discovery/too_deep: 1" in hostile.out

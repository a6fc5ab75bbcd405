"""End to end: incremental crawling and updates, counted by the HTTP server itself.

One copy of the sample site, one database, crawls in sequence (module scope):

1. first crawl: every article page is downloaded;
2. unchanged site, ``-a recheck=0s`` (nothing is recent enough to re-check): no article page is
   downloaded, known ones are skipped and counted;
3. the seed article's body is edited; default re-check window (6 h; everything was first seen
   seconds ago): every stored article is re-checked with a conditional request, the server answers
   304 for all but the edited page, which alone is downloaded again; its row is updated, the old
   version is kept in ``article_revisions``, no second alert;
4. another article's dateModified changes, ``-a skip_known=false``: every article page is downloaded
   unconditionally; that one article is updated (one more revision), the rest are unchanged.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.app.sample_server import SAMPLE_SITE, SampleSite
from tests.conftest import khabar_env, query, rows, run_scrapy
from tests.sitefacts import article_files, has_body, headline, second_urls, seed_page, seed_spec

pytestmark = pytest.mark.e2e

ARTICLE_PATH = re.compile(r"-b\d+/?$")  # Lokmat article URLs (AMP copies included)
NEW_SENTENCE = "ताजा जानकारी के अनुसार दोनों नेताओं के बीच दूसरे दौर की बातचीत गुरुवार को होगी।"
NEW_MODIFIED = "2024-07-01T10:00:00+05:30"


class CountingSite(SampleSite):
    """The sample server, recording (path, status, conditional?) for every request it answers."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.log: list[tuple[str, int, bool]] = []
        log = self.log
        handler = self.httpd.RequestHandlerClass
        original = handler.send_response

        def send_response(self: object, code: int, message: str | None = None) -> None:
            headers = self.headers  # type: ignore[attr-defined]
            conditional = bool(headers.get("If-None-Match") or headers.get("If-Modified-Since"))
            log.append((urlsplit(self.path).path, code, conditional))  # type: ignore[attr-defined]
            original(self, code, message)  # type: ignore[arg-type]

        handler.send_response = send_response  # type: ignore[method-assign]

    def articles(self, since: int, status: int | None = None) -> list[tuple[str, int, bool]]:
        return [entry for entry in self.log[since:]
                if ARTICLE_PATH.search(entry[0]) and (status is None or entry[1] == status)]


def last_run(db: Path) -> dict:
    row = dict(rows(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])
    row["stats"] = json.loads(row["stats"])
    return row


def edit_body(page: Path, sentence: str) -> None:
    html = page.read_text(encoding="utf-8")
    start = html.index('class="story-body"')
    end = html.index("</p>", start) + len("</p>")
    page.write_text(html[:end] + f"\n<p>{sentence}</p>" + html[end:], encoding="utf-8")


def edit_date_modified(page: Path, value: str) -> None:
    html = page.read_text(encoding="utf-8")
    edited = re.sub(r'("dateModified":\s*")[^"]+(")', rf"\g<1>{value}\g<2>", html)
    edited = re.sub(r'(property="article:modified_time" content=")[^"]+(")', rf"\g<1>{value}\g<2>", edited)
    assert edited != html, f"{page} has no dateModified to change"
    page.write_text(edited, encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("incremental")
    site = base / "site"
    shutil.copytree(SAMPLE_SITE, site)
    work = base / "work"
    work.mkdir()
    shutil.copy(Path(__file__).parent.parent / "khabar.toml", work / "khabar.toml")
    db = work / "khabar.db"
    seed = seed_page(site)
    other = next(p for p in article_files(site) if has_body(p) and p != seed)
    marks: dict[str, int] = {}
    results: dict[str, dict] = {}
    snapshots: dict[str, dict] = {}
    with CountingSite(site) as server:
        def crawl(name: str, *args: str) -> None:
            marks[name] = len(server.log)
            result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={server.url}", *args)
            assert result.returncode == 0, result.stderr[-3000:]
            results[name] = last_run(db)
            snapshots[name] = {
                "articles": query(db, "SELECT count(*) FROM articles")[0][0],
                "alerts": query(db, "SELECT count(*) FROM alerts")[0][0],
                "revisions": query(db, "SELECT count(*) FROM article_revisions")[0][0],
                "seed": query(db, "SELECT id, body, updated_at FROM articles WHERE title = ?",
                              (seed_spec()["title"],))[0],
            }

        crawl("first")
        crawl("recheck_0s", "-a", "recheck=0s")
        edit_body(seed, NEW_SENTENCE)
        crawl("edited")
        edit_date_modified(other, NEW_MODIFIED)
        crawl("forced", "-a", "skip_known=false")
        marks["end"] = len(server.log)
        yield {"server": server, "marks": marks, "runs": results, "db": db, "work": work,
               "snap": snapshots, "other": headline(other), "site": site}


def served(runs: dict, name: str, status: int | None = None, articles: bool = True) -> list[tuple[str, int, bool]]:
    """What the server answered during crawl ``name``: for article pages, or (``articles=False``) the others."""
    names = list(runs["marks"])
    start = runs["marks"][name]
    end = runs["marks"][names[names.index(name) + 1]]
    return [entry for entry in runs["server"].log[start:end]
            if bool(ARTICLE_PATH.search(entry[0])) == articles and (status is None or entry[1] == status)]


def test_first_crawl_downloads_every_article(runs: dict) -> None:
    fetched = {path for path, _, _ in served(runs, "first", 200)}
    expected = {"/" + p.parent.relative_to(runs["site"]).as_posix() + "/" for p in article_files(runs["site"])}
    assert expected <= fetched
    assert runs["runs"]["first"]["new"] == runs["snap"]["first"]["articles"] > 0


def test_unchanged_site_outside_the_window_downloads_no_article(runs: dict) -> None:
    assert served(runs, "recheck_0s", 200) == []
    run = runs["runs"]["recheck_0s"]
    # Pages dropped last time (no body, ...) are not stored, so not skipped: they get a conditional request.
    dropped = run["stats"].get("khabar/not_modified/dropped", 0)
    assert dropped == runs["runs"]["first"]["dropped"]
    assert run["skipped"] == run["stats"]["khabar/skipped/known"] == len(served(runs, "first", 200)) - dropped
    assert (run["new"], run["updated"]) == (0, 0)
    assert runs["snap"]["recheck_0s"]["articles"] == runs["snap"]["first"]["articles"]


def test_listing_pages_are_always_requested(runs: dict) -> None:
    others = served(runs, "recheck_0s", articles=False)
    listing = [path for path, _, _ in others]
    assert "/" in listing and "/sitemap.xml" in listing and "/international/" in listing
    # ... conditionally, answered 304 and replayed from the stored copy: discovery still saw every link.
    assert all(conditional and status == 304 for path, status, conditional in others if path == "/international/")
    assert runs["runs"]["recheck_0s"]["stats"].get("khabar/not_modified/listing", 0) > 0


def test_recent_articles_are_rechecked_with_conditional_requests(runs: dict) -> None:
    articles = served(runs, "edited")
    assert articles and all(conditional for _, _, conditional in articles)
    not_modified = [entry for entry in articles if entry[1] == 304]
    assert len(not_modified) == len(articles) - 1  # all but the edited page
    run = runs["runs"]["edited"]
    assert run["unchanged"] == len(not_modified) - run["stats"].get("khabar/not_modified/dropped", 0)
    assert (run["new"], run["skipped"]) == (0, 0)


def test_an_edited_body_is_downloaded_once_and_kept_as_a_revision(runs: dict) -> None:
    downloaded = [path for path, _, _ in served(runs, "edited", 200)]
    seed_path = "/" + seed_page(runs["site"]).parent.relative_to(runs["site"]).as_posix() + "/"
    assert downloaded == [seed_path]
    run = runs["runs"]["edited"]
    assert (run["updated"], run["new"]) == (1, 0)
    before, after = runs["snap"]["recheck_0s"]["seed"], runs["snap"]["edited"]["seed"]
    assert before[0] == after[0] and NEW_SENTENCE in after[1] and NEW_SENTENCE not in before[1]
    revisions = query(runs["db"], "SELECT article_id, body FROM article_revisions ORDER BY id")
    assert revisions[0] == (before[0], before[1])
    assert runs["snap"]["edited"]["revisions"] == 1


def test_an_edit_raises_no_second_alert(runs: dict) -> None:
    assert runs["snap"]["first"]["alerts"] >= 1  # the seed article matched russia-ukraine
    assert runs["snap"]["edited"]["alerts"] == runs["snap"]["first"]["alerts"]
    assert runs["runs"]["edited"]["alerts"] == 0


def test_skip_known_false_downloads_every_article_unconditionally(runs: dict) -> None:
    articles = served(runs, "forced")
    assert sorted(path for path, _, _ in articles) == sorted(path for path, _, _ in served(runs, "first"))
    assert all(status == 200 and not conditional for _, status, conditional in articles)
    run = runs["runs"]["forced"]
    assert (run["new"], run["skipped"]) == (0, 0)
    # All but the one whose dateModified changed (and pages dropped as before); the AMP copy and the
    # tracking link are other URLs of stored stories, so they count as duplicates.
    assert run["duplicates"] == second_urls()
    assert run["unchanged"] + run["duplicates"] == len(articles) - 1 - run["dropped"]


def test_unchanged_recrawls_keep_no_revision(runs: dict) -> None:
    assert runs["snap"]["recheck_0s"]["revisions"] == 0
    assert runs["snap"]["edited"]["revisions"] == 1  # the edited page only, though every page was re-checked


def test_a_changed_date_modified_is_an_update(runs: dict) -> None:
    assert runs["runs"]["forced"]["updated"] == 1
    assert runs["snap"]["forced"]["revisions"] == 2
    (updated_at,) = query(runs["db"], "SELECT updated_at FROM articles WHERE title = ?", (runs["other"],))[0]
    assert updated_at == NEW_MODIFIED


def test_unchanged_recrawls_move_last_seen_only(runs: dict) -> None:
    first_seen = query(runs["db"], "SELECT count(*) FROM articles WHERE first_seen_at < last_seen_at")[0][0]
    assert first_seen == runs["snap"]["first"]["articles"]  # every row seen again since


def test_the_article_spider_skips_a_known_url_too(runs: dict, tmp_path: Path) -> None:
    server = runs["server"]
    page = seed_page(runs["site"])
    url = f"{server.url}/{page.parent.relative_to(runs['site']).as_posix()}/"
    env = khabar_env(runs["work"], KHABAR_DB=str(tmp_path / "article.db"))
    counts = []
    for args in ((), ("-a", "recheck=0s"), ("-a", "skip_known=false")):
        start = len(server.log)
        result = run_scrapy(runs["work"], "crawl", "article", "-a", f"url={url}", *args, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        counts.append(len(server.articles(start, 200)))
    assert counts == [1, 0, 1]
    run = last_run(tmp_path / "article.db")
    assert run["unchanged"] == 1
    assert query(tmp_path / "article.db", "SELECT skipped FROM crawl_runs ORDER BY id")[1] == (1,)

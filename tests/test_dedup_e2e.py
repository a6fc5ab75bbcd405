"""End to end: one story served under two paths of a site, without a canonical link, is stored once.

A copy of the sample site gets a second path for one article (the same HTML, rel=canonical and
og:url removed from both copies, linked from the home page). A real crawl must store one row
for it, with both URLs as aliases of that row, and count the second sighting as a duplicate.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from crawler.app.sample_server import SAMPLE_SITE, SampleSite
from tests.conftest import query, run_scrapy
from tests.sitefacts import article_files, has_body, headline, second_urls, seed_page

pytestmark = pytest.mark.e2e

REAL = "https://www.lokmatnews.in"
SECOND_PATH = "/international/same-story-second-path-b1999999/"
_CANONICAL = re.compile(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>')


def strip_canonical(page: Path, real_url: str) -> None:
    """No rel=canonical, no og:url, and no JSON-LD url / mainEntityOfPage naming the page."""
    html = page.read_text(encoding="utf-8")
    stripped = _CANONICAL.sub("", html).replace(f'"{real_url}"', '""')
    assert stripped != html, f"{page} declared no canonical URL to remove"
    page.write_text(stripped, encoding="utf-8")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("twopaths")
    site = base / "site"
    shutil.copytree(SAMPLE_SITE, site)
    # Not the seed page: keep this test about storage, not alerts.
    page = next(p for p in article_files(site) if has_body(p) and p != seed_page(site))
    first_path = "/" + page.parent.relative_to(site).as_posix() + "/"
    strip_canonical(page, REAL + first_path)
    second = site / SECOND_PATH.strip("/") / "index.html"
    second.parent.mkdir(parents=True)
    shutil.copy(page, second)
    home = site / "index.html"
    home.write_text(home.read_text(encoding="utf-8").replace(
        "</body>", f'<a href="{SECOND_PATH}">same story, second path</a></body>'), encoding="utf-8")
    work = base / "work"
    work.mkdir()
    shutil.copy(Path(__file__).parent.parent / "khabar.toml", work / "khabar.toml")
    with SampleSite(site) as server:
        result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={server.url}")
    assert result.returncode == 0, result.stderr[-3000:]
    return {"db": work / "khabar.db", "site": site, "title": headline(page),
            "urls": [REAL + first_path, REAL + SECOND_PATH]}


def test_the_story_is_one_row(crawled: dict) -> None:
    assert query(crawled["db"], "SELECT count(*) FROM articles WHERE title = ?", (crawled["title"],)) == [(1,)]
    expected = {headline(p) for p in article_files(crawled["site"]) if has_body(p)}
    stored = [title for (title,) in query(crawled["db"], "SELECT title FROM articles")]
    assert len(stored) == len(set(stored))  # nothing else stored twice either
    assert expected <= set(stored)


def test_both_paths_are_aliases_of_that_row(crawled: dict) -> None:
    (article_id,) = query(crawled["db"], "SELECT id FROM articles WHERE title = ?", (crawled["title"],))[0]
    owners = {url: query(crawled["db"], "SELECT article_id FROM article_urls WHERE url = ?", (url,))
              for url in crawled["urls"]}
    assert owners == {url: [(article_id,)] for url in crawled["urls"]}
    (stored_url,) = query(crawled["db"], "SELECT url FROM articles WHERE id = ?", (article_id,))[0]
    assert stored_url in crawled["urls"]


def test_the_second_sighting_is_counted_as_a_duplicate(crawled: dict) -> None:
    # The second path, plus the site's own AMP copy and tracking link (other URLs of stored stories).
    expected = 1 + second_urls(crawled["site"])
    (stats,) = query(crawled["db"], "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(stats).get("khabar/articles/duplicate") == expected
    (duplicates,) = query(crawled["db"], "SELECT duplicates FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert duplicates == expected

"""End to end: ``scrapy crawl article`` over our real-page structure pages, served on 127.0.0.1.

Each page of tests/realpage_structures/ (legacy table layout, ``<div>``/``<br>`` text, the site's
name in the title, a date printed only as text) is fetched by a real Scrapy process from a real
HTTP server on loopback and must be stored with the fields its JSON states.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from tests.conftest import new_workdir, rows, run_scrapy

pytestmark = pytest.mark.e2e

PAGES = Path(__file__).resolve().parent / "realpage_structures"
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CLOSESPIDER_TIMEOUT=60")


def expected() -> dict[str, dict]:
    return {path.stem: json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            for path in sorted(PAGES.glob("*.html"))}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    work = new_workdir(tmp_path_factory, "realpages")
    with SampleSite(PAGES) as site:
        urls = [f"{site.url}/{name}.html" for name in expected()]
        result = run_scrapy(work, "crawl", "article", "-a", "url=" + ",".join(urls), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    yield {"db": work / "khabar.db", "stderr": result.stderr}


def test_every_structure_is_stored(crawled: dict) -> None:
    titles = sorted(row["title"] for row in rows(crawled["db"], "SELECT title FROM articles"))
    assert titles == sorted(facts["title"] for facts in expected().values())
    assert "khabar/dropped/no_body" not in crawled["stderr"]


@pytest.mark.parametrize("name", sorted(expected()))
def test_stored_fields_are_the_pages_own(crawled: dict, name: str) -> None:
    facts = expected()[name]
    found = rows(crawled["db"], "SELECT * FROM articles WHERE title = ?", (facts["title"],))
    assert len(found) == 1
    row = found[0]
    assert json.loads(row["authors"]) == facts["authors"]
    assert row["published_at"] == facts["published_at"]
    assert row["body"] == "\n\n".join(facts["body"])
    if "dateline" in facts:
        assert row["dateline"] == facts["dateline"]

"""`khabar reparse`: stored pages parsed again without fetching; changed articles updated with a revision."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.store.compression import ZSTD_MAGIC, page_text
from tests.conftest import new_workdir, query, run_khabar, run_scrapy
from tests.sitefacts import seed_spec

pytestmark = pytest.mark.e2e

NEW_SENTENCE = "यह वाक्य पुनः पार्स की जांच के लिए जोड़ा गया है।"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> Path:
    work = new_workdir(tmp_path_factory, "reparse")
    result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert result.returncode == 0, result.stderr[-2000:]
    return work


def test_reparse_of_unchanged_pages_changes_nothing(work: Path) -> None:
    db = work / "khabar.db"
    stored = query(db, "SELECT count(*) FROM articles")[0][0]
    result = run_khabar(work, "reparse")
    assert result.returncode == 0, result.stderr
    assert f"unchanged: {stored}" in result.stdout
    assert query(db, "SELECT count(*) FROM article_revisions") == [(0,)]


def test_reparse_updates_an_article_whose_page_parses_differently(work: Path) -> None:
    db = work / "khabar.db"
    title = seed_spec()["title"]
    (article_id, body_before) = query(db, "SELECT id, body FROM articles WHERE title = ?", (title,))[0]
    alerts_before = query(db, "SELECT count(*) FROM alerts")[0][0]
    # Stand-in for a parser fix: the stored page now yields one more paragraph.
    conn = sqlite3.connect(db)
    packed = conn.execute("SELECT html FROM pages WHERE article_id = ?", (article_id,)).fetchone()[0]
    assert isinstance(packed, bytes) and packed[:4] == ZSTD_MAGIC  # pages are kept packed with zstd
    html = page_text(packed)
    assert html is not None and "<html" in html.lower()
    # Written back as plain text, as versions before the packing stored pages: such rows must stay readable.
    conn.execute("UPDATE pages SET html = ? WHERE article_id = ?",
                 (html.replace('<div class="story-body">', f'<div class="story-body"><p>{NEW_SENTENCE}</p>', 1),
                  article_id))
    conn.commit()
    conn.close()
    result = run_khabar(work, "reparse", "--site", "lokmat")
    assert result.returncode == 0, result.stderr
    assert "updated: 1" in result.stdout
    (body_after,) = query(db, "SELECT body FROM articles WHERE id = ?", (article_id,))[0]
    assert body_after.startswith(NEW_SENTENCE) and NEW_SENTENCE not in body_before
    assert query(db, "SELECT article_id, body FROM article_revisions") == [(article_id, body_before)]
    assert query(db, "SELECT count(*) FROM alerts")[0][0] == alerts_before


def test_reparse_without_a_database_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "khabar.toml").write_text("", encoding="utf-8")
    result = run_khabar(tmp_path, "reparse", "--db", str(tmp_path / "none.db"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no database at" in result.stderr

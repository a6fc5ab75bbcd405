"""Odd database files, crawled text on the terminal, secrets in logs, and files written safely: one sentence each.

Every command runs as a real `khabar` process on a copy of the shared sample crawl (never the shared file itself).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import REPO, khabar_env, query, run_khabar
from tests.faultsite import FaultSite
from tests.smalldisk import small_disk

pytestmark = pytest.mark.e2e

READERS = (("search", "रूस"), ("runs",), ("alerts",), ("export", "-o", "out.jsonl"))


@pytest.fixture
def copy(crawled_sample: Path, tmp_path: Path) -> Path:
    """A private copy of the sample crawl's database (checkpointed: one file), with its config beside it."""
    source = sqlite3.connect(crawled_sample / "khabar.db")
    target = sqlite3.connect(tmp_path / "khabar.db")
    source.backup(target)
    source.close()
    target.close()
    shutil.copy(REPO / "khabar.toml", tmp_path / "khabar.toml")
    return tmp_path


def one_sentence(result, *needles: str) -> str:  # type: ignore[no-untyped-def]
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert "Traceback" not in text, text
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return str(result.stderr)


# --- database files checked on open -------------------------------------------------------------------------


@pytest.mark.parametrize("command", READERS)
def test_a_zero_byte_file_is_one_sentence(tmp_path: Path, command: tuple[str, ...]) -> None:
    shutil.copy(REPO / "khabar.toml", tmp_path / "khabar.toml")
    (tmp_path / "khabar.db").write_bytes(b"")
    one_sentence(run_khabar(tmp_path, *command), "is empty, not a Khabar database yet")


def test_a_cut_off_file_is_one_sentence(copy: Path) -> None:
    db = copy / "khabar.db"
    with db.open("r+b") as file:
        file.truncate(db.stat().st_size // 2 // 4096 * 4096)  # whole pages, as a copy cut short leaves it
    one_sentence(run_khabar(copy, "search", "रूस"), "is cut off", "restore it from a backup")


def test_a_file_from_a_newer_khabar_is_read_but_never_written(copy: Path) -> None:
    db = copy / "khabar.db"
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('khabar', '0099_from_the_future', '2030-01-01')")
    conn.execute("INSERT OR REPLACE INTO khabar_meta (key, value) VALUES ('written_by', '9.9.9')")
    conn.commit()
    conn.close()
    before = query(db, "SELECT count(*) FROM crawl_runs")
    sentence = one_sentence(run_khabar(copy, "crawl", "lokmat"), "Khabar 9.9.9 or newer", "0099_from_the_future")
    assert "will not write" in sentence
    assert query(db, "SELECT count(*) FROM crawl_runs") == before
    assert run_khabar(copy, "search", "रूस").returncode == 0  # reading it is harmless


@pytest.mark.parametrize("command", [*READERS, ("crawl", "lokmat")])
def test_a_renamed_column_is_one_sentence(copy: Path, command: tuple[str, ...]) -> None:
    conn = sqlite3.connect(copy / "khabar.db")
    conn.execute("ALTER TABLE articles RENAME COLUMN title TO headline")
    conn.commit()
    conn.close()
    one_sentence(run_khabar(copy, *command), "table articles has no column title")


# --- crawled text on the terminal ---------------------------------------------------------------------------


def test_escape_sequences_in_stored_rows_never_reach_the_terminal(copy: Path) -> None:
    """Rows stored before Khabar cleaned crawled text: search and alerts print them without their controls."""
    conn = sqlite3.connect(copy / "khabar.db")
    conn.execute("UPDATE articles SET title = 'रूस \x1b]0;PWNED\x07यूक्रेन \x1b[31mयुद्ध\x1b[0m\x07 \u202eउलटा' "
                 "WHERE id IN (SELECT article_id FROM alerts)")
    conn.commit()
    conn.close()
    for command in (("search", "रूस"), ("alerts",), ("search", "रूस", "--json"), ("alerts", "--json")):
        result = run_khabar(copy, *command)
        assert result.returncode == 0, result.stderr
        assert "यूक्रेन" in result.stdout
        for control in ("\x1b", "\x07", "\u202e", "\x9b"):
            assert control not in result.stdout, (command, control)


def test_a_mistyped_apprise_url_never_shows_its_secret(tmp_path: Path) -> None:
    (tmp_path / "khabar.toml").write_text('[storage]\ndb = "khabar.db"\n[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n'
                                          '[topics.war]\nany = ["युद्ध"]\n', encoding="utf-8")
    env = khabar_env(tmp_path, KHABAR_TEST_HOOK="slakc://TOPSECRETTOKEN/B123/C456")
    with FaultSite() as site:
        result = run_khabar(tmp_path, "crawl", "article", "-a", f"url={site.url}/story/1", "-v", env=env)
    deliver = run_khabar(tmp_path, "alerts", "deliver", "--retry-now", env=env)
    for output in (result.stdout + result.stderr, deliver.stdout + deliver.stderr):
        assert "TOPSECRETTOKEN" not in output
    assert "KHABAR_TEST_HOOK does not hold a valid Apprise URL" in deliver.stderr
    assert "slakc://(hidden)" in result.stderr  # Apprise's own complaint, without the URL


# --- files written safely -----------------------------------------------------------------------------------


def test_export_replaces_a_file_only_when_it_is_complete(copy: Path) -> None:
    out = copy / "articles.csv"
    out.write_text("the old export\n", encoding="utf-8")
    out.chmod(0o640)
    bad_config = run_khabar(copy, "export", "-o", str(out), "--config", str(copy / "missing.toml"))
    assert bad_config.returncode == 1 and out.read_text(encoding="utf-8") == "the old export\n"
    bad_db = run_khabar(copy, "export", "-o", str(out), "--db", str(copy / "none.db"))
    assert bad_db.returncode == 1 and out.read_text(encoding="utf-8") == "the old export\n"
    done = run_khabar(copy, "export", "--format", "csv", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("id,url,site,title")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the file keeps its permissions
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".articles")) == []  # no temporary left


def test_export_onto_a_full_disk_leaves_the_old_file_as_it_was(copy: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "64k") as disk:
        out = disk / "articles.jsonl"
        out.write_text("the old export\n", encoding="utf-8")
        result = run_khabar(copy, "export", "-o", str(out))
        one_sentence(result, f"cannot write {out}: the disk is full; {out} is as it was")
        assert out.read_text(encoding="utf-8") == "the old export\n"
        assert [p.name for p in disk.iterdir()] == ["articles.jsonl"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_export_to_a_special_file_that_fails_is_one_sentence(copy: Path) -> None:
    one_sentence(run_khabar(copy, "export", "-o", "/dev/full"), "cannot write /dev/full: the disk is full")

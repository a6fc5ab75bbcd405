"""The pieces of issue 14 one at a time: run outcomes, losses, error kinds, file checks, control characters,
sizes, salvaged feeds, field bounds, Retry-After. The end-to-end tests beside this file run them for real."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.components.discovery import read_document
from crawler.components.retry_after import retry_after_seconds
from crawler.config import LimitSettings
from crawler.items import Article
from crawler.knobs import KnobError, size
from crawler.store.runs import dropped_reasons, losses, run_outcome
from crawler.store.sqlite import DISK_FULL, SCHEMA, error_kind, file_problem
from crawler.text.cleaning import clean_text, terminal_safe
from pipelines.validate import ValidatePipeline


def test_a_run_with_a_store_error_is_failed_whatever_its_finish_reason() -> None:
    stats = {"khabar/errors/store/disk_full": 3, "khabar/failure": "the disk holding k.db is full",
             "khabar/failure_kind": "disk_full", "khabar/lost/articles/new": 12, "khabar/lost/alerts": 2}
    for reason in ("finished", "failed", "shutdown", "closespider_pagecount"):
        status, failure = run_outcome(stats, reason)
        assert status == "failed"
        assert failure == "the disk holding k.db is full: 12 articles not stored; free space and run again"
    mixed = stats | {"khabar/errors/alert/OperationalError": 1}
    assert run_outcome(mixed, "finished")[1].endswith("(4 errors: alert/OperationalError 1, store/disk_full 3)")


def test_a_clean_run_keeps_its_status() -> None:
    assert run_outcome({}, "finished") == ("finished", "")
    assert run_outcome({}, "shutdown") == ("stopped", "")
    assert run_outcome({"khabar/errors/store/x": 1, "khabar/failure": "x"}, "already_running") == ("refused", "")
    assert run_outcome({}, "cancelled")[0] == "failed"
    # An error another component counted and recovered from (a parse worker died; its page was parsed again).
    assert run_outcome({"khabar/errors/parse_pool/worker_died": 1}, "finished") == ("finished", "")


def test_losses_and_drops_name_their_reasons() -> None:
    stats = {"khabar/dropped/too_large": 2, "robotstxt/forbidden": 1, "urllength/request_ignored_count": 1,
             "khabar/discovery/too_deep": 1, "khabar/discovery/entries": 40, "khabar/truncated/body": 1,
             "khabar/lost/articles/new": 3, "khabar/discovery/followed": 40}
    assert dropped_reasons(stats) == {"too_large": 2, "robots_disallowed": 1, "url_too_long": 1}
    assert losses(stats) == {"discovery/too_deep": 1, "lost/articles/new": 3, "truncated/body": 1}


def test_error_kinds() -> None:
    assert error_kind(sqlite3.OperationalError("database or disk is full")) == DISK_FULL
    assert error_kind(sqlite3.OperationalError("no such column: title")) == SCHEMA
    assert error_kind(OSError(28, "No space left on device")) == DISK_FULL
    assert error_kind(ValueError("x")) == "ValueError"


def test_file_problems_from_the_header(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 3000,)] * 50)
    conn.commit()
    conn.close()
    assert file_problem(db) == ""
    whole = db.read_bytes()
    db.write_bytes(whole[: len(whole) // 2 // 4096 * 4096])
    assert "is cut off" in file_problem(db)
    db.write_bytes(whole[:5000])
    assert "not a whole number" in file_problem(db)
    db.write_bytes(b"not sqlite at all" * 10)
    assert "not a valid SQLite database" in file_problem(db)
    db.write_bytes(b"")
    assert file_problem(db) == ""  # empty: the readers say it is empty, the writers make it a database


@pytest.mark.parametrize(("raw", "stored"), [
    ("रूस \x1b]0;PWNED\x07यूक्रेन", "रूस यूक्रेन"),  # OSC: retitles a terminal
    ("\x1b[31mलाल\x1b[0m समाचार", "लाल समाचार"),  # CSI colours
    ("घंटी\x07 और \x9b2J सी1", "घंटी और सी1"),  # BEL, 8-bit CSI
    ("क्\u200dष नमस्ते", "क्\u200dष नमस्ते"),  # ZWJ stays: it shapes the conjunct
    ("पंक्ति\nदूसरी\tतीसरी", "पंक्ति दूसरी तीसरी"),
])
def test_control_characters_are_stripped_before_storing(raw: str, stored: str) -> None:
    assert clean_text(raw) == stored


def test_terminal_safe_prints_one_clean_line() -> None:
    assert terminal_safe("a\nb\tc \u202eउलटा\u2066 \x1b[2Jd\x00") == "a b c उलटा d"
    assert terminal_safe("यूक्रेन") == "यूक्रेन" and terminal_safe(None) == ""


def test_sizes() -> None:
    assert size("10MB") == 10 * 1024**2 and size("500kB") == 512_000 and size(2048) == 2048 and size("1 GB") == 2**30
    for bad in ("lots", "-1", True, "1.5"):
        with pytest.raises(KnobError):
            size(bad)


def test_a_broken_feed_is_salvaged_entry_by_entry() -> None:
    feed = (b"<?xml version='1.0'?><rss><channel><item><title>A & B</title><link>http://x/1</link></item>"
            b"<item><title>open<link>http://x/2</link><description><b>x</description></item>"
            b"<item><title>cut</title><link>http://x/3</link><descri")
    document = read_document(feed)
    assert [entry.url for entry in document.pages] == ["http://x/1", "http://x/2", "http://x/3"]
    assert (document.recovered, document.unreadable_entries) == (2, 0)
    lost = read_document(b"<rss><channel><item><title>no link</title></item><item><link>http://x/9</link></item>")
    assert [entry.url for entry in lost.pages] == ["http://x/9"] and lost.unreadable_entries == 1


def test_fields_are_bounded() -> None:
    validate = ValidatePipeline.__new__(ValidatePipeline)
    validate.limits = LimitSettings(body_chars=100, field_chars=10, list_items=2)
    article = Article(url="u", canonical_url="u", site="s", fetched_at="t", title="शीर्षक " * 10,
                      body=["पहला अनुच्छेद " * 3, "दूसरा " * 30, "तीसरा"], tags=["a", "b", "c"])
    cut = validate.bound(article)
    assert set(cut) == {"body", "title", "tags"}
    assert len(article.body_text) <= 100 and article.body[0] == "पहला अनुच्छेद " * 3 and len(article.title) <= 10
    assert article.tags == ["a", "b"]


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds("Sat, 01 Jun 2024 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Sat, 01 Jun 2024 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None

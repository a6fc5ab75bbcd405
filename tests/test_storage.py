"""The SQLite file: WAL, busy timeout, batched transactions, validators, and migrations from an older file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from crawler.db import BUSY_TIMEOUT_MS, connect, migrations
from crawler.items import Article
from crawler.storage import ArticleStore, Validators
from crawler.urls import url_key

BODY = ["रूस के राष्ट्रपति व्लादिमीर पुतिन ने उत्तर कोरियाई नेता किम जोंग उन से वोस्तोचन कोस्मोड्रोम में मुलाकात की।"] * 3


def article(number: int, body: list[str] | None = None) -> Article:
    url = f"https://www.lokmatnews.in/international/story-b{number}/"
    return Article(url=url, canonical_url=url, site="lokmat", fetched_at="2024-01-01T00:00:00Z",
                   title=f"खबर {number}", body=body or [f"{line} ({number})" for line in BODY],
                   content_hash=f"hash{number}")


def count(path: Path, table: str = "articles") -> int:
    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_connect_sets_wal_busy_timeout_and_synchronous(tmp_path: Path) -> None:
    db = connect(tmp_path / "k.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: safe in WAL against a killed process
    db.close()


def test_writes_are_batched_in_transactions(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = ArticleStore(connect(path), batch_size=1000, batch_seconds=3600)
    store.insert(article(1), "t")
    store.insert(article(2), "t")
    assert count(path) == 0  # still in the open batch, invisible to other connections
    assert store.article_id_for_url(article(2).url) == 2  # but visible to the crawl itself
    store.batch_size = 1
    store.insert(article(3), "t")  # the batch is full: one commit for all three
    assert count(path) == 3
    store.close()


def test_an_idle_batch_is_committed_by_the_timer(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = ArticleStore(connect(path), batch_size=1000, batch_seconds=3600)
    store.insert(article(1), "t")
    store.commit_if_due()
    assert count(path) == 0  # not due yet
    store.batch_seconds = 0
    store.commit_if_due()
    assert count(path) == 1
    store.close()


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    first = ArticleStore(connect(path), batch_size=1000)
    first.insert(article(1), "t")  # holds the write lock
    seen: list[int | None] = []

    def second_writer() -> None:
        second = ArticleStore(connect(path), batch_size=1000)
        second.begin()  # waits (busy timeout) until the first commits, then sees its row
        seen.append(second.article_id_for_url(article(1).url))
        second.insert(article(2), "t")
        second.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # waiting, not failed
    first.commit()
    thread.join(10)
    first.close()
    assert seen == [1] and count(path) == 2


def test_closing_commits_what_is_pending(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = ArticleStore(connect(path), batch_size=1000, batch_seconds=3600)
    store.insert(article(1), "t")
    store.close()
    assert count(path) == 1


def test_validators_round_trip_with_a_compressed_body(tmp_path: Path) -> None:
    store = ArticleStore(connect(tmp_path / "k.db"))
    body = "<html>सूची</html>".encode() * 100
    store.save_validators("https://www.lokmatnews.in/international/#top",
                          Validators(etag='"abc"', last_modified="Wed, 01 May 2024 10:00:00 GMT", kind="listing",
                                     content_type="text/html; charset=utf-8", body=body), "t")
    found = store.validators("https://www.lokmatnews.in/international/")  # fragment is not part of a resource
    assert found is not None and found.etag == '"abc"' and found.body == body and found.kind == "listing"
    stored = store.db.execute("SELECT length(body) FROM http_validators").fetchone()[0]
    assert stored < len(body) / 5
    assert store.validators("https://www.lokmatnews.in/india/") is None
    store.close()


# --- migrations -----------------------------------------------------------------------------------

def later_migrations(path: Path) -> list[str]:
    """Names of every migration after 0001 (other features add theirs), read from a throwaway empty file."""
    probe = sqlite_utils.Database(path)
    names = [migration.name for migration in migrations.pending(probe)]
    probe.close()
    path.unlink()
    assert names[0] == "0001_initial" and "0002_stories" in names
    return names[1:]


def test_a_file_at_migration_0001_opens_with_its_data_and_the_new_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before=later_migrations(tmp_path / "probe.db"))
    assert "url_key" not in old["articles"].columns_dict and not old["http_validators"].exists()
    rows = [
        {"url": "https://www.lokmatnews.in/international/kim-b1/", "site": "lokmat", "title": "किम",
         "body": " ".join(BODY), "content_hash": "h1", "first_seen_at": "2024-01-01T00:00:00Z",
         "last_seen_at": "2024-01-01T00:00:00Z"},
        {"url": "https://www.amarujala.com/world/kim-2", "site": "amarujala", "title": "किम जोंग",
         "body": " ".join(BODY), "content_hash": "h2", "first_seen_at": "2024-01-02T00:00:00Z",
         "last_seen_at": "2024-01-02T00:00:00Z"},
        {"url": "https://www.lokmatnews.in/india/other-b3/", "site": "lokmat", "title": "दूसरी",
         "body": "मानसून की पहली बारिश से मुंबई में जलभराव हुआ और लोकल ट्रेनें देरी से चलीं।", "content_hash": "h3",
         "first_seen_at": "2024-01-03T00:00:00Z", "last_seen_at": "2024-01-03T00:00:00Z"},
    ]
    old["articles"].insert_all(rows)
    old["article_urls"].insert({"url": "https://m.lokmatnews.in/international/kim-b1/?utm_source=x", "article_id": 1,
                                "first_seen_at": "2024-01-01T00:00:00Z"})
    old["alerts"].insert({"article_id": 1, "topic": "russia-ukraine", "matched": "{}", "created_at": "t"})
    old.close()

    db = connect(path)
    applied = {name for (name,) in db.execute("SELECT name FROM _sqlite_migrations").fetchall()}
    assert {"0001_initial", "0002_stories"} <= applied
    assert [row["title"] for row in db["articles"].rows] == [row["title"] for row in rows]
    assert db["alerts"].count == 1
    # New columns, filled in for the old rows.
    keys = [key for (key,) in db.execute("SELECT url_key FROM articles ORDER BY id").fetchall()]
    assert keys == ["lokmatnews.in/international/kim-b1", "amarujala.com/world/kim-2", "lokmatnews.in/india/other-b3"]
    assert db.execute("SELECT url_key FROM article_urls").fetchone()[0] == "lokmatnews.in/international/kim-b1"
    # Old rows were given stories: the same text on two sites is one story.
    stories = [story for (story,) in db.execute("SELECT story_id FROM articles ORDER BY id").fetchall()]
    assert stories == [1, 1, 3]
    assert db["story_signatures"].count == 3 and db["http_validators"].exists()
    # And the upgraded file works: the old row is found under another form of its URL.
    store = ArticleStore(db)
    assert store.article_id_for_url("http://lokmatnews.in/amp/international/kim-b1") == 1
    assert store.known(url_key("https://www.lokmatnews.in/international/kim-b1/")) == (1, "2024-01-01T00:00:00Z")
    store.close()
    # Opening it again changes nothing.
    again = connect(path)
    assert again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(applied)
    again.close()


def test_reading_commands_do_not_wait_for_a_crawl_holding_the_write_lock(tmp_path: Path) -> None:
    """connect() migrates only when something is pending, so a reader never queues behind a writer."""
    path = tmp_path / "k.db"
    writer = ArticleStore(connect(path), batch_size=1000, batch_seconds=3600)
    writer.insert(article(1), "t")  # write lock held
    reader = connect(path)  # would raise "locked" after the busy timeout if it needed the write lock
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    reader.close()
    writer.close()


@pytest.mark.parametrize("bad", ["directory", "garbage"])
def test_a_bad_file_is_refused_with_a_sentence(tmp_path: Path, bad: str) -> None:
    from crawler.db import DatabaseError

    path = tmp_path / "k.db"
    if bad == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError) as caught:
        connect(path)
    assert str(path) in str(caught.value) and "Traceback" not in str(caught.value)

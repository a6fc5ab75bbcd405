"""DedupPipeline + StorePipeline on a real SQLite file, with hand-built articles.

Covers: new / unchanged / updated (title, body, dateModified) / duplicate; revisions kept only
on change; aliases for every URL seen; exact copies across sites become rows of one story.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.components.addon import KhabarAddon
from crawler.items import Article
from crawler.store.dedup import content_hash
from crawler.text.search_query import fts_query
from pipelines.alert import AlertPipeline
from pipelines.dedup import DedupPipeline
from pipelines.store import StorePipeline
from tests.conftest import project_settings, query

BODY = [
    "उत्तर कोरियाई नेता किम जोंग उन ने बुधवार को रूस के राष्ट्रपति व्लादिमीर पुतिन से मुलाकात की।",
    "किम जोंग उन मंगलवार को बख्तरबंद ट्रेन से रूस पहुंचे थे और दोनों नेता वोस्तोचन कोस्मोड्रोम में मिले।",
    "संयुक्त राष्ट्र ने उत्तर कोरिया के हथियार कार्यक्रमों पर कई प्रतिबंध लगाए हैं।",
]
URL = "https://www.lokmatnews.in/international/kim-meets-putin-b1507312/"


def make_crawler(folder: Path, threshold: float = 0.8, topics: str = "", **settings: Any) -> Crawler:
    """A crawler with Khabar's settings and add-on, its config file in ``folder`` (with ``topics``, TOML);
    ``settings`` as -s would give them."""
    config = folder / "khabar.toml"
    config.write_text(f'[storage]\ndb = "khabar.db"\n[dedup]\nnear_duplicate_threshold = {threshold}\n{topics}',
                      encoding="utf-8")
    return get_crawler(settings_dict=project_settings(KHABAR_CONFIG=str(config),
                                                      KHABAR_DB=str(folder / "khabar.db"), **settings))


class Pipelines:
    """Dedup then store, as a crawl runs them (without the reactor)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.dedup = DedupPipeline.from_crawler(crawler)
        self.store = StorePipeline.from_crawler(crawler)

    def __call__(self, article: Article) -> Article:
        return self.store.process_item(self.dedup.process_item(article))

    def stats(self, disposition: str) -> int:
        return self.crawler.stats.get_value(f"khabar/articles/{disposition}", 0)  # type: ignore[union-attr]

    def close(self) -> None:
        KhabarAddon.of(self.crawler).store.close()


@pytest.fixture
def pipes(tmp_path: Path) -> Iterator[Pipelines]:
    pipelines = Pipelines(make_crawler(tmp_path))
    yield pipelines
    pipelines.close()


def article(url: str = URL, *, canonical: str | None = None, title: str = "किम जोंग उन ने पुतिन से मुलाकात की",
            body: list[str] | None = None, updated_at: str | None = "2023-09-13T16:31:00+05:30",
            site: str = "lokmat") -> Article:
    return Article(url=url, canonical_url=canonical or url, site=site, fetched_at="2024-01-01T00:00:00Z",
                   title=title, body=list(BODY if body is None else body), updated_at=updated_at,
                   published_at="2023-09-13T16:28:00+05:30")


def test_first_sight_is_new_and_recrawl_is_unchanged(pipes: Pipelines, tmp_path: Path) -> None:
    first = pipes(article())
    assert first.disposition == "new" and first.article_id is not None
    again = pipes(article())
    assert (again.disposition, again.article_id) == ("unchanged", first.article_id)
    KhabarAddon.of(pipes.crawler).store.commit()
    db = tmp_path / "khabar.db"
    assert query(db, "SELECT count(*) FROM articles") == [(1,)]
    assert query(db, "SELECT count(*) FROM article_revisions") == [(0,)]
    assert (pipes.stats("new"), pipes.stats("unchanged")) == (1, 1)


def test_unchanged_recrawl_only_moves_last_seen(pipes: Pipelines, tmp_path: Path) -> None:
    pipes(article())
    store = KhabarAddon.of(pipes.crawler).store
    store.db.execute("UPDATE articles SET last_seen_at = '2000-01-01T00:00:00Z', first_seen_at = last_seen_at")
    before = store.get(1)
    pipes(article())
    after = store.get(1)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"last_seen_at"}


@pytest.mark.parametrize("change", [
    {"title": "किम जोंग उन और पुतिन की मुलाकात: हथियार सौदे पर चर्चा"},
    {"body": [*BODY, "अमेरिका ने इस मुलाकात पर चिंता जताई है।"]},
    {"updated_at": "2023-09-14T09:00:00+05:30"},
])
def test_a_changed_title_body_or_date_modified_is_an_update_with_a_revision(
        pipes: Pipelines, tmp_path: Path, change: dict[str, Any]) -> None:
    original = pipes(article())
    edited = pipes(article(**change))
    assert (edited.disposition, edited.article_id) == ("updated", original.article_id)
    store = KhabarAddon.of(pipes.crawler).store
    store.commit()
    db = tmp_path / "khabar.db"
    revision = query(db, "SELECT article_id, title, body, updated_at, content_hash FROM article_revisions")
    assert revision == [(original.article_id, original.title, "\n\n".join(BODY), original.updated_at,
                         original.content_hash)]
    stored = store.get(original.article_id)
    for name, value in change.items():
        assert stored[name] == ("\n\n".join(value) if name == "body" else value)
    assert pipes.stats("updated") == 1
    # Nothing changes a second time: no second revision.
    assert pipes(article(**change)).disposition == "unchanged"
    store.commit()
    assert query(db, "SELECT count(*) FROM article_revisions") == [(1,)]


def test_a_missing_date_modified_is_not_a_change(pipes: Pipelines) -> None:
    pipes(article())
    assert pipes(article(updated_at=None)).disposition == "unchanged"


def test_the_update_is_searchable_and_the_old_text_is_not(pipes: Pipelines) -> None:
    pipes(article())
    new_body = ["इटली यूक्रेन को एयर डिफेंस सिस्टम देगा और प्रधानमंत्री मेलोनी घोषणा करेंगी।"] * 3
    pipes(article(body=new_body))
    KhabarAddon.of(pipes.crawler).store.commit()  # the index takes a batch's changes when it is committed
    db = KhabarAddon.of(pipes.crawler).store.db
    hits = lambda word: db.execute("SELECT rowid FROM articles_search WHERE articles_search MATCH ?",  # noqa: E731
                                   [fts_query(word)]).fetchall()
    assert hits("मेलोनी") == [(1,)]
    assert hits("कोस्मोड्रोम") == []


def test_every_url_form_is_one_article_with_aliases(pipes: Pipelines, tmp_path: Path) -> None:
    first = pipes(article())
    forms = [
        URL + "?utm_source=twitter&fbclid=x",
        URL.replace("www.", "m."),
        URL.replace("https://www.lokmatnews.in/", "https://www.lokmatnews.in/amp/"),
        URL.replace("https://www.", "http://").rstrip("/"),
    ]
    for url in forms:
        seen = pipes(article(url, canonical=URL if "amp" in url else None))
        # Another URL of the stored story: a duplicate skipped, never a second row.
        assert (seen.disposition, seen.article_id) == ("duplicate", first.article_id), url
    assert pipes(article()).disposition == "unchanged"  # the stored URL itself, re-checked
    store = KhabarAddon.of(pipes.crawler).store
    store.commit()
    aliases = {url for (url,) in query(tmp_path / "khabar.db", "SELECT url FROM article_urls")}
    assert aliases >= {URL, *forms}
    assert query(tmp_path / "khabar.db", "SELECT count(*) FROM articles") == [(1,)]


def test_the_same_story_under_a_second_path_of_the_site_is_a_duplicate(pipes: Pipelines, tmp_path: Path) -> None:
    first = pipes(article())
    other_path = "https://www.lokmatnews.in/world/kim-jong-un-putin-meeting-b9999999/"
    # Spelling-level noise (NBSP, a nukta variant) does not split the fingerprint.
    noisy = [BODY[0].replace(" ", "\u00a0", 1), BODY[1], BODY[2].replace("प्रतिबंध", "प्रतिबंध")]
    copy = pipes(article(other_path, body=noisy))
    assert (copy.disposition, copy.article_id) == ("duplicate", first.article_id)
    store = KhabarAddon.of(pipes.crawler).store
    store.commit()
    assert query(tmp_path / "khabar.db", "SELECT count(*) FROM articles") == [(1,)]
    assert query(tmp_path / "khabar.db", "SELECT article_id FROM article_urls WHERE url = ?", (other_path,)) == \
        [(first.article_id,)]
    # Known now: a second visit of that path is recognised by URL, and is still another URL of the story.
    again = pipes(article(other_path, body=noisy))
    assert (again.disposition, again.article_id) == ("duplicate", first.article_id)


def test_an_exact_copy_on_another_site_is_its_own_row_in_the_same_story(pipes: Pipelines, tmp_path: Path) -> None:
    first = pipes(article())
    copy = pipes(article("https://www.amarujala.com/world/kim-putin-meeting-2024", site="amarujala"))
    assert copy.disposition == "new" and copy.article_id != first.article_id
    store = KhabarAddon.of(pipes.crawler).store
    store.commit()
    stories = query(tmp_path / "khabar.db", "SELECT id, story_id FROM articles ORDER BY id")
    assert stories == [(first.article_id, first.article_id), (copy.article_id, first.article_id)]
    assert pipes.crawler.stats.get_value("khabar/stories/joined") == 1  # type: ignore[union-attr]


def test_an_edit_raises_no_second_alert_but_can_raise_a_first(tmp_path: Path) -> None:
    """The alert pipeline matches new and updated articles; AlertRecorder keeps one alert per article and topic,
    ever: an edit of an alerted story is 'exists', while a story that turns to the topic in an edit alerts once."""
    crawler_ = make_crawler(tmp_path, topics='[topics.kim]\nany = ["किम जोंग उन"]\n')
    pipes, alert = Pipelines(crawler_), AlertPipeline.from_crawler(crawler_)
    alert.open_spider()
    first = alert.process_item(pipes(article()))
    edited = alert.process_item(pipes(article(title="नया शीर्षक: किम जोंग उन और पुतिन")))
    assert (first.disposition, edited.disposition) == ("new", "updated")
    url = URL.replace("b1507312", "b1507319")
    unrelated = ["संसद के शीतकालीन सत्र में आज कई विधेयक पेश किए गए और विपक्ष ने चर्चा की मांग की।"]
    other = alert.process_item(pipes(article(url, title="संसद का सत्र", body=unrelated)))
    turned = alert.process_item(pipes(article(url, title="संसद का सत्र", body=[*unrelated, BODY[0]])))
    assert (other.disposition, turned.disposition) == ("new", "updated")
    pipes.close()
    rows = query(tmp_path / "khabar.db", "SELECT article_id FROM alerts WHERE topic = 'kim' ORDER BY article_id")
    assert rows == [(first.article_id,), (other.article_id,)]
    stats = crawler_.stats.get_stats()  # type: ignore[union-attr]
    assert (stats["khabar/alert_outcomes/created"], stats["khabar/alert_outcomes/exists"]) == (2, 1)


def test_content_hash_is_the_search_form_of_title_and_body() -> None:
    plain = article()
    variant = article(title=plain.title.replace(" ", "  "), body=[p.replace(" ", "\u00a0") for p in BODY])
    assert content_hash(plain) == content_hash(variant)
    assert content_hash(plain) != content_hash(article(title="दूसरी खबर"))


def test_dedup_decides_under_the_write_lock(pipes: Pipelines, tmp_path: Path) -> None:
    """While a decision is pending, another connection cannot write (so it cannot store the same URL)."""
    item = pipes.dedup.process_item(article())
    other = sqlite3.connect(tmp_path / "khabar.db", timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    pipes.store.process_item(item)
    KhabarAddon.of(pipes.crawler).store.commit()
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_json_fields_are_stored_as_json(pipes: Pipelines) -> None:
    item = article()
    item.tags = ["किम जोंग उन", "रूस"]
    pipes(item)
    assert json.loads(KhabarAddon.of(pipes.crawler).store.get(1)["tags"]) == ["किम जोंग उन", "रूस"]


def other_story(number: int) -> Article:
    return article(URL.replace("b1507312", f"b150731{number}"), title=f"दूसरी खबर {number}",
                   body=[f"{line} ({number})" for line in BODY])


def test_a_write_lock_held_too_long_drops_the_item_with_a_reason_and_keeps_what_is_stored(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds the write lock (here: a second connection in BEGIN IMMEDIATE). The crawl says in
    the log that it is waiting; past KHABAR_LOCK_WAIT_SECONDS it drops this one item, counted, without a
    traceback, and what was stored before stays."""
    import crawler.store.articles

    monkeypatch.setattr(crawler.store.articles, "LOCK_ATTEMPT_SECONDS", 0.1)
    crawler_ = make_crawler(tmp_path, KHABAR_LOCK_WAIT_SECONDS=0.5)
    pipes = Pipelines(crawler_)
    pipes(article())
    KhabarAddon.of(crawler_).store.commit()
    other = sqlite3.connect(tmp_path / "khabar.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    caplog.set_level("WARNING")
    from scrapy.exceptions import DropItem

    with pytest.raises(DropItem, match="database_locked"):
        pipes(other_story(3))
    assert crawler_.stats.get_value("khabar/dropped/database_locked") == 1  # type: ignore[union-attr]
    assert "waiting for the write lock" in caplog.text and "locked by another process" in caplog.text
    other.execute("ROLLBACK")
    # The lock is free again: the next item is stored, and the first one never went anywhere.
    assert pipes(other_story(4)).disposition == "new"
    pipes.close()
    assert query(tmp_path / "khabar.db", "SELECT count(*) FROM articles") == [(2,)]
    other.close()


def test_a_crawl_waits_for_a_short_write_lock_and_then_stores(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import crawler.store.articles

    monkeypatch.setattr(crawler.store.articles, "LOCK_ATTEMPT_SECONDS", 0.1)
    pipes = Pipelines(make_crawler(tmp_path))
    pipes(article())
    KhabarAddon.of(pipes.crawler).store.commit()
    other = sqlite3.connect(tmp_path / "khabar.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: other.execute("ROLLBACK")).start()
    caplog.set_level("WARNING")
    assert pipes(other_story(5)).disposition == "new"
    assert "waiting for the write lock" in caplog.text
    pipes.close()
    other.close()

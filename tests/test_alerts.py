"""Alert storage and delivery planning with a fake clock: one alert per (article, topic), ever;
instant and digest delivery; quiet hours; once per story; dry runs and backfills.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawler.alerts.delivery import deliver_due
from crawler.alerts.matcher import TopicMatcher
from crawler.alerts.recording import AlertRecorder, backfill, list_alerts, plan_delivery, quiet_until, try_topic
from crawler.alerts.rules import Topic
from crawler.config import Config, load_config
from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.text.dates import IST

WAR = "रूस ने यूक्रेन पर मिसाइलें दागीं"  # a name next to conflict vocabulary, in the title
WAR_2 = "यूक्रेन की सेना ने खारकीव में मोर्चा संभाला"
PASSING = ("पुतिन ने शपथ ली।", "समारोह में कई नेता आए।", "उन्होंने यूक्रेन में जारी सैन्य अभियान की तारीफ की।")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=IST)


def write_config(folder: Path, topic_keys: str, extra: str = "") -> Config:
    path = folder / "khabar.toml"
    path.write_text(
        '[storage]\ndb = "k.db"\n[notify.file]\nfile = "alerts.jsonl"\n' + extra
        + '[topics.war]\nlabel = "युद्ध"\nany = ["रूस-यूक्रेन"]\n'
        'terms = ["रूस", "यूक्रेन", "पुतिन", "खारकीव"]\ncontext = ["मिसाइल", "सेना", "सैन्य", "मोर्चा"]\nnear = 8\n'
        + topic_keys, encoding="utf-8")
    return load_config(str(path))


def stored(store: ArticleStore, title: str, body: tuple[str, ...] = ("कोई खबर।",), n: int = 1) -> Article:
    url = f"https://example.in/world/story-b{n}/"
    item = Article(url=url, canonical_url=url, site="example", fetched_at="2024-05-07T00:00:00Z", title=title,
                   body=list(body), published_at="2024-05-07T17:42:00+05:30", content_hash=f"h{n}")
    item.article_id = store.insert(item, "2024-05-07T12:12:00Z")
    store.commit()
    return item


def record_matches(store: ArticleStore, config: Config, item: Article, now: datetime) -> list[str]:
    recorder = AlertRecorder(store.db, config)
    return [recorder.record(item.article_id, config.topics[m.topic], m, now)  # type: ignore[arg-type]
            for m in TopicMatcher(config.topics).match_article(item)]


def deliveries(store: ArticleStore) -> list[dict]:
    cursor = store.db.execute("SELECT target, status, attempts, next_attempt_at FROM deliveries ORDER BY id")
    return [dict(zip(("target", "status", "attempts", "next_attempt_at"), r, strict=True)) for r in cursor]


def lines(config: Config) -> list[dict]:
    path = Path(config.notify["file"].file)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def store(tmp_path: Path) -> ArticleStore:
    opened = ArticleStore(connect(tmp_path / "k.db"))
    yield opened
    opened.close()


# --- planning ----------------------------------------------------------------------


def test_quiet_hours_across_midnight() -> None:
    assert quiet_until("22:00-07:00", ist(7, 23, 30)) == ist(8, 7)
    assert quiet_until("22:00-07:00", ist(8, 3, 0)) == ist(8, 7)
    assert quiet_until("22:00-07:00", ist(8, 7, 0)) is None  # the window has ended
    assert quiet_until("22:00-07:00", ist(7, 21, 59)) is None


def test_quiet_hours_within_a_day() -> None:
    assert quiet_until("13:00-14:30", ist(7, 13, 45)) == ist(7, 14, 30)
    assert quiet_until("13:00-14:30", ist(7, 12, 0)) is None


def test_plan_instant_digest_and_auto() -> None:
    topic = Topic(id="t", label="t", delivery="auto", instant_score=4, digest="0 9,18 * * *",
                  quiet_hours="22:00-07:00")
    strong = plan_delivery(topic, 6, ist(7, 10))
    assert (strong.delivery, strong.due, strong.held) == ("instant", ist(7, 10), False)
    weak = plan_delivery(topic, 2, ist(7, 10))
    assert (weak.delivery, weak.due, weak.held) == ("digest", ist(7, 18), True)
    night = plan_delivery(topic, 6, ist(7, 23))
    assert (night.delivery, night.due, night.held) == ("instant", ist(8, 7), True)
    # the 09:00 digest is outside quiet hours; an 06:00 digest would be moved to 07:00
    early = Topic(id="e", label="e", delivery="digest", digest="0 6 * * *", quiet_hours="22:00-07:00")
    assert plan_delivery(early, 9, ist(7, 23)).due == ist(8, 7)


# --- storage -------------------------------------------------------------------------


def test_one_alert_per_article_and_topic_ever(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    item = stored(store, WAR)
    assert record_matches(store, config, item, ist(7, 10)) == ["created"]
    assert record_matches(store, config, item, ist(7, 11)) == ["exists"]
    assert store.db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
    assert [d["target"] for d in deliveries(store)] == ["file"]  # one outbox row per target


def test_alert_records_why(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    record_matches(store, config, stored(store, WAR), ist(7, 10))
    matched = json.loads(store.db.execute("SELECT matched FROM alerts").fetchone()[0])
    assert matched["terms"] == ["रूस", "यूक्रेन", "मिसाइल"] and matched["fields"] == ["title"]
    assert matched["score"] == 9  # three terms in the title, weight 3 each


def test_once_per_story(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "once_per_story = true\n")
    first, second = stored(store, WAR, n=1), stored(store, WAR + " (अपडेट)", n=2)
    other = stored(store, WAR_2, n=3)
    store.db.execute("UPDATE articles SET story_id = 7 WHERE id IN (?, ?)", [first.article_id, second.article_id])
    assert record_matches(store, config, first, ist(7, 10)) == ["created"]
    assert record_matches(store, config, second, ist(7, 10)) == ["same_story"]
    assert record_matches(store, config, other, ist(7, 10)) == ["created"]  # a story of its own


def test_quiet_hours_hold_then_send(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, 'quiet_hours = "22:00-07:00"\n')
    record_matches(store, config, stored(store, WAR), ist(7, 23, 15))
    assert list_alerts(store.db, now=ist(7, 23, 15))[0]["state"] == "held until 2024-05-08 07:00 IST"
    assert deliver_due(store.db, config, now=ist(8, 6, 59)).sent == 0
    assert lines(config) == []
    assert deliver_due(store.db, config, now=ist(8, 7, 0)).sent == 1
    assert [r["title"] for r in lines(config)] == [WAR]
    assert deliver_due(store.db, config, now=ist(8, 9, 0)).sent == 0  # and only once
    assert list_alerts(store.db, now=ist(8, 9))[0]["state"] == "sent"


def test_digest_collects_alerts_until_its_time(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, 'delivery = "auto"\ninstant_score = 4\ndigest = "0 18 * * *"\n')
    strong = stored(store, WAR, n=1)
    weak = [stored(store, "शपथ समारोह", PASSING, n=2), stored(store, "नई सरकार", PASSING, n=3)]
    assert record_matches(store, config, strong, ist(7, 10)) == ["created"]
    for item in weak:
        assert record_matches(store, config, item, ist(7, 11)) == ["created"]
    modes = dict(store.db.execute("SELECT article_id, delivery FROM alerts").fetchall())
    assert modes == {strong.article_id: "instant", weak[0].article_id: "digest", weak[1].article_id: "digest"}
    assert deliver_due(store.db, config, now=ist(7, 12)).sent == 1  # only the instant one
    report = deliver_due(store.db, config, now=ist(7, 18, 1))
    assert (report.sent, report.messages) == (2, 1)  # two alerts, one digest message
    assert sorted(r["title"] for r in lines(config)) == sorted([WAR, "शपथ समारोह", "नई सरकार"])


def test_no_target_means_silent(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    config.notify = {}
    record_matches(store, config, stored(store, WAR), ist(7, 10))
    assert store.db.execute("SELECT status FROM alerts").fetchone()[0] == "silent"
    assert deliveries(store) == []


def test_pending_alert_from_before_the_outbox_is_delivered(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    item = stored(store, WAR)
    store.db.execute("INSERT INTO alerts (article_id, topic, matched, score, created_at, delivery, status) "
                     "VALUES (?, 'war', '{\"terms\": [\"रूस\"]}', 3, '2024-05-07T04:00:00Z', 'instant', 'pending')",
                     [item.article_id])
    assert deliver_due(store.db, config, now=ist(7, 10)).sent == 1
    assert [r["matched_terms"] for r in lines(config)] == [["रूस"]]


# --- dry runs and backfills ------------------------------------------------------------


def test_try_topic_explains_without_writing(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    war, _ = stored(store, WAR, n=1), stored(store, "रूस के साथ व्यापार बढ़ा", n=2)
    rows = try_topic(store.db, config, "war", now=ist(7, 10))
    assert [(r["article_id"], r["terms"], r["fields"]) for r in rows] == [
        (war.article_id, ["रूस", "यूक्रेन", "मिसाइल"], ["title"])]
    assert store.db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
    with pytest.raises(KeyError, match="no topic named 'nope'"):
        try_topic(store.db, config, "nope")


def test_backfill_is_silent_unless_asked(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    for n, title in enumerate([WAR, WAR_2, "क्रिकेट: भारत जीता"], 1):
        stored(store, title, n=n)
    counts = backfill(store.db, config, "war", now=ist(7, 10))
    assert (counts["articles"], counts["created"]) == (3, 2)
    assert {s for (s,) in store.db.execute("SELECT status FROM alerts")} == {"silent"}
    assert deliver_due(store.db, config, now=ist(7, 10)).sent == 0
    again = backfill(store.db, config, "war", notify=True, now=ist(7, 11))
    assert (again["created"], again["exists"]) == (0, 2)  # existing alerts are never raised twice


def test_backfill_commits_as_it_goes(tmp_path: Path, store: ArticleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crawl writing the same file must not wait for a whole backfill: the alerts of each batch are committed
    (visible to another connection) before the next batch is matched."""
    import sqlite3

    import crawler.alerts.recording

    monkeypatch.setattr(crawler.alerts.recording, "BACKFILL_BATCH", 2)
    config = write_config(tmp_path, "")
    for n in range(1, 6):
        stored(store, WAR, n=n)
    visible: list[int] = []
    original = AlertRecorder.record

    def record(self: AlertRecorder, *args: object, **kwargs: object) -> str:
        other = sqlite3.connect(tmp_path / "k.db")
        visible.append(other.execute("SELECT count(*) FROM alerts").fetchone()[0])
        other.close()
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AlertRecorder, "record", record)
    counts = backfill(store.db, config, "war", now=ist(7, 10))
    assert counts["articles"] == 5 and counts["created"] + counts["same_story"] == 5
    assert visible == [0, 0, 2, 2, 4]


def test_backfill_with_notify_sends(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "")
    stored(store, WAR, n=1)
    backfill(store.db, config, "war", notify=True, now=ist(7, 10))
    assert deliver_due(store.db, config, now=ist(7, 10)).sent == 1
    assert [r["title"] for r in lines(config)] == [WAR]


def test_backoff_waits_before_retrying(tmp_path: Path, store: ArticleStore) -> None:
    config = write_config(tmp_path, "", extra='[notify.hook]\nurl_env = "KHABAR_TEST_UNSET_HOOK"\n')
    record_matches(store, config, stored(store, WAR), ist(7, 10))
    first = deliver_due(store.db, config, now=ist(7, 10))  # [delivery] retry: 60 s by default
    assert (first.sent, first.failed) == (1, 1)  # the file took it, the webhook has no URL
    assert "KHABAR_TEST_UNSET_HOOK is not set" in first.errors[0]
    hook = next(d for d in deliveries(store) if d["target"] == "hook")
    assert (hook["status"], hook["attempts"], hook["next_attempt_at"]) == ("pending", 1, "2024-05-07T04:31:00Z")
    assert deliver_due(store.db, config, now=ist(7, 10, 0) + timedelta(seconds=59)).failed == 0  # still waiting
    second = deliver_due(store.db, config, now=ist(7, 10, 1))
    assert second.failed == 1
    hook = next(d for d in deliveries(store) if d["target"] == "hook")
    assert (hook["attempts"], hook["next_attempt_at"]) == (2, "2024-05-07T04:33:00Z")  # 2 minutes: doubled
    assert len(lines(config)) == 1  # the file target is never repeated


def test_a_file_from_before_the_outbox_upgrades_and_keeps_its_pending_alert(tmp_path: Path) -> None:
    config = write_config(tmp_path, "")
    path = tmp_path / "old.db"
    old = ArticleStore(connect(path))
    item = stored(old, WAR)
    # Make it the file an earlier Khabar wrote: no outbox, no held_until, 0003 never applied.
    old.db.execute("DROP TABLE deliveries")
    old.db["alerts"].transform(drop={"held_until"})
    old.db.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0003_outbox', '0009_reliability')")  # nor later
    old.db.execute("INSERT INTO alerts (article_id, topic, matched, score, created_at, delivery, status) "
                   "VALUES (?, 'war', '{\"terms\": [\"रूस\"]}', 3, '2024-05-07T04:00:00Z', 'instant', 'pending')",
                   [item.article_id])
    assert list_alerts(old.db, now=ist(7, 10))[0]["state"] == "pending"  # readable before the upgrade
    old.close()
    upgraded = connect(path)
    assert "held_until" in upgraded["alerts"].columns_dict and "deliveries" in upgraded.table_names()
    assert deliver_due(upgraded, config, now=ist(7, 10)).sent == 1
    assert [r["title"] for r in lines(config)] == [WAR]


@pytest.mark.parametrize("command", [["test", "nope"], ["backfill", "nope"]])
def test_unknown_topic_is_one_sentence(tmp_path: Path, command: list[str]) -> None:
    from click.testing import CliRunner

    from crawler.app.cli import cli

    write_config(tmp_path, "")
    connect(tmp_path / "k.db").close()
    result = CliRunner().invoke(cli, ["alerts", *command, "--config", str(tmp_path / "khabar.toml")])
    assert result.exit_code == 1
    assert "no topic named 'nope'" in result.output and "(topics: war)" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

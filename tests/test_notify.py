"""Delivery to real receivers on 127.0.0.1: a JSON webhook (http.server) and an SMTP server (aiosmtpd).

The receiver being down means the alert waits in the outbox and arrives exactly once when it is back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawler.alerts.delivery import deliver_due
from crawler.alerts.matcher import TopicMatcher
from crawler.alerts.recording import AlertRecorder
from crawler.config import Config, load_config
from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.text.dates import IST
from tests.alert_receivers import Mailbox, Webhook, free_port

# Apprise imports the stdlib imghdr module, deprecated since Python 3.11; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

TITLE = "रुस ने युक्रेन के खार्किव पर दागीं मिसाइलें"
URL = "https://example.in/international/kharkiv-missiles-b1529075/"
NOW = datetime(2024, 3, 22, 12, 0, tzinfo=IST)


def config_for(folder: Path, targets: str) -> Config:
    path = folder / "khabar.toml"
    path.write_text(targets + '[topics.war]\nlabel = "रूस-यूक्रेन युद्ध"\nterms = ["रूस", "यूक्रेन", "खारकीव"]\n'
                    'context = ["मिसाइल"]\nnear = 8\n', encoding="utf-8")
    return load_config(str(path))


@pytest.fixture
def store(tmp_path: Path) -> ArticleStore:
    opened = ArticleStore(connect(tmp_path / "k.db"))
    yield opened
    opened.close()


def raise_alert(store: ArticleStore, config: Config, title: str = TITLE, url: str = URL) -> None:
    item = Article(url=url, canonical_url=url, site="lokmat", fetched_at="2024-03-22T06:00:00Z", title=title,
                   body=["खार्किव पर हमला।"], published_at="2024-03-22T05:50:00Z", content_hash=url)
    item.article_id = store.insert(item, "2024-03-22T06:00:00Z")
    store.commit()
    recorder = AlertRecorder(store.db, config)
    for match in TopicMatcher(config.topics).match_article(item):
        recorder.record(item.article_id, config.topics[match.topic], match, NOW)


def test_webhook_message_shows_title_site_ist_terms_and_link(tmp_path: Path, store: ArticleStore,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with Webhook() as hook:
        monkeypatch.setenv("KHABAR_TEST_HOOK", hook.url)
        config = config_for(tmp_path, '[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n')
        raise_alert(store, config)
        report = deliver_due(store.db, config, now=NOW)
    assert (report.sent, report.failed) == (1, 0)
    assert len(hook.posts) == 1 and hook.posts[0]["path"] == "/hook"
    message = hook.posts[0]["json"]
    assert message["title"] == f"[रूस-यूक्रेन युद्ध] {TITLE}"
    body = message["message"]
    assert TITLE in body and "lokmat" in body and URL in body
    assert "2024-03-22 11:20 IST (+05:30)" in body  # 05:50 UTC is 11:20 in India
    assert "matched: रूस, यूक्रेन, खारकीव, मिसाइल" in body  # खार्किव is a spelling of खारकीव


def test_email_through_a_real_smtp_server(tmp_path: Path, store: ArticleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    with Mailbox() as mailbox:
        monkeypatch.setenv("KHABAR_TEST_MAIL", mailbox.url)
        config = config_for(tmp_path, '[notify.mail]\nurl_env = "KHABAR_TEST_MAIL"\n')
        raise_alert(store, config)
        assert deliver_due(store.db, config, now=NOW).sent == 1
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail["To"] == "desk@example.org"
    assert mail["Subject"] == f"[रूस-यूक्रेन युद्ध] {TITLE}"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert TITLE in text and URL in text and "11:20 IST (+05:30)" in text


def test_receiver_down_then_back_gets_it_exactly_once(tmp_path: Path, store: ArticleStore,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    hook = Webhook(port=free_port())  # nothing listens there yet
    monkeypatch.setenv("KHABAR_TEST_HOOK", hook.url)
    config = config_for(tmp_path, '[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n')
    raise_alert(store, config)
    down = deliver_due(store.db, config, now=NOW)
    assert (down.sent, down.failed, down.waiting) == (0, 1, 1)
    row = store.db.execute("SELECT status, attempts, last_error FROM deliveries").fetchone()
    assert row[0] == "pending" and row[1] == 1 and "refused the message" in row[2]
    with hook:
        back = deliver_due(store.db, config, now=NOW + timedelta(minutes=5))
        again = deliver_due(store.db, config, now=NOW + timedelta(hours=1), retry_now=True)
    assert (back.sent, back.waiting) == (1, 0)
    assert again.sent == 0
    assert hook.titles() == [f"[रूस-यूक्रेन युद्ध] {TITLE}"]
    assert store.db.execute("SELECT status FROM alerts").fetchone()[0] == "sent"


def test_server_error_is_retried_and_other_targets_are_not_repeated(tmp_path: Path, store: ArticleStore,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with Webhook(status=500) as hook:
        monkeypatch.setenv("KHABAR_TEST_HOOK", hook.url)
        config = config_for(tmp_path, '[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n'
                                      '[notify.file]\nfile = "alerts.jsonl"\n')
        raise_alert(store, config)
        first = deliver_due(store.db, config, now=NOW)
        assert (first.sent, first.failed) == (1, 1)  # the file took it; the webhook answered 500
        hook.status = 200
        second = deliver_due(store.db, config, now=NOW, retry_now=True)
    assert (second.sent, second.failed) == (1, 0)
    assert len(hook.posts) == 1
    assert len((tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_digest_is_one_message_listing_every_alert(tmp_path: Path, store: ArticleStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with Webhook() as hook:
        monkeypatch.setenv("KHABAR_TEST_HOOK", hook.url)
        config = config_for(tmp_path, '[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n')
        config.topics["war"].delivery, config.topics["war"].digest = "digest", "30 18 * * *"
        titles = [TITLE, "रूस की मिसाइलें यूक्रेन के ऊर्जा ढांचे पर"]
        for n, title in enumerate(titles):
            raise_alert(store, config, title, URL.replace("b1529075", f"b{n}"))
        assert deliver_due(store.db, config, now=NOW).sent == 0
        report = deliver_due(store.db, config, now=datetime(2024, 3, 22, 18, 30, tzinfo=IST))
    assert (report.sent, report.messages) == (2, 1)
    assert hook.titles() == ["[रूस-यूक्रेन युद्ध] digest: 2 articles"]
    body = hook.posts[0]["json"]["message"]
    assert all(title in body for title in titles) and body.startswith("1. ")


def test_two_runs_at_once_send_once(tmp_path: Path, store: ArticleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery another run holds (its lease) is left alone."""
    with Webhook() as hook:
        monkeypatch.setenv("KHABAR_TEST_HOOK", hook.url)
        config = config_for(tmp_path, '[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n')
        raise_alert(store, config)
        store.db.execute("UPDATE deliveries SET lease_until = '2024-03-22T06:40:00Z'")  # another run, 10 min
        assert deliver_due(store.db, config, now=NOW).sent == 0
        assert deliver_due(store.db, config, now=NOW + timedelta(minutes=11)).sent == 1  # the lease lapsed
    assert len(hook.posts) == 1


def test_removed_target_keeps_the_delivery_waiting(tmp_path: Path, store: ArticleStore) -> None:
    config = config_for(tmp_path, '[notify.file]\nfile = "alerts.jsonl"\n')
    raise_alert(store, config)
    del config.notify["file"]
    report = deliver_due(store.db, config, now=NOW)
    assert (report.failed, report.waiting) == (1, 1)
    assert "no notify target named 'file'" in report.errors[0]

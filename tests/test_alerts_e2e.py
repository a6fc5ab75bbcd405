"""End to end: a real `scrapy crawl lokmat` of the sample site raises alerts and delivers them to a
real webhook on 127.0.0.1 that is down during the crawl; `khabar alerts deliver` sends each exactly
once when it is back (a second run sends nothing); `khabar alerts test` and `backfill` work on the
stored articles. (A second crawl adding no alerts is tests/test_crawl_e2e.py's.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from tests.alert_receivers import Webhook, free_port
from tests.conftest import REPO, khabar_env, rows, run_khabar, run_scrapy
from tests.sitefacts import article_files, has_body, headline, seed_spec

pytestmark = pytest.mark.e2e

HOOK_TARGET = '\n[notify.hook]\nurl_env = "KHABAR_TEST_HOOK"\n'


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> dict:
    work = tmp_path_factory.mktemp("alerts-e2e")
    (work / "khabar.toml").write_text((REPO / "khabar.toml").read_text(encoding="utf-8") + HOOK_TARGET,
                                      encoding="utf-8")
    hook = Webhook(port=free_port())  # the receiver is down during the crawl
    env = khabar_env(work, KHABAR_TEST_HOOK=hook.url)
    crawl = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    db = work / "khabar.db"
    state = {"work": work, "db": db, "env": env, "hook": hook, "sample_site": sample_site,
             "after_crawl": [dict(r) for r in rows(db, "SELECT * FROM deliveries ORDER BY id")],
             "listing": json.loads(run_khabar(work, "alerts", "--json", env=env).stdout)}
    with hook:
        state["deliver"] = run_khabar(work, "alerts", "deliver", "--retry-now", "--json", env=env)
        state["deliver_again"] = run_khabar(work, "alerts", "deliver", "--retry-now", "--json", env=env)
        state["posts_after_deliveries"] = list(hook.posts)
        yield state


def alerted_titles(db: Path, delivery: str | None = None) -> list[str]:
    where = "WHERE a.delivery = ?" if delivery else ""
    return [r["title"] for r in rows(db, f"SELECT r.title FROM alerts a JOIN articles r ON r.id = a.article_id "
                                          f"{where}", (delivery,) if delivery else ())]


def test_war_stories_alert_and_false_friends_do_not(crawled: dict) -> None:
    titles = alerted_titles(crawled["db"])
    assert seed_spec()["title"] in titles
    for false_friend in ("कीवी", "यूके", "रास"):
        pages = [headline(p) for p in article_files() if has_body(p) and false_friend in headline(p).split()]
        assert pages, false_friend  # the sample site has such a story ...
        assert not set(pages) & set(titles), false_friend  # ... and it raised no alert


def test_during_the_crawl_the_hook_was_down_and_the_file_got_them(crawled: dict) -> None:
    after = crawled["after_crawl"]
    hook_rows = [d for d in after if d["target"] == "hook"]
    instant = len(alerted_titles(crawled["db"], "instant"))
    assert instant >= 1
    failed = [d for d in hook_rows if d["attempts"] == 1 and d["status"] == "pending" and d["last_error"]]
    assert len(failed) == instant  # every instant alert was tried once and kept
    lines = (crawled["work"] / "data" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["title"] for line in lines) == sorted(alerted_titles(crawled["db"], "instant"))
    states = {row["title"]: row["state"] for row in crawled["listing"]}
    assert states[seed_spec()["title"]].startswith("retry ")


def test_back_up_receiver_gets_each_instant_alert_exactly_once(crawled: dict) -> None:
    assert crawled["deliver"].returncode == 0, crawled["deliver"].stderr
    report = json.loads(crawled["deliver"].stdout)
    expected = sorted(alerted_titles(crawled["db"], "instant"))
    assert report["sent"] == len(expected) and report["failed"] == 0
    posted = sorted(post["json"]["title"].split("] ", 1)[1] for post in crawled["posts_after_deliveries"])
    assert posted == expected
    assert json.loads(crawled["deliver_again"].stdout)["sent"] == 0


def test_digest_alerts_wait_for_their_time(crawled: dict) -> None:
    digests = rows(crawled["db"], "SELECT created_at, held_until FROM alerts WHERE delivery = 'digest'")
    for row in digests:
        assert row["held_until"] > row["created_at"]
    pending = rows(crawled["db"], "SELECT count(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                                   "WHERE a.delivery = 'digest' AND d.status = 'pending'")[0][0]
    assert pending == 2 * len(digests)  # file and hook, both still waiting


def test_alerts_test_explains_without_notifying(crawled: dict) -> None:
    result = run_khabar(crawled["work"], "alerts", "test", "russia-ukraine", "--json", env=crawled["env"])
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    seed = next(r for r in rows if r["title"] == seed_spec()["title"])
    assert "title" in seed["fields"] and {"पुतिन", "यूक्रेन"} <= set(seed["terms"]) and seed["already_alerted"]
    assert sorted(r["title"] for r in rows) == sorted(alerted_titles_for(crawled["db"], "russia-ukraine"))


def test_alerts_test_misses_lists_every_mention_that_raised_no_alert(crawled: dict) -> None:
    """--misses: each stored article that names a side of the war and raised no alert, with the part of the rule that
    failed; the war stories are listed as matches, and stories that name neither side are not listed at all."""
    result = run_khabar(crawled["work"], "alerts", "test", "russia-ukraine", "--misses", "--json", env=crawled["env"])
    assert result.returncode == 0, result.stderr
    listed = {r["title"]: r for r in json.loads(result.stdout)}
    assert sorted(t for t, r in listed.items() if r["would_alert"]) == sorted(
        alerted_titles_for(crawled["db"], "russia-ukraine"))
    misses = {t: r["reason"] for t, r in listed.items() if not r["would_alert"]}
    stored = rows(crawled["db"], "SELECT title, summary, body FROM articles")
    naming_russia = [r["title"] for r in stored if "रूस" in r["title"].split() + r["title"].split("-")
                     and "यूक्रेन" not in r["title"] + (r["summary"] or "") + r["body"]]
    assert naming_russia and all(title in misses for title in naming_russia)
    # A story that names Russia with no war word (or drone, or word only a war uses) near it, or with one but no
    # Ukraine-side name anywhere:
    assert all(misses[t].startswith(("@russia, but no @war within 12 words",
                                     "@russia, but no @drone or @waronly within 12 words",
                                     "@russia near @war, but no @ukraine")) for t in naming_russia), \
        {t: misses[t] for t in naming_russia}
    # The oath story names Ukraine's war only deep in its body: a passing mention.
    oath = next(t for t in misses if "Oath" in t)
    assert misses[oath].startswith("passing mention:")
    # Stories that name no side (the cricket match against the कीवी team, the रास लीला) are not misses.
    assert not any("कीवी" in t.split() or "रास" in t for t in listed)
    table = run_khabar(crawled["work"], "alerts", "test", "russia-ukraine", "--misses", env=crawled["env"])
    assert table.returncode == 0 and "passing mention" in table.stdout


def test_backfill_a_new_topic(crawled: dict) -> None:
    work, env = crawled["work"], crawled["env"]
    config = work / "khabar.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[topics.kiwi]\nlabel = "Kiwi"\nany = ["=कीवी"]\nnotify = ["hook"]\n', encoding="utf-8")
    silent = run_khabar(work, "alerts", "backfill", "kiwi", env=env)
    assert silent.returncode == 0, silent.stderr
    kiwi = alerted_titles_for(crawled["db"], "kiwi")
    pages = [p for p in article_files() if has_body(p)]
    assert next(headline(p) for p in pages if "कीवी" in headline(p)) in kiwi
    assert all(any(title == headline(p) and "कीवी" in p.read_text(encoding="utf-8") for p in pages) for title in kiwi)
    assert {r["status"] for r in rows(crawled["db"], "SELECT status FROM alerts WHERE topic = 'kiwi'")} == {"silent"}
    hook = crawled["hook"]
    before = len(hook.posts)
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[topics.uk]\nlabel = "UK"\nany = ["यूके"]\nnotify = ["hook"]\n', encoding="utf-8")
    loud = run_khabar(work, "alerts", "backfill", "uk", "--notify", env=env)
    assert loud.returncode == 0, loud.stderr
    uk = [headline(p) for p in pages if "यूके" in headline(p).split()]
    assert uk and [t.split("] ", 1)[1] for t in hook.titles()[before:]] == uk


def alerted_titles_for(db: Path, topic: str) -> list[str]:
    return [r["title"] for r in rows(db, "SELECT r.title FROM alerts a JOIN articles r ON r.id = a.article_id "
                                          "WHERE a.topic = ?", (topic,))]

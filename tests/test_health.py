"""Crawl health: coverage, the median check, error rates, and a real redesign that loses every date."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.alerts.health import assess, error_count, history, worth_sending
from crawler.app.sample_server import SampleSite
from crawler.config import HealthRules, load_config
from tests.conftest import query, rows, run_khabar, run_scrapy

RULES = HealthRules()


def stats_for(site: str, articles: int, **filled: int) -> dict:
    stats = {"response_received_count": articles + 5, f"khabar/health/{site}/articles": articles}
    for name in ("title", "date", "body", "author"):
        stats[f"khabar/health/{site}/{name}"] = filled.get(name, articles)
    return stats


def test_a_good_run_is_ok_with_full_coverage() -> None:
    report = assess(stats_for("lokmat", 20, author=15), "lokmat", "finished", {}, RULES)
    assert report["status"] == "ok" and report["problems"] == []
    assert report["sites"]["lokmat"]["coverage"] == {"title": 1.0, "date": 1.0, "body": 1.0, "author": 0.75}


def test_no_articles_is_an_alert() -> None:
    report = assess({"response_received_count": 3}, "lokmat", "finished", {}, RULES)
    assert report["status"] == "alert"
    assert report["problems"] == ["lokmat: no articles"]


def test_known_articles_skipped_or_not_modified_count_as_output() -> None:
    skipped = {"response_received_count": 3, "khabar/skipped/known": 12}
    assert assess(skipped, "lokmat", "finished", {}, RULES)["status"] == "ok"
    not_modified = {"response_received_count": 30, "khabar/articles/unchanged": 24}
    assert assess(not_modified, "lokmat", "finished", {}, RULES)["sites"]["lokmat"]["found"] == 24


def test_date_coverage_under_80_percent_is_an_alert() -> None:
    # 10 articles, 7 with a date: 70 % < 80 %.
    report = assess(stats_for("lokmat", 10, date=7), "lokmat", "finished", {}, RULES)
    assert report["status"] == "alert"
    assert report["problems"] == ["lokmat: dates on 70% of 10 articles (needs 80%)"]
    # 8 of 10 is exactly the threshold: fine.
    assert assess(stats_for("lokmat", 10, date=8), "lokmat", "finished", {}, RULES)["status"] == "ok"


def test_too_few_articles_are_not_judged_for_coverage() -> None:
    report = assess(stats_for("lokmat", RULES.min_articles - 1, date=0), "lokmat", "finished", {}, RULES)
    assert report["status"] == "ok"


def test_count_far_under_the_median_is_an_alert() -> None:
    past = {"lokmat": [40, 42, 38, 41, 39]}  # median 40; 30 % of it is 12
    low = assess(stats_for("lokmat", 11), "lokmat", "finished", past, RULES)
    assert low["status"] == "alert"
    assert low["problems"] == ["lokmat: 11 articles, far under its median of 40"]
    assert low["sites"]["lokmat"]["median"] == 40
    assert assess(stats_for("lokmat", 12), "lokmat", "finished", past, RULES)["status"] == "ok"
    # Too little history: no median yet.
    assert assess(stats_for("lokmat", 1), "lokmat", "finished", {"lokmat": [40, 40]}, RULES)["status"] == "ok"


def test_pages_dropped_as_unreadable_and_error_rates() -> None:
    stats = stats_for("lokmat", 4) | {"khabar/health/lokmat/failed": 6}
    assert assess(stats, "lokmat", "finished", {}, RULES)["problems"] == [
        "lokmat: 6 of 10 article pages dropped as unreadable"]
    errors = stats_for("lokmat", 20) | {"response_received_count": 10, "downloader/response_status_count/503": 6,
                                        "downloader/response_status_count/200": 4}
    report = assess(errors, "lokmat", "finished", {}, RULES)
    assert report["error_rate"] == 0.6
    assert report["problems"] == ["6 errors in 10 pages fetched (60%)"]


def test_an_alert_is_sent_when_problems_appear_or_change_not_when_they_repeat() -> None:
    no_dates = assess(stats_for("lokmat", 10, date=0), "lokmat", "finished", {}, RULES)
    assert no_dates["codes"] == ["lokmat/no_dates"]
    assert worth_sending(no_dates, None) and worth_sending(no_dates, [])
    assert not worth_sending(no_dates, ["lokmat/no_dates"])
    assert worth_sending(no_dates, ["lokmat/no_articles"])
    healthy = assess(stats_for("lokmat", 10), "lokmat", "finished", {}, RULES)
    assert not worth_sending(healthy, ["lokmat/no_dates"])


def test_skipped_requests_are_decisions_not_errors() -> None:
    stats = {"downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 23,
             "downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 2,
             "downloader/response_status_count/404": 1, "downloader/response_status_count/200": 9}
    assert error_count(stats) == 3


def test_stopped_runs_are_described_not_judged() -> None:
    report = assess({"response_received_count": 2}, "lokmat", "shutdown", {}, RULES)
    assert report["status"] == "not judged" and report["problems"] == []


def test_health_rules_come_from_the_config(workdir: Path) -> None:
    config = workdir / "khabar.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "\n[health]\nmin_date_coverage = 0.9\nmedian_runs = 5\nnotify = [\"file\"]\n",
                      encoding="utf-8")
    rules = load_config(str(config)).health
    assert (rules.min_date_coverage, rules.median_runs, rules.notify) == (0.9, 5, ["file"])
    config.write_text('[health]\nmin_date_coverage = 80\n', encoding="utf-8")
    result = run_khabar(workdir, "runs")
    assert result.returncode != 0 and "health.min_date_coverage" in result.stderr
    assert "Traceback" not in result.stderr


def test_history_reads_found_counts_of_judged_runs(tmp_path: Path) -> None:
    from crawler.store.connection import connect

    db = connect(tmp_path / "h.db")
    for status, found in (("ok", 30), ("not judged", 2), ("alert", 10), ("ok", 28)):
        db["crawl_runs"].insert({"spider": "lokmat", "health_status": status,
                                 "health": json.dumps({"sites": {"lokmat": {"found": found}}})})
    assert history(db, "lokmat", before_run=5, runs=10) == {"lokmat": [28, 10, 30]}
    assert history(db, "lokmat", before_run=4, runs=1) == {"lokmat": [10]}


# --- a real crawl of a copy of the sample site whose template lost its dates -------------------------

def strip_dates(root: Path) -> None:
    """What a redesign that drops dates looks like: no <time>, no JSON-LD or meta dates, no feed dates."""
    patterns = [
        re.compile(r"<time\b[^>]*>.*?</time>", re.S),
        re.compile(r'\s*"date(?:Published|Modified|Created)"\s*:\s*"[^"]*",?'),
        re.compile(r"<meta[^>]+(?:published_time|modified_time|updated_time|date)[^>]*>", re.I),
        re.compile(r"<(news:publication_date|lastmod|pubDate|published|updated)>[^<]*</\1>"),
    ]
    for file in [*root.rglob("*.html"), *root.rglob("*.xml")]:
        text = file.read_text(encoding="utf-8")
        for pattern in patterns:
            text = pattern.sub("", text)
        file.write_text(text, encoding="utf-8")


@pytest.mark.e2e
def test_a_template_without_dates_raises_a_health_alert_and_marks_the_run(site_copy: Path, workdir: Path) -> None:
    strip_dates(site_copy)
    assert "datePublished" not in seed_text(site_copy)
    alerts_file = workdir / "data" / "alerts.jsonl"  # the shipped config's [notify.file] target
    with SampleSite(site_copy) as site:
        result = run_scrapy(workdir, "crawl", "lokmat", "-a", f"base_url={site.url}",
                            "-s", "AUTOTHROTTLE_ENABLED=false")
    assert result.returncode == 0, result.stderr[-3000:]
    run = rows(workdir / "khabar.db", "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    undated = query(workdir / "khabar.db", "SELECT count(*) FROM articles WHERE published_at IS NULL")[0][0]
    assert undated == run["new"] > 0  # the dates really are gone from what was stored
    assert run["health_status"] == "alert"
    health = json.loads(run["health"])
    lokmat = health["sites"]["lokmat"]
    assert lokmat["coverage"]["date"] == 0.0 and lokmat["coverage"]["title"] == 1.0
    # Every article the store took was counted (new, or seen again under another URL such as the AMP copy).
    assert lokmat["articles"] == run["new"] + run["updated"] + run["unchanged"] + run["duplicates"]
    assert run["new"] >= RULES.min_articles
    assert any("dates on 0%" in problem for problem in health["problems"])
    sent = [json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines()]
    health_alerts = [m for m in sent if m.get("kind") == "health"]
    assert len(health_alerts) == 1 and health_alerts[0]["run_id"] == run["id"]
    assert "dates on 0%" in health_alerts[0]["title"]
    # The next run, still without dates (every page parsed again), is marked too but not sent again.
    with SampleSite(site_copy) as site:
        again = run_scrapy(workdir, "crawl", "lokmat", "-a", f"base_url={site.url}", "-a", "skip_known=false",
                           "-s", "AUTOTHROTTLE_ENABLED=false")
    assert again.returncode == 0, again.stderr[-3000:]
    shown = run_khabar(workdir, "runs")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("ALERT: lokmat: dates on 0%") == 2
    sent = [json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines()]
    assert len([m for m in sent if m.get("kind") == "health"]) == 1


def seed_text(root: Path) -> str:
    from tests.sitefacts import seed_page

    return seed_page(root).read_text(encoding="utf-8")

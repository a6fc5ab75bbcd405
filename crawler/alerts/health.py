"""Crawl health, in the spirit of Spidermon: did this run still yield good articles?

Per run and site: the share of articles with a title, a date, a body and an author
(counted by pipelines/health.py), the article count against the site's median over
its recent runs, the error rate and the finish reason. A crawl that "finishes" with
nothing, or with articles whose dates vanished, is the usual sign of a redesign; it
raises a health alert through the configured notify targets and is marked in
``crawl_runs`` (``health_status = 'alert'``, the problems in ``health``).
"""

from __future__ import annotations

import json
import logging
import statistics
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.alerts import delivery
from crawler.alerts.settings import AlertSetup, HealthRules
from crawler.store.runs import dropped_reasons, error_count, losses
from crawler.text import dates

logger = logging.getLogger(__name__)

HEALTH_PREFIX = "khabar/health/"
FIELDS = ("title", "date", "body", "author")
# Stories left out by -a since=: fetched and found older, or listed with an older date and not fetched.
OLDER_THAN_SINCE = ("khabar/skipped/too_old", "khabar/discovery/too_old", "khabar/discovery/listing_too_old")
# Runs cut short on purpose, or refused, are described but not judged.
NOT_JUDGED = {"shutdown", "already_running"}


def site_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """``khabar/health/<site>/<name>`` stats as {site: {name: count}}."""
    sites: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(HEALTH_PREFIX):
            site, _, name = key[len(HEALTH_PREFIX):].rpartition("/")
            if site:
                sites.setdefault(site, {})[name] = int(value)
    return sites


def assess(stats: dict[str, Any], spider: str, reason: str, history: dict[str, list[int]],
           rules: HealthRules) -> dict[str, Any]:
    """The health of one run. ``history`` maps a site to its article counts in earlier runs, newest first."""
    pages = int(stats.get("response_received_count", 0))
    errors = error_count(stats)
    counts = site_counts(stats)
    # Known articles confirmed without parsing them again: skipped before fetching, or answered 304 Not Modified
    # (counted unchanged by the conditional-request middleware, no item reaches the pipelines).
    unchanged_items = sum(count.get("unchanged", 0) for count in counts.values())
    known = int(stats.get("khabar/skipped/known", 0)) + max(
        0, int(stats.get("khabar/articles/unchanged", 0)) - unchanged_items)
    # Stories older than -a since= are output too: the site lists them, and they were read (or dated) fine, so
    # a monitoring run over a quiet night is not "no articles".
    known += sum(int(stats.get(key, 0)) for key in OLDER_THAN_SINCE)
    if not counts:
        counts = {spider: {}}  # a site spider that yielded nothing still gets judged under its own name
    judged = reason not in NOT_JUDGED
    found_problems: list[tuple[str, str]] = []
    sites: dict[str, Any] = {}
    for site, count in sorted(counts.items()):
        articles, failed = count.get("articles", 0), count.get("failed", 0)
        # Known articles are output too: the site still lists them (a site spider's site is its name).
        found = articles + (known if site == spider else 0)
        coverage = {name: round(count.get(name, 0) / articles, 3) if articles else None for name in FIELDS}
        past = history.get(site, [])[:rules.median_runs]
        median = statistics.median(past) if len(past) >= rules.min_history else None
        sites[site] = {"articles": articles, "found": found, "failed": failed, "coverage": coverage,
                       "median": median, "history": len(past)}
        if judged:
            found_problems += site_problems(site, articles, found, failed, coverage, median, rules)
    error_rate = round(errors / pages, 3) if pages else (1.0 if errors else 0.0)
    if judged and errors and error_rate > rules.max_error_rate:
        found_problems.append(("errors", f"{errors} errors in {pages} pages fetched ({error_rate:.0%})"))
    status = ("alert" if found_problems else "ok") if judged else "not judged"
    return {"status": status, "finish_reason": reason, "pages": pages, "errors": errors,
            "error_rate": error_rate, "sites": sites, "problems": [text for _, text in found_problems],
            "codes": sorted(code for code, _ in found_problems),
            # Every loss visible beside the judgement: dropped pages by reason, bounds hit, fields cut, writes lost.
            "dropped": dropped_reasons(stats), "losses": losses(stats)}


def site_problems(site: str, articles: int, found: int, failed: int, coverage: dict[str, float | None],
                  median: float | None, rules: HealthRules) -> list[tuple[str, str]]:
    """(code, sentence) per problem; the code (e.g. ``lokmat/no_dates``) tells a repeat from a new problem."""
    problems: list[tuple[str, str]] = []
    if found == 0:
        broken = f" ({failed} article pages dropped as unreadable)" if failed else ""
        problems.append((f"{site}/no_articles", f"{site}: no articles{broken}"))
    elif failed and failed / (articles + failed) > rules.max_failed_share:
        problems.append((f"{site}/unreadable",
                         f"{site}: {failed} of {articles + failed} article pages dropped as unreadable"))
    date_share = coverage["date"]
    if articles >= rules.min_articles and date_share is not None and date_share < rules.min_date_coverage:
        problems.append((f"{site}/no_dates", f"{site}: dates on {date_share:.0%} of {articles} articles "
                                             f"(needs {rules.min_date_coverage:.0%})"))
    if median is not None and found and found < median * rules.min_share_of_median:
        problems.append((f"{site}/under_median", f"{site}: {found} articles, far under its median of {median:g}"))
    return problems


def previous_codes(db: sqlite_utils.Database, spider: str, before_run: int) -> list[str] | None:
    """The problem codes of this spider's previous judged run (None if there is none)."""
    row = db.execute("SELECT health FROM crawl_runs WHERE spider = ? AND id < ? AND health_status IN ('ok', 'alert') "
                     "ORDER BY id DESC LIMIT 1", [spider, before_run]).fetchone()
    if row is None:
        return None
    try:
        return sorted(json.loads(row[0] or "{}").get("codes", []))
    except (ValueError, AttributeError):
        return None


def worth_sending(report: dict[str, Any], previous: list[str] | None) -> bool:
    """Alert when problems appear or change; a schedule repeating the same problem every run stays quiet
    (each run is still marked 'alert' in crawl_runs)."""
    return bool(report["codes"]) and report["codes"] != previous


def history(db: sqlite_utils.Database, spider: str, before_run: int, runs: int) -> dict[str, list[int]]:
    """Article counts ('found') per site in this spider's earlier judged runs, newest first."""
    counts: dict[str, list[int]] = {}
    cursor = db.execute(
        "SELECT health FROM crawl_runs WHERE spider = ? AND id < ? AND health_status IN ('ok', 'alert') "
        "ORDER BY id DESC LIMIT ?", [spider, before_run, runs])
    for (text,) in cursor.fetchall():
        try:
            sites = json.loads(text or "{}").get("sites", {})
        except (ValueError, AttributeError):
            continue
        for site, facts in sites.items():
            if isinstance(facts, dict) and isinstance(facts.get("found"), int):
                counts.setdefault(site, []).append(facts["found"])
    return counts


def alert_message(run_id: int, spider: str, health: dict[str, Any]) -> dict[str, Any]:
    """A health alert in the shape notify targets take (a JSON line in a file, or an Apprise title and body)."""
    problems = health["problems"]
    return {
        "kind": "health", "topic": "crawl-health", "label": "crawl health", "run_id": run_id, "spider": spider,
        "title": f"{spider} run {run_id}: " + "; ".join(problems),
        "site": spider, "url": "", "published_ist": None, "seen_ist": dates.to_iso(datetime.now(dates.IST)),
        "matched_terms": [], "alert_id": None,
        "problems": problems, "finish_reason": health["finish_reason"],
    }


def send_alert(config: AlertSetup, message: dict[str, Any]) -> tuple[int, int]:
    """Deliver a health alert to ``[health] notify`` (default: every target); returns (sent, failed)."""
    names = config.health.notify or list(config.notify)
    sent = failed = 0
    for name in names:
        try:
            delivery.send(config.notify[name], message)
            sent += 1
        except Exception as error:  # one broken target must not hide the alert from the others
            failed += 1
            logger.warning("health alert for run %s not delivered to %s: %s", message["run_id"], name, error)
    return sent, failed


def summary(status: str | None, report: dict[str, Any] | None) -> str:
    """One cell for `khabar runs`: ok, ALERT with the problems, or why the run was not judged."""
    if not status:
        return ""
    if status == "alert" and report:
        return "ALERT: " + "; ".join(report.get("problems", []))
    return status

"""Datasette as people open it: plain `datasette khabar.db` (the plugin comes in through its entry point), in a real
headless Chromium with a Devanagari font. The articles table's own search box searches Hindi words; internal tables
are hidden; an article's page reads as a story, with its date in IST; alerts show the terms that matched; the
dashboard draws alerts per topic and articles per site per day. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.text.search_query import fts_query
from tests.conftest import REPO, khabar_env, query, rows
from tests.sitefacts import seed_spec
from tests.test_serve import find_chromium, free_port

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("KHABAR_TEST_ARTIFACTS", REPO / "test-artifacts"))
IST = timezone(timedelta(hours=5, minutes=30))
VARIANT = "युक्रेन"  # the pages spell it यूक्रेन: the search form folds the two


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_chromium()
    assert found is not None
    fonts = subprocess.run(["fc-list", ":lang=hi", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        message = "no Devanagari font (apt-get install fonts-noto-core); Hindi would render as boxes"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def datasette(crawled_sample: Path) -> Iterator[str]:
    """Plain `datasette khabar.db`, as the README says, from the folder of a crawled file."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "datasette", "khabar.db", "-p", str(port)], cwd=crawled_sample,
                              env=khabar_env(crawled_sample), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/versions.json", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def open_page(browser: str, url: str, name: str) -> str:
    """The DOM Chromium built for ``url`` once its scripts ran; a screenshot of it in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1280,1600", "--virtual-time-budget=8000"]
    with tempfile.TemporaryDirectory() as profile:
        shot = subprocess.run([browser, *common, f"--user-data-dir={profile}", f"--screenshot={ARTIFACTS / name}.png",
                               url], capture_output=True, text=True, timeout=120)
        assert shot.returncode == 0, shot.stderr[-2000:]
    with tempfile.TemporaryDirectory() as profile:
        page = subprocess.run([browser, *common, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    assert page.returncode == 0, page.stderr[-2000:]
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
    return page.stdout


def text_of(dom: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))


def test_the_articles_search_box_searches_hindi(browser: str, datasette: str, crawled_sample: Path) -> None:
    dom = open_page(browser, f"{datasette}/khabar/articles?_search={quote(VARIANT)}", "articles-search")
    assert re.search(r'<input[^>]+id="_search"[^>]+value="' + VARIANT, dom)  # the box is there and kept the words
    expected = query(crawled_sample / "khabar.db", "SELECT a.title FROM articles_search s JOIN articles a "
                     "ON a.id = s.rowid WHERE articles_search MATCH ?", (fts_query(VARIANT),))
    shown = re.findall(r'<td class="col-title[^"]*"[^>]*>(.*?)</td>', dom, re.S)
    assert sorted(html.unescape(t).strip() for t in shown) == sorted(r[0] for r in expected)
    all_titles = [r[0] for r in query(crawled_sample / "khabar.db", "SELECT title FROM articles")]
    assert len(shown) < len(all_titles)  # a search, not the whole table
    assert f"{len(expected)} row" in text_of(dom)


def test_internal_tables_are_hidden(browser: str, datasette: str) -> None:
    dom = open_page(browser, f"{datasette}/khabar", "database")
    listed = re.findall(r'<h3><a href="/khabar/([^"]+)">', dom)
    assert listed[0] == "alerts" and "articles" in listed
    assert not {"pages", "story_signatures", "_sqlite_migrations", "http_validators"} & set(listed)
    assert "/-/dashboards/khabar" in dom


def test_an_article_reads_as_a_story(browser: str, datasette: str, crawled_sample: Path) -> None:
    spec = seed_spec()
    row = rows(crawled_sample / "khabar.db", "SELECT id, url FROM articles WHERE title = ?", (spec["title"],))[0]
    dom = open_page(browser, f"{datasette}/khabar/articles/{row['id']}", "article")
    story = re.search(r'<article class="khabar-article"[^>]*>(.*?)</article>', dom, re.S)
    assert story
    inner = story.group(1)
    assert html.unescape(re.search(r"<h1>(.*?)</h1>", inner, re.S).group(1)).strip() == spec["title"]
    assert "2023-09-13 16:28 IST" in inner and "lokmat" in inner
    assert f'href="{row["url"]}"' in inner
    paragraphs = [html.unescape(p).strip() for p in re.findall(r"<p>(.*?)</p>", inner, re.S)]
    assert paragraphs[-len(spec["body"]):] == spec["body"]


def test_alerts_show_terms_and_ist(browser: str, datasette: str, crawled_sample: Path) -> None:
    dom = open_page(browser, f"{datasette}/khabar/alerts", "alerts")
    terms = [html.unescape(t) for t in re.findall(r'<li class="khabar-term">(.*?)</li>', dom)]
    assert "यूक्रेन" in terms or "रूस" in terms
    assert '{"terms"' not in html.unescape(dom)  # not the raw JSON
    created = rows(crawled_sample / "khabar.db", "SELECT created_at FROM alerts ORDER BY id DESC")[0][0]
    moment = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(
        datetime.fromisoformat("2024-01-01T00:00:00+05:30").tzinfo)
    assert moment.strftime("%Y-%m-%d %H:%M IST") in text_of(dom)


def test_the_dashboard_draws_the_charts(browser: str, datasette: str, crawled_sample: Path) -> None:
    dom = open_page(browser, f"{datasette}/-/dashboards/khabar", "dashboard")
    page = text_of(dom)
    assert "Alerts per topic per day" in page and "Articles per site per day" in page
    # Vega draws SVG and describes every bar it drew ("day ...: Jun 12, 2024; alerts: 1; topic: ..."): the chart
    # shows, per day in India, what the rows say.
    bars = re.findall(r'aria-label="day of publication \(IST\): (\w+ \d+, \d+); (alerts|articles): (\d+); '
                      r'(?:topic|site): ([^"]+)"', dom)
    drawn = {(kind, datetime.strptime(day, "%b %d, %Y").date().isoformat(), what, int(n))
             for day, kind, n, what in bars}
    db = crawled_sample / "khabar.db"
    expected: dict[tuple[str, str, str], int] = {}
    for kind, sql in (("alerts", "SELECT ar.published_utc, a.topic FROM alerts a JOIN articles ar "
                                 "ON ar.id = a.article_id WHERE ar.published_utc IS NOT NULL"),
                      ("articles", "SELECT published_utc, site FROM articles WHERE published_utc IS NOT NULL")):
        for moment, what in query(db, sql):
            day = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(IST).date().isoformat()
            expected[(kind, day, what)] = expected.get((kind, day, what), 0) + 1
    assert drawn == {(kind, day, what, n) for (kind, day, what), n in expected.items()}

"""Helpers of the cluster tests: crawler processes against a real Redis, the writer, and what a database holds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import REPO, khabar_env, query

ARTICLE_COLUMNS = ("url", "site", "title", "authors", "published_at", "published_utc", "updated_at", "section",
                   "summary", "highlights", "dateline", "body", "tags", "related", "more_from_section", "image_url",
                   "language", "content_hash")


def database_facts(db: Path) -> dict[str, Any]:
    """Everything a crawl stores about articles, stories and alerts, without ids and clock times (which differ
    between any two crawls): the comparison of "the same database"."""
    columns = ", ".join(ARTICLE_COLUMNS)
    stories = query(db, "SELECT group_concat(url, ' | ') FROM (SELECT url, story_id FROM articles ORDER BY url) "
                        "GROUP BY story_id")
    return {
        "articles": query(db, f"SELECT {columns} FROM articles ORDER BY url"),
        "stories": sorted(row[0] for row in stories),
        "urls": query(db, "SELECT u.url, u.url_key, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id "
                          "ORDER BY 1"),
        "revisions": query(db, "SELECT a.url, r.title, r.content_hash FROM article_revisions r "
                               "JOIN articles a ON a.id = r.article_id ORDER BY 1, 3"),
        "pages": query(db, "SELECT a.url, length(p.html) > 1000 FROM pages p JOIN articles a ON a.id = p.article_id "
                           "ORDER BY 1"),
        "alerts": query(db, "SELECT a.url, t.topic, t.score, t.delivery, t.matched FROM alerts t "
                            "JOIN articles a ON a.id = t.article_id ORDER BY 1, 2"),
        "deliveries": query(db, "SELECT a.url, d.target FROM deliveries d JOIN alerts t ON t.id = d.alert_id "
                                "JOIN articles a ON a.id = t.article_id ORDER BY 1, 2"),
        "article_validators": query(db, "SELECT url, etag, last_modified FROM http_validators WHERE kind = 'article' "
                                        "ORDER BY 1"),
        "search": query(db, "SELECT a.url FROM articles_search s JOIN articles a ON a.id = s.rowid "
                            "WHERE articles_search MATCH 'यूक्रेन' ORDER BY 1"),
    }


ORDER_DEPENDENT = ("related", "more_from_section")


def same_database(db: Path, reference: Path) -> None:
    """Assert that two crawls stored the same thing. One difference is allowed, and only where it comes from the
    order pages arrived in (also within one process): a story fetched under two URLs of its site (the AMP copy and
    the article) with the same text keeps the first copy stored, so its related and more-from-section links are
    the AMP page's (none) or the article's, depending on which came first. Everything else must be equal."""
    ours, theirs = database_facts(db), database_facts(reference)
    first_copy = {url for check in (db, reference) for (url,) in query(
        check, "SELECT a.url FROM pages p JOIN articles a ON a.id = p.article_id WHERE p.url != a.url")}
    for facts in (ours, theirs):
        loose = [ARTICLE_COLUMNS.index(name) for name in ORDER_DEPENDENT]
        facts["articles"] = [tuple(None if i in loose and row[0] in first_copy else value
                                   for i, value in enumerate(row)) for row in facts["articles"]]
    for name in theirs:
        assert ours[name] == theirs[name], f"{name} differ"
    assert len(ours["articles"]) > 10 and ours["alerts"]


def dash_s(settings: dict[str, str]) -> list[str]:
    return [word for name, value in settings.items() for word in ("-s", f"{name}={value}")]


def crawler_env(work: Path) -> dict[str, str]:
    """A crawler's environment: KHABAR_DB names a file no crawler may create (they write no SQLite)."""
    return khabar_env(work, KHABAR_DB=str(work / "crawler-must-not-write.db"))


def start_scrapy_crawler(work: Path, cluster: str, site_url: str, *args: str, **settings: str) -> subprocess.Popen[str]:
    """`scrapy crawl lokmat -s KHABAR_CLUSTER=...` as a real process."""
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "lokmat", "-a", f"base_url={site_url}",
                             *dash_s({"KHABAR_CLUSTER": cluster, **settings}), *args], cwd=REPO,
                            env=crawler_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_khabar_crawler(work: Path, cluster: str, site_url: str, *args: str, **settings: str) -> subprocess.Popen[str]:
    """`khabar crawl lokmat -s KHABAR_CLUSTER=...` as a real process."""
    return subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "lokmat", "-a", f"base_url={site_url}",
                             "--progress", "off", *dash_s({"KHABAR_CLUSTER": cluster, **settings}), *args], cwd=work,
                            env=crawler_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_writer(work: Path, cluster: str, *args: str, **settings: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", "writer", "--cluster", cluster,
                             "--db", str(work / "khabar.db"), *dash_s(settings), *args], cwd=work,
                            env=khabar_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def wait_for(condition: Any, timeout: float, what: str, *watched: subprocess.Popen[str]) -> None:
    """Poll ``condition``; fail after ``timeout`` s, or at once if a watched process has ended."""
    deadline = time.monotonic() + timeout
    while not condition():
        for process in watched:
            if process.poll() is not None:
                _out, err = process.communicate()
                raise AssertionError(f"{process.args} ended ({process.returncode}) before {what}: {err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)

"""``khabar serve``: browse and search the database in Datasette (the optional ``serve`` extra).

Datasette gets titles and descriptions for every table, facets by site, section and
topic, and canned queries: a Hindi-safe full-text search (through the ``hindi_fts``
SQL function of crawler/datasette_plugin.py, the same query language as ``khabar
search``), the latest articles, alerts by topic, articles per topic per day, and
site health from the latest run of each spider.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crawler.store.connection import connect
from crawler.store.search import SEARCH_TABLE

MISSING = ("khabar serve needs Datasette, an optional extra: pip install 'khabar[serve]' "
           "(or pip install datasette)")


class ServeError(Exception):
    """Datasette is not installed, or the database cannot be served."""


SEARCH_SQL = f"""select a.id, a.title, a.site, a.section, a.published_at,
  hindi_snippet(a.body, :q) as snippet, a.url
from [{SEARCH_TABLE}] join articles a on a.id = [{SEARCH_TABLE}].rowid
where [{SEARCH_TABLE}] match hindi_fts(:q)
order by bm25([{SEARCH_TABLE}], 10.0, 4.0, 4.0, 1.0, 3.0)
limit 100"""

LATEST_SQL = """select id, title, site, section, published_at, url
from articles order by published_utc desc limit 100"""

ALERTS_SQL = """select alerts.id, alerts.topic, alerts.created_at, alerts.status, articles.title, articles.site,
  articles.published_at, json_extract(alerts.matched, '$.terms') as matched_terms, articles.url
from alerts join articles on articles.id = alerts.article_id
where :topic = '' or alerts.topic = :topic
order by alerts.id desc limit 200"""

PER_DAY_SQL = """select alerts.topic, substr(articles.published_at, 1, 10) as day, count(*) as articles
from alerts join articles on articles.id = alerts.article_id
where articles.published_at is not null
group by alerts.topic, day order by day desc, alerts.topic"""

HEALTH_SQL = """select site.key as site, r.spider, r.id as run, r.started_at, r.status, r.finish_reason,
  r.health_status, json_extract(site.value, '$.articles') as articles,
  json_extract(site.value, '$.median') as median_articles,
  round(100 * json_extract(site.value, '$.coverage.title')) as title_pct,
  round(100 * json_extract(site.value, '$.coverage.date')) as date_pct,
  round(100 * json_extract(site.value, '$.coverage.body')) as body_pct,
  round(100 * json_extract(site.value, '$.coverage.author')) as author_pct,
  json_extract(site.value, '$.failed') as unreadable_pages, r.pages, r.errors,
  json_extract(r.health, '$.problems') as problems
from crawl_runs r, json_each(r.health, '$.sites') site
where r.id in (select max(id) from crawl_runs where health is not null group by spider)
order by site.key"""


def metadata(db_name: str) -> dict[str, Any]:
    """Datasette metadata for a Khabar database named ``db_name`` (the file name without .db)."""
    return {
        "title": "Khabar (खबर): Hindi news monitor",
        "description": "Articles crawled from Hindi news sites, the topic alerts they raised, and every crawl run. "
                       "Use the 'Search articles' query for Hindi-safe full-text search.",
        "databases": {db_name: {
            "description": "One row per story in articles; alerts per (article, topic); crawl_runs per crawl.",
            "tables": _tables(),
            "queries": _queries(),
        }},
    }


def _tables() -> dict[str, Any]:
    return {
        "articles": {
            "description": "One row per story; url is the canonical URL. published_at keeps the page's offset "
                           "(+05:30 for IST), published_utc is for sorting.",
            "facets": ["site", "section"], "sort_desc": "published_utc", "label_column": "title",
            "columns": {"authors": "JSON array", "highlights": "JSON array", "tags": "JSON array",
                        "related": "JSON array of {title, url, category}", "body": "paragraphs, blank-line separated",
                        "content_hash": "fingerprint of the search form of title and body"},
        },
        "article_topics": {
            "description": "Articles with the topics they raised alerts for (a view over alerts and articles).",
            "facets": ["topic", "site", "section"], "sort_desc": "published_at",
        },
        "alerts": {
            "description": "One alert per (article, topic), ever; status is its delivery state.",
            "facets": ["topic", "status"], "sort_desc": "id",
            "columns": {"matched": "JSON: the terms that matched and where", "status": "pending or sent"},
        },
        "crawl_runs": {
            "description": "One row per crawl, with counts from Scrapy's stats and the run's health.",
            "facets": ["spider", "status", "health_status"], "sort_desc": "id",
            "columns": {"health": "JSON: coverage of title/date/body/author per site, median, problems",
                        "scheduled": "the schedule that started the run, empty when run by hand"},
        },
        "article_urls": {"description": "Every URL a story was seen under (tracking links, AMP copies)."},
        "article_revisions": {"description": "The previous version of an article each time its content changed."},
        "schedule_state": {"description": "Per schedule: the last slot handled and how its last run went."},
        "pages": {"description": "Raw HTML of each article page, for re-parsing.", "hidden": True},
    }


def _queries() -> dict[str, Any]:
    return {
        "search": {
            "title": "Search articles (Hindi-safe)",
            "description": "Whole Hindi words and their spelling variants (रूस/रुस), \"quoted phrases\", "
                           "AND, OR, NOT and prefix*: the same as `khabar search`.",
            "sql": SEARCH_SQL,
        },
        "latest_articles": {"title": "Latest articles", "description": "The 100 most recently published.",
                            "sql": LATEST_SQL},
        "alerts_by_topic": {"title": "Alerts by topic",
                            "description": "Alerts raised, newest first; leave topic empty for every topic.",
                            "sql": ALERTS_SQL},
        "articles_per_topic_per_day": {
            "title": "Articles per topic per day",
            "description": "Alerted articles per topic and publication day (in the page's own time zone).",
            "sql": PER_DAY_SQL,
        },
        "site_health": {
            "title": "Site health",
            "description": "The latest run of each spider: share of articles with title, date, body and author, "
                           "the count against its recent median, and any health problems.",
            "sql": HEALTH_SQL,
        },
    }


def build_datasette(db_path: str | os.PathLike[str]) -> Any:
    """A Datasette instance over ``db_path`` with Khabar's metadata and SQL functions."""
    try:
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise ServeError(MISSING) from None
    from crawler.app import datasette_plugin

    if not Path(db_path).is_file():
        raise ServeError(f"no database at {db_path}: run `khabar crawl SPIDER` or `khabar demo` first")
    connect(db_path).close()  # bring an older file up to date (the views and columns the queries use)
    if pm.get_plugin("khabar") is None:
        pm.register(datasette_plugin, name="khabar")
    name = Path(db_path).stem
    return Datasette([str(db_path)], metadata=metadata(name),
                     settings={"suggest_facets": False, "sql_time_limit_ms": 5000})


def database_url(db_path: str | os.PathLike[str], host: str, port: int) -> str:
    return f"http://{host}:{port}/{Path(db_path).stem}"


def serve(db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until Ctrl-C."""
    datasette = build_datasette(db_path)
    import uvicorn

    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")

"""What Datasette shows of a Khabar file: descriptions, facets, canned queries, hidden tables and charts.

The plugin (crawler/app/datasette_plugin) hands these to Datasette for every Khabar database it serves
(``get_metadata``). The charts are datasette-dashboards dashboards: Vega-Lite specifications over SQL, drawn in
the browser by the vega libraries that plugin ships (nothing is fetched from the internet).
"""

from __future__ import annotations

from typing import Any

from crawler.store.search import SEARCH_TABLE

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


def database(name: str) -> dict[str, Any]:
    """Datasette metadata for the Khabar database called ``name`` (the file name without .db)."""
    return {
        "title": "Khabar (खबर): Hindi news monitor",
        "description_html": (
            "Articles crawled from Hindi news sites, the topic alerts they raised, and every crawl run. Search "
            f'<a href="/{name}/articles">articles</a> with the search box (whole Hindi words, spelling variants, '
            f'English names); times are India time (IST). <a href="/-/dashboards/{name}">Charts</a>: alerts per '
            "topic and articles per site, per day."),
        "tables": _tables(),
        "queries": _queries(),
    }


# Tables a reader does not need: the index's raw pages, signatures, validators, migrations, scheduler state.
HIDDEN = ("pages", "story_signatures", "http_validators", "_sqlite_migrations", "schedule_state", "article_urls",
          "deliveries")

# The day of a moment stored in UTC, in India: what a reader calls "that day".
IST_DAY = "substr(datetime({column}, '+330 minutes'), 1, 10)"

ALERTS_PER_TOPIC_SQL = f"""select {IST_DAY.format(column="ar.published_utc")} as day, a.topic, count(*) as alerts
from alerts a join articles ar on ar.id = a.article_id
where ar.published_utc is not null group by day, a.topic order by day"""

ARTICLES_PER_SITE_SQL = f"""select {IST_DAY.format(column="published_utc")} as day, site, count(*) as articles
from articles where published_utc is not null group by day, site order by day"""


def _bars(y: str, colour: str) -> dict[str, Any]:
    return {"mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": "day", "type": "temporal", "timeUnit": "yearmonthdate",
                               "title": "day of publication (IST)"},
                         "y": {"field": y, "type": "quantitative", "title": y},
                         "color": {"field": colour, "type": "nominal", "title": colour}}}


def dashboard(name: str) -> dict[str, Any]:
    """The datasette-dashboards dashboard of database ``name``: /-/dashboards/<name>."""
    return {
        "title": "Khabar: alerts and articles per day",
        "description": "Alerts per topic and articles per site, by day of publication in India time (IST).",
        "layout": [["alerts-per-topic"], ["articles-per-site"]],
        "charts": {
            "alerts-per-topic": {"title": "Alerts per topic per day", "db": name, "query": ALERTS_PER_TOPIC_SQL,
                                 "library": "vega-lite", "display": _bars("alerts", "topic")},
            "articles-per-site": {"title": "Articles per site per day", "db": name, "query": ARTICLES_PER_SITE_SQL,
                                  "library": "vega-lite", "display": _bars("articles", "site")},
        },
    }


def _tables() -> dict[str, Any]:
    tables = _described()
    for name in HIDDEN:
        tables.setdefault(name, {})["hidden"] = True
    return tables


def _described() -> dict[str, Any]:
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



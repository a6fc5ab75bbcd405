"""Khabar's Datasette plugin, registered through the ``datasette`` entry point: plain ``datasette data/khabar.db``
(or ``khabar serve``) opens a Khabar file the way people read it.

- SQL functions: ``hindi_fts(q)`` turns what a person typed into the FTS5 expression over ``articles_search``
  that ``khabar search`` uses (whole Hindi words, spelling variants, names across scripts, phrases,
  AND/OR/NOT, prefix*; text with no words matches nothing instead of failing); ``hindi_snippet(text, q)``.
- The ``articles`` table's own search box: ``?_search=यूक्रेन`` goes through ``hindi_fts`` (a
  ``filters_from_request`` hook; Datasette cannot find the contentless index by itself).
- Metadata (``get_metadata``): descriptions, facets, canned queries (``crawler.app.serve_metadata``), internal
  tables hidden, and the dashboard of charts drawn by datasette-dashboards (Vega-Lite).
- Cells: times in IST, ``alerts.matched`` as the terms that matched; an article's row page shows the story as a
  reader would (title, date in IST, site, link, paragraphs) above the row.

Every hook does nothing for a database that is not Khabar's (no ``articles`` and ``articles_search`` tables).
"""

from __future__ import annotations

import json
import sqlite3
from functools import cache
from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from crawler.app import serve_metadata
from crawler.app.queries import snippet
from crawler.store.search import SEARCH_TABLE
from crawler.text.clock import shown_time
from crawler.text.names import NameIndex, shipped_names
from crawler.text.search_query import fts_query

MATCH_NOTHING = '""'
# Stored moments shown in IST; published_utc keeps its UTC (its name says so, and it sorts).
TIME_COLUMNS = frozenset({"created_at", "started_at", "finished_at", "first_seen_at", "last_seen_at", "delivered_at",
                          "fetched_at", "published_at", "updated_at", "next_attempt_at", "held_until", "lease_until",
                          "last_started_at", "last_finished_at", "last_refused_at"})


@cache
def names() -> NameIndex:
    """The config's name list (KHABAR_CONFIG, else ./khabar.toml), else the shipped one."""
    from crawler.config import ConfigError, load_config

    try:
        return load_config().names
    except ConfigError:
        return shipped_names()


def hindi_fts(query: str | None) -> str:
    try:
        return fts_query(query or "", names())
    except ValueError:
        return MATCH_NOTHING


def hindi_snippet(text: str | None, query: str | None) -> str:
    return snippet(text or "", query or "", names=names()) if query else (text or "")[:160]


_khabar_files: dict[str, bool] = {}


def is_khabar(datasette: Any, database: str | None) -> bool:
    """Whether ``database`` is a Khabar file (it has ``articles`` and the search index); asked once per file."""
    if not database or database not in datasette.databases:
        return False
    path = datasette.databases[database].path
    if not path:
        return False
    if path not in _khabar_files:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.close()
        except sqlite3.Error:
            found = set()
        _khabar_files[path] = {"articles", SEARCH_TABLE} <= found
    return _khabar_files[path]


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("hindi_fts", 1, hindi_fts, deterministic=True)
    conn.create_function("hindi_snippet", 2, hindi_snippet, deterministic=True)


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:
    khabar = [name for name in datasette.databases if is_khabar(datasette, name)]
    if not khabar:
        return {}
    return {"databases": {name: serve_metadata.database(name) for name in khabar},
            "plugins": {"datasette-dashboards": {name: serve_metadata.dashboard(name) for name in khabar}}}


@hookimpl(trylast=True)  # after Datasette's own search filter, so its "no search here" is overruled
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if table != "articles" or not is_khabar(datasette, database):
        return None
    query = request.args.get("_search", "")
    context = {"supports_search": True, "search": query}
    if not query.strip():
        return FilterArguments([], extra_context=context)
    return FilterArguments(
        [f"id IN (SELECT rowid FROM [{SEARCH_TABLE}] WHERE [{SEARCH_TABLE}] MATCH hindi_fts(:khabar_search))"],
        {"khabar_search": query}, [f'search matches "{query}" (whole Hindi words, spelling variants, names)'],
        context)


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if not isinstance(value, str) or not is_khabar(datasette, database):
        return None
    if column in TIME_COLUMNS and value:
        shown = shown_time(value)
        if shown == value:
            return None
        return Markup(f'<time datetime="{escape(value)}" title="stored as {escape(value)}">{escape(shown)}</time>')
    if table == "alerts" and column == "matched":
        return matched_terms(value)
    return None


def matched_terms(value: str) -> Markup | None:
    """``alerts.matched`` (JSON) as people read it: the terms, where they matched, the score."""
    try:
        matched = json.loads(value or "{}")
    except ValueError:
        return None
    if not isinstance(matched, dict):
        return None
    terms = "".join(f'<li class="khabar-term">{escape(term)}</li>' for term in matched.get("terms", []))
    where = ", ".join(str(f) for f in matched.get("fields", []))
    score = matched.get("score")
    detail = " · ".join(part for part in (f"in {where}" if where else "",
                                          f"score {score:g}" if isinstance(score, int | float) else "") if part)
    return Markup(f'<ul class="khabar-terms" lang="hi">{terms}</ul>'
                  + (f'<span class="khabar-match-detail">{escape(detail)}</span>' if detail else ""))


@hookimpl
def extra_template_vars(template: str, database: str, table: str, view_name: str, request: Any,
                        datasette: Any) -> Any:
    if view_name != "row" or table != "articles" or not is_khabar(datasette, database):
        return None

    async def article() -> dict[str, Any]:
        pk = (request.url_vars or {}).get("pks", "")
        if not pk.isdigit():
            return {}
        result = await datasette.get_database(database).execute(
            "SELECT title, url, site, section, summary, published_at, updated_at, authors, body FROM articles "
            "WHERE id = ?", [int(pk)])
        row = result.first()
        if row is None:
            return {}
        story = dict(row)
        try:
            authors = json.loads(story["authors"] or "[]")
        except ValueError:
            authors = []
        story |= {"published_ist": shown_time(story["published_at"]), "updated_ist": shown_time(story["updated_at"]),
                  "authors": ", ".join(a for a in authors if isinstance(a, str)),
                  "paragraphs": [p for p in (story["body"] or "").split("\n\n") if p.strip()]}
        return {"khabar_article": story}

    return article

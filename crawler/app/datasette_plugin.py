"""A Datasette plugin (registered by ``khabar serve``): Hindi-safe full-text search in SQL.

``hindi_fts(q)`` turns what a person typed into the FTS5 expression over
``articles_search`` that ``khabar search`` uses (crawler/hindi.py fts_query: whole
Hindi words, spelling variants, phrases, AND/OR/NOT, prefix*). Text with no words
gives an expression that matches nothing instead of an error, so a canned query
page opens with an empty form. ``hindi_snippet(text, q)`` is the sentence holding a
query word.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from crawler.app.queries import snippet
from crawler.text.hindi import fts_query

MATCH_NOTHING = '""'


def hindi_fts(query: str | None) -> str:
    try:
        return fts_query(query or "")
    except ValueError:
        return MATCH_NOTHING


def hindi_snippet(text: str | None, query: str | None) -> str:
    return snippet(text or "", query or "") if query else (text or "")[:160]


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("hindi_fts", 1, hindi_fts, deterministic=True)
    conn.create_function("hindi_snippet", 2, hindi_snippet, deterministic=True)

"""The full-text index over each article's Hindi search form (FTS5, ``articles_search``).

The index keeps no copy of what it indexes (``content=''``, migration 0006): the search forms are
made from the article row whenever they are needed, so removing a row's entries means giving the
forms it was indexed with (``row_search_forms``). A change to the search form therefore comes with a
migration that calls ``rebuild_search_index``.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.store.sqlite import json_list
from crawler.text.hindi import ArticleTokens

SEARCH_TABLE = "articles_search"
SEARCH_COLUMNS = ("title", "summary", "highlights", "body", "tags")  # the FTS columns, in order

INDEX_SQL = (f"INSERT INTO [{SEARCH_TABLE}] (rowid, {', '.join(SEARCH_COLUMNS)}) "
             f"VALUES (?, {', '.join('?' * len(SEARCH_COLUMNS))})")
UNINDEX_SQL = (f"INSERT INTO [{SEARCH_TABLE}] ([{SEARCH_TABLE}], rowid, {', '.join(SEARCH_COLUMNS)}) "
               f"VALUES ('delete', ?, {', '.join('?' * len(SEARCH_COLUMNS))})")


def row_search_forms(row: dict[str, Any]) -> list[str]:
    """The search forms (``SEARCH_COLUMNS``) of a stored article row: what the store indexed for that article.
    The body is stored with its paragraphs joined; paragraph breaks are not words, so the form is the same."""
    tokens = ArticleTokens(row["title"] or "", row["summary"] or "", tuple(json_list(row["highlights"])),
                           (row["body"] or "",), tuple(json_list(row["tags"])))
    return [tokens.search_form(name) for name in SEARCH_COLUMNS]


def rebuild_search_index(db: sqlite_utils.Database, batch: int = 2_000) -> int:
    """Index every stored article again, from its row (after a change to the search form; migration 0006)."""
    db.execute(f"INSERT INTO [{SEARCH_TABLE}] ([{SEARCH_TABLE}]) VALUES ('delete-all')")
    done, last = 0, 0
    while rows := db.execute("SELECT id, title, summary, highlights, body, tags FROM articles WHERE id > ? "
                             "ORDER BY id LIMIT ?", [last, batch]).fetchall():
        for article_id, *values in rows:
            forms = row_search_forms(dict(zip(("title", "summary", "highlights", "body", "tags"), values, strict=True)))
            db.execute(INDEX_SQL, [article_id, *forms])
        done, last = done + len(rows), rows[-1][0]
    return done

"""The contentless full-text index: the search forms an article is indexed with can be made again from its row.

``articles_search`` keeps no copy of what it indexes (migration 0006), so an update removes the old entries
by giving the forms again (``crawler.store.articles.row_search_forms``, from the stored row). Checked on every golden
article and the seed: the forms from the stored row equal the forms the article was indexed with.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.app.golden import GOLDEN_DIR
from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.search import SEARCH_COLUMNS, row_search_forms
from crawler.text.search_query import fts_query
from tests.sitefacts import seed_spec

GOLDEN = sorted(GOLDEN_DIR.glob("*/*.json"))
FIELDS = ("title", "summary", "highlights", "body", "tags")


def golden_articles() -> list[tuple[str, dict]]:
    spec = seed_spec()
    found = [("seed", {name: spec.get(name) for name in FIELDS})]
    for path in GOLDEN:
        expected = json.loads(path.read_text(encoding="utf-8"))
        if expected.get("title"):
            found.append((f"{path.parent.name}/{path.stem}", {name: expected.get(name) for name in FIELDS}))
    return found


def as_article(fields: dict) -> Article:
    body = fields["body"] if isinstance(fields["body"], list) else [fields["body"] or ""]
    return Article(url="https://www.example.in/a-b1/", canonical_url="https://www.example.in/a-b1/", site="x",
                   fetched_at="t", title=fields["title"] or "", summary=fields["summary"] or "",
                   highlights=list(fields["highlights"] or []), body=list(body), tags=list(fields["tags"] or []))


@pytest.mark.parametrize(("name", "fields"), golden_articles(), ids=[name for name, _ in golden_articles()])
def test_forms_from_the_stored_row_equal_the_indexed_forms(name: str, fields: dict, tmp_path: Path) -> None:
    item = as_article(fields)
    store = ArticleStore(connect(tmp_path / "k.db"))
    item.content_hash = "h"
    article_id = store.insert(item, "t")
    row = store.get(article_id)
    tokens = item.tokens()
    assert row_search_forms(row) == [tokens.search_form(field) for field in SEARCH_COLUMNS]
    store.close()


def test_an_update_leaves_no_trace_of_the_old_text_in_the_index(tmp_path: Path) -> None:
    spec = seed_spec()
    store = ArticleStore(connect(tmp_path / "k.db"))
    item = as_article({name: spec.get(name) for name in FIELDS})
    item.content_hash = "h1"
    article_id = store.insert(item, "t")
    changed = as_article({**{name: spec.get(name) for name in FIELDS}, "body": ["ज़ेलेंस्की ने कीव में बैठक बुलाई।"],
                          "tags": ["यूक्रेन"]})
    changed.content_hash = "h2"
    store.update(article_id, changed, "t2")
    store.commit()
    match = lambda text: store.db.execute(  # noqa: E731
        "SELECT rowid FROM articles_search WHERE articles_search MATCH ?", [fts_query(text)]).fetchall()
    kept = " ".join([changed.title, changed.summary, *changed.highlights])
    old_only = next(word for paragraph in spec["body"] for word in paragraph.split()
                    if len(word) > 5 and word == word.strip(",.।-:\"'()") and word not in kept)
    assert match(old_only) == []
    assert match("ज़ेलेंस्की") == [(article_id,)] and match("कीव") == [(article_id,)]
    store.db.execute("INSERT INTO articles_search (articles_search) VALUES ('integrity-check')")
    store.close()

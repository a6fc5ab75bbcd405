"""Search syntax never crashes: every query becomes a valid FTS5 expression or one sentence naming the position.

Before Khabar had its own grammar, parentheses next to a word (``रूस (युद्ध OR हमला)``), a parenthesised
first word, ``NEAR(a b)`` and 100 nested parentheses reached SQLite as invalid FTS5 and crashed `khabar search`
with sqlite3.OperationalError. Here every query runs against a real FTS5 table with Khabar's tokenizer, and
thousands of random ones (seeded) are each either searched or refused with a QueryError.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.text.hindi import FTS_TOKENIZE, search_form
from crawler.text.search_query import MAX_DEPTH, QueryError, fts_query
from tests.conftest import run_khabar

DOCS = {
    1: "रूस ने यूक्रेन पर हमला किया, युद्ध तेज",
    2: "रूस में चुनाव, पुतिन फिर जीते",
    3: "यूक्रेन युद्ध में ड्रोन का इस्तेमाल",
    4: "भारत ने क्रिकेट विश्व कप जीता",
}


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='{FTS_TOKENIZE.replace(chr(39), chr(39) * 2)}')")
    conn.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)", [(k, search_form(v)) for k, v in DOCS.items()])
    yield conn
    conn.close()


def found(conn: sqlite3.Connection, typed: str) -> set[int]:
    return {row[0] for row in conn.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (fts_query(typed),))}


@pytest.mark.parametrize(("typed", "expected"), [
    ("रूस (युद्ध OR हमला)", {1}),  # a word beside a group: FTS5 has no implicit AND there
    ("(रूस) युद्ध", {1}),  # a group first
    ("(रूस OR भारत) (चुनाव OR क्रिकेट)", {2, 4}),
    ("NEAR(रूस यूक्रेन)", {1}),
    ("NEAR(यूक्रेन ड्रोन, 3)", {3}),
    ("युद्ध NOT (रूस पुतिन)", {1, 3}),
    ("रूस AND NOT चुनाव", {1}),
    ("(" * MAX_DEPTH + "युद्ध" + ")" * MAX_DEPTH, {1, 3}),  # as deep as allowed
])
def test_queries_with_groups_and_near_are_searched(fts: sqlite3.Connection, typed: str, expected: set[int]) -> None:
    assert found(fts, typed) == expected


@pytest.mark.parametrize(("typed", "position", "words"), [
    ("(" * 100 + "रूस" + ")" * 100, MAX_DEPTH + 1, "nested more than"),
    ("रूस OR NOT युद्ध", 5, "OR NOT"),
    ("(NOT रूस)", 2, "needs something to search for before it"),
    ("NEAR(रूस OR यूक्रेन)", 1, "only words and phrases"),
    ("रूस NEAR(यूक्रेन, बहुत)", 5, "distance"),
    ("NEAR(रूस)", 1, "at least two"),
])
def test_what_cannot_be_searched_is_refused_naming_the_position(typed: str, position: int, words: str) -> None:
    with pytest.raises(QueryError) as refused:
        fts_query(typed)
    assert f"position {position}" in str(refused.value) and words in str(refused.value)


def test_size_is_bounded() -> None:
    with pytest.raises(QueryError, match="characters long"):
        fts_query("रूस " * 1000)
    with pytest.raises(QueryError, match="words and phrases"):
        fts_query(" OR ".join(f"शब्द{n}" for n in range(150)))


PIECES = ["रूस", "युद्ध", "यूक्रेन*", "(", ")", "((", "))", "OR", "AND", "NOT", "NEAR", "NEAR(", ",", "5", "70000",
          '"', '"रूस यूक्रेन"', "*", "^", ":", "title:", "-", "+", "{", "}", "[", "]", "'", "and", "near", "।", "🙂",
          "\u200d", "\\", "%", "NOT(", "OR)", "0x1", "AND(", "()", "\x00", "\t"]


def test_random_queries_are_searched_or_refused_never_crash(fts: sqlite3.Connection) -> None:
    rng = random.Random(14)
    refused = searched = 0
    for _ in range(3000):
        typed = rng.choice(["", " "]).join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
        try:
            expression = fts_query(typed)
        except QueryError:
            refused += 1
            continue
        fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expression,)).fetchall()  # must not raise
        searched += 1
    assert searched > 1000 and refused > 100  # both paths were exercised


@pytest.mark.e2e
def test_khabar_search_with_parentheses_answers_or_says_why(crawled_sample: Path) -> None:
    db = str(crawled_sample / "khabar.db")
    ok = run_khabar(crawled_sample, "search", "रूस (युद्ध OR हमला)", "--db", db)
    assert ok.returncode == 0 and "Traceback" not in ok.stderr, ok.stderr
    assert "यूक्रेन" in ok.stdout or "रूस" in ok.stdout
    deep = run_khabar(crawled_sample, "search", "(" * 100 + "रूस" + ")" * 100, "--db", db)
    assert deep.returncode == 1 and "Traceback" not in deep.stderr
    assert "position 11" in deep.stderr and "nested" in deep.stderr

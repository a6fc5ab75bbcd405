"""Hindi search on a real database built by a real crawl of the sample site.

Expected sets come from the site's own pages, split into words with a plain
whitespace-and-punctuation split (not the code under test).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import run_khabar
from tests.sitefacts import article_files, has_body, headline

pytestmark = pytest.mark.e2e

_SPLIT = re.compile(r"[\s,।॥:;!?\"'()\[\]‘’“”.\-–—/]+")


def page_words() -> dict[str, set[str]]:
    """Title -> the set of words of that stored article's title, summary, highlights, body and tags."""
    words: dict[str, set[str]] = {}
    for page in article_files():
        if not has_body(page):
            continue
        tree = lxml_html.fromstring(page.read_bytes())
        parts = [el.text_content() for css in ("h1", "h2.story-summary", ".highlights li", ".story-body p",
                                               ".story-tags a") for el in tree.cssselect(css)]
        text = unicodedata.normalize("NFC", " ".join(parts))
        words[headline(page)] = {w for w in _SPLIT.split(text) if w}
    return words


def titles_with(words: dict[str, set[str]], *forms: str) -> set[str]:
    wanted = {unicodedata.normalize("NFC", f) for f in forms}
    return {title for title, found in words.items() if found & wanted}


@pytest.fixture(scope="module")
def work(crawled_sample: Path) -> Path:
    """A database built by a real `scrapy crawl lokmat` of the sample site (read only)."""
    return crawled_sample


def search(work: Path, query: str) -> set[str]:
    result = run_khabar(work, "search", query, "--json", "--limit", "100")
    assert result.returncode == 0, result.stderr
    return {row["title"] for row in json.loads(result.stdout)}


def test_uk_does_not_find_ukraine(work: Path) -> None:
    words = page_words()
    found = search(work, "यूके")
    assert found == titles_with(words, "यूके") != set()
    assert not found & titles_with(words, "यूक्रेन", "युक्रेन", "यूक्रेनी")


def test_russia_finds_variants_not_raas(work: Path) -> None:
    words = page_words()
    found = search(work, "रूस")
    for form in ("रूस", "रुस", "रूसी"):
        expected = titles_with(words, form)
        assert expected and expected <= found, form
    raas_only = titles_with(words, "रास") - titles_with(words, "रूस", "रुस", "रूसी", "रूसी")
    assert raas_only and not raas_only & found


def test_ukraine_finds_spelling_and_inflection(work: Path) -> None:
    words = page_words()
    found = search(work, "यूक्रेन")
    assert titles_with(words, "युक्रेन") <= found and titles_with(words, "युक्रेन")
    assert titles_with(words, "यूक्रेनी") <= found and titles_with(words, "यूक्रेनी")


def test_three_zelensky_spellings_find_the_same_stories(work: Path) -> None:
    precomposed = "\u095bेलेंस्की"  # ज़ as one code point (NFC decomposes it; the search must not care)
    combining = "ज\u093cेलेंस्की"
    plain = "जेलेंस्की"
    results = [search(work, form) for form in (precomposed, combining, plain)]
    assert results[0] == results[1] == results[2]
    words = page_words()
    assert titles_with(words, combining, plain) <= results[0]
    assert results[0]


def test_phrase_and_not(work: Path) -> None:
    words = page_words()
    both = search(work, '"व्लादिमीर पुतिन"')
    assert both and all("पुतिन" in words[t] for t in both)
    without = search(work, "रूस NOT यूक्रेन")
    assert without and not without & titles_with(words, "यूक्रेन", "युक्रेन", "यूक्रेनी")


def test_empty_query_is_a_clear_error(work: Path) -> None:
    result = run_khabar(work, "search", "  ...  ")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Error:" in result.stderr

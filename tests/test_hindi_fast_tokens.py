"""crawler.text.hindi's fast tokenizer against the straightforward one it replaced, kept here as the oracle.

The fast path (stdlib ``re`` over a BMP bitmap class, one pass for words and sentence ends, NFC and casefold
skipped when a scan proves them no-ops, a self-filling dict for search tokens) must give the very same words,
sentences and search forms as the ``regex``-module code: on every golden page, the seed article, the storage
benchmark's synthetic articles, hand-made tricky strings and random strings of troublesome characters.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
import regex

from crawler.app.golden import GOLDEN_DIR
from crawler.text import hindi
from crawler.text.cleaning import decode_html
from crawler.text.hindi import (
    ArticleTokens,
    TextWords,
    normalize_word,
    search_form,
    search_tokens,
    sentence_words,
    stem,
    word_tokens,
)

TESTS = Path(__file__).resolve().parent

# --- the oracle: the code path before the fast tokenizer, written with the regex module --------------------

OLD_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]+")
OLD_SENTENCE_END_RE = regex.compile(r"[।॥!?;|]+")
OLD_DEVANAGARI_RE = regex.compile(r"[\u0900-\u097f]")
ZW = "\u200c\u200d"


def old_word_tokens(text: str) -> list[str]:
    if not text:
        return []
    text = unicodedata.normalize("NFC", text).casefold()
    words = OLD_WORD_RE.findall(text)
    if "\u200c" in text or "\u200d" in text:
        words = [w for w in (word.strip(ZW) for word in words) if w]
    return words


def old_sentence_words(text: str) -> list[list[str]]:
    if not text:
        return []
    normalized = unicodedata.normalize("NFC", text)
    if normalized != text:
        return [words for words in map(old_word_tokens, OLD_SENTENCE_END_RE.split(text)) if words]
    folded = normalized.casefold()
    sentences = [OLD_WORD_RE.findall(sentence) for sentence in OLD_SENTENCE_END_RE.split(folded)]
    if "\u200c" in folded or "\u200d" in folded:
        sentences = [[w for w in (word.strip(ZW) for word in words) if w] for words in sentences]
    return [words for words in sentences if words]


def old_search_token(word: str) -> str:
    if OLD_DEVANAGARI_RE.search(word) is None:
        return word
    return stem(normalize_word(word))


def old_search_tokens(text: str) -> list[str]:
    return [tok for tok in map(old_search_token, old_word_tokens(text)) if tok]


def old_forms(title: str, summary: str, highlights: tuple[str, ...], body: tuple[str, ...],
              tags: tuple[str, ...]) -> dict[str, str]:
    fields = {"title": [title], "summary": [summary], "highlights": highlights, "body": body, "tags": tags}
    return {name: " ".join(tok for segment in segments for sentence in old_sentence_words(segment)
                           for tok in map(old_search_token, sentence) if tok)
            for name, segments in fields.items()}


# --- the texts ----------------------------------------------------------------------------------------------

TRICKY = [
    "", " ", "।", "।॥!?;|", " , . - ", "।।। ॥ !? ;; ||", "...", "\n\n",
    "\u095bेलेंस्की ने कहा", "\u091c\u093cेलेंस्की ने कहा",  # ज़ composed (exclusion) and decomposed
    "\u0929", "\u0928\u093c", "\u0931 \u0930\u093c", "\u0934\u0933\u093c",  # ऩ ऱ ऴ both ways
    "\u0928\u0334\u093c", "\u0930\u0951\u093c", "\u0928\u093c\u0951", "\u0915\u0951\u093c",  # marks between
    "\u093c", "\u093cरूस", "\u093c\u093c", "क\u093c\u093c", "\u0929\u093c", "न।\u093c", "a\u093c", " \u093c",
    "\u095c\u095d \u0921\u093c\u0922\u093c सड़क बढ़ोतरी", "क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़ \u0958\u0959\u095a\u095b\u095e\u095f",
    "क्\u200dष", "\u200dरूस\u200c", "\u200d", "\u200c\u200d", "रूस \u200d यूक्रेन", "र\u200d्\u200dय", "।\u200d।",
    "रूस\u00a0यूक्रेन", "रूस\u202fयूक्रेन\u2009युद्ध", "Russia-यूक्रेन War", "ÉCOLE straße ΣΊΣΥΦΟΣ ﬁnance",
    "İstanbul ǰ ŉ ς", "e\u0301 é E\u0301", "२०२३ में १३ सितंबर, 2,012 लोग", "\u0966\u096f\u0970",
    "𝐀𝐁𝐂 रूस 𠀀 😀 यूक्रेन", "𝐀", "𐐀𐐨 DESERET", "रूस😀यूक्रेन", "क्या?\u037e हाँ", "\u037e", "a\u037eb",
    "ড় \u09bc न\u09bc", "\u1100\u1161 \uac00", "\ud800 रूस", "தமிழ் செய்தி", "ઓમ", "ॐ ऽ ॰ ॱ",
    "SAMP/T एयर-डिफेंस जी7", "(रूस) \"यूक्रेन\" 'युद्ध' — ख़बर…", "\u0952\u0953\u0954 क\u0953",
    "ꣲ ꣳ \ua8e0क", "\u1cd0\u1cd4क\u093c", "\u16ff0\u093c",
]

ALPHABET = [
    "न", "र", "ळ", "क", "ड", "\u093c", "\u09bc", "\u0334", "\u0951", "्", "ा", " ", "\u200d", "\u200c", "\u0929",
    "\u095c", "a", "A", "ß", "é", "e", "\u0301", "।", ";", "\u037e", "𝐀", "𐐀", "२", "-", "\u00a0", "\u0931",
    "\u0934", "\u1100", "\u1161", "İ", "ς", "|", "?", "\u0f73", "\u0344",
]


def random_strings(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def golden_articles() -> Iterator[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    for json_file in sorted(GOLDEN_DIR.glob("*/*.json")):
        fields: dict[str, Any] = json.loads(json_file.read_text(encoding="utf-8"))
        yield (fields.get("title", ""), fields.get("summary", ""), tuple(fields.get("highlights", [])),
               tuple(fields.get("body", [])), tuple(fields.get("tags", [])))


def golden_html() -> list[str]:
    return [decode_html(path.read_bytes(), None) for path in sorted(GOLDEN_DIR.glob("*/*.html"))]


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((TESTS / "seed").glob("*.txt"))]


def synthetic_articles(count: int = 300) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    from benchmarks.bench_store import synthetic

    return [(a.title, a.summary, tuple(a.highlights), tuple(a.body), tuple(a.tags))
            for a in islice(synthetic(count), count)]


def all_texts() -> list[str]:
    texts = [*TRICKY, *random_strings(3000), *golden_html(), *seed_texts()]
    for seed in seed_texts():
        texts += seed.split("\n\n")
    for key in [*golden_articles(), *synthetic_articles()]:
        texts += [key[0], key[1], *key[2], *key[3], *key[4]]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return all_texts()


def mismatches(texts: list[str], new: Any, old: Any) -> list[tuple[str, Any, Any]]:
    found = []
    for text in texts:
        got, want = new(text), old(text)
        if got != want:
            found.append((text[:80], got, want))
    return found[:5]


# --- the same results -----------------------------------------------------------------------------------------


def test_the_corpus_holds_what_the_fast_path_must_handle(texts: list[str]) -> None:
    joined = "".join(texts)
    assert len(texts) > 4000
    for needed in ("\u093c", "\u0929", "\u095b", "\u200d", "\u200c", "\u00a0", "\u037e", "𝐀", "𠀀", "२", "।", "॥"):
        assert needed in joined, f"{needed!r} missing from the corpus"
    assert any(text and unicodedata.normalize("NFC", text) != text for text in texts)


@pytest.mark.parametrize(("name", "new", "old"), [
    ("word_tokens", word_tokens, old_word_tokens),
    ("sentence_words", sentence_words, old_sentence_words),
    ("TextWords.words", lambda text: TextWords(text).words(), old_word_tokens),
    ("TextWords.sentences", lambda text: TextWords(text).sentences(), old_sentence_words),
    ("search_tokens", search_tokens, old_search_tokens),
    ("search_form", search_form, lambda text: " ".join(old_search_tokens(text))),
])
def test_same_as_the_old_tokenizer(texts: list[str], name: str, new: Any, old: Any) -> None:
    assert mismatches(texts, new, old) == [], name


def test_article_forms_and_segments_same_as_the_old_tokenizer() -> None:
    keys = [*golden_articles(), *synthetic_articles(), ("", "", (), (), ()),
            (TRICKY[8], TRICKY[40], tuple(TRICKY[:20]), tuple(TRICKY[20:]), tuple(random_strings(30, seed=3)))]
    assert len(keys) > 300
    for key in keys:
        tokens = ArticleTokens(*key)
        assert tokens.forms == old_forms(*key), key[0]
        for segment, text in [(tokens.title, key[0]), (tokens.summary, key[1]),
                              *zip(tokens.highlights, key[2], strict=True), *zip(tokens.body, key[3], strict=True),
                              *zip(tokens.tags, key[4], strict=True)]:
            assert segment.words() == old_word_tokens(text)
            assert segment.sentences() == old_sentence_words(text)
            assert segment.folded == unicodedata.normalize("NFC", text).casefold()


def test_sentences_are_new_lists_each_caller_may_keep() -> None:
    words = TextWords("रूस ने कहा")
    assert words.sentences() == [["रूस", "ने", "कहा"]]
    words.sentences()[0].append("x")  # a caller's edit must not leak into words() or the search form
    assert words.words() == ["रूस", "ने", "कहा"]


def test_search_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hindi._SEARCH_CACHE, "size", 50)
    words = [f"शब्द{n}ों" for n in range(400)]
    assert [hindi._search_token(word) for word in words] == [old_search_token(word) for word in words]
    assert len(hindi._SEARCH_CACHE) <= 50


# --- what the shortcuts rely on -----------------------------------------------------------------------------


def test_nfc_shortcut_agrees_with_unicodedata(texts: list[str]) -> None:
    nukta_texts = [text + tail for text in random_strings(4000, seed=5) for tail in ("", "\u093c")]
    assert mismatches([*texts, *nukta_texts], hindi._nfc, lambda text: unicodedata.normalize("NFC", text)) == []


def test_nukta_composes_only_after_na_ra_lla() -> None:
    # The shortcut's premises, checked against this Python's Unicode tables.
    composes_with: dict[str, list[str]] = {"\u093c": [], "\u09bc": []}
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            first, second = chr(int(parts[0], 16)), chr(int(parts[1], 16))
            if second in composes_with and unicodedata.normalize("NFC", first + second) == chr(cp):
                composes_with[second].append(first)
    assert composes_with == {"\u093c": ["\u0928", "\u0930", "\u0933"], "\u09bc": []}
    for nukta in composes_with:
        assert unicodedata.combining(nukta) == 7 and unicodedata.decomposition(nukta) == ""
    assert not [c for c in map(chr, range(0x0900, 0x0980)) if 0 < unicodedata.combining(c) < 7]


def test_bmp_classes_agree_with_regex_and_casefold() -> None:
    bmp = "".join(map(chr, range(0x10000)))
    assert hindi._BMP_WORD_RE.findall(bmp) == OLD_WORD_RE.findall(bmp)
    assert "".join(hindi._CASED_OR_ASTRAL_RE.findall(bmp)) == "".join(c for c in bmp if c.casefold() != c)
    assert hindi._CASED_OR_ASTRAL_RE.search("𝐀") and hindi._ASTRAL_RE.search("रूस 😀")
    assert hindi._ASTRAL_RE.search(bmp) is None

"""The search form of Hindi text: tokens for matching, full-text search and near-duplicate detection.

Stored text is never rewritten with these functions (see ``crawler.text.cleaning`` for that); the search
form only has to be the same for every spelling variant of a word, not readable.

Pipeline: ``word_tokens`` (Devanagari-aware words) -> ``normalize_word`` (Lucene's
HindiNormalizer folds) -> ``stem`` (Lucene's HindiStemmer suffixes, adapted to normalized
words, see ``_SUFFIX_GROUPS``).
"""

from __future__ import annotations

import array
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from itertools import chain

import regex

__all__ = [
    "FTS_TOKENIZE",
    "normalize_word",
    "search_form",
    "search_tokens",
    "stem",
    "word_tokens",
]

# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------

_ZW = "\u200c\u200d"  # ZWNJ, ZWJ: they shape conjuncts, so they belong inside a word

# Python's re treats vowel signs and virama as non-word characters and cuts यूक्रेन into
# य/क/र/न; the regex module's property classes keep every mark inside the word. Danda,
# hyphens and all other punctuation fall outside the class and therefore split words.
# This class is the one definition of a word character (the regex module's Unicode tables win over unicodedata's).
_WORD_CLASS = r"[\p{L}\p{M}\p{N}\u200c\u200d]"
_WORD_RE = regex.compile(_WORD_CLASS + "+")
_SENTENCE_END_CLASS = "[।॥!?;|]"
# Words, and each run of sentence ends as "" (the group takes no part): one pass finds both.
_TOKEN_RE = regex.compile(f"({_WORD_CLASS}+)|{_SENTENCE_END_CLASS}+")


def _ranges(runs: Iterable[tuple[int, int]]) -> str:
    """Runs of code points (first, last) as the body of a character class; the characters themselves, which
    ``re`` parses 3x faster than \\u escapes."""
    return "".join(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in runs)


def _bmp_classes() -> tuple[str, str]:
    """The BMP's word characters (``_WORD_CLASS``, taken from ``_WORD_RE`` so that both agree on each one), and its
    characters that ``str.casefold`` changes, as ranges for the stdlib ``re``. ``re`` compiles BMP ranges into one
    bitmap and finds words twice as fast as the regex module."""
    bmp = array.array("I", range(0x10000)).tobytes().decode("utf-32-le", "surrogatepass")  # 2x faster than chr()
    words = [(m.start(), m.end() - 1) for m in _WORD_RE.finditer(bmp)]
    cased: list[tuple[int, int]] = []
    for start in range(0, 0x10000, 256):
        block = bmp[start : start + 256]
        if block.casefold() != block:  # one C call for most blocks
            cased += [(start + i, start + i) for i, char in enumerate(block) if char.casefold() != char]
    return _ranges(words), _ranges(cased)


_BMP_WORDS, _BMP_CASED = _bmp_classes()
_BMP_WORD_RE = re.compile(f"[{_BMP_WORDS}]+")
_BMP_TOKEN_RE = re.compile(f"([{_BMP_WORDS}]+)|{_SENTENCE_END_CLASS}+")
# Text past the BMP goes to the regex module: astral ranges in an `re` class are tried one by one for every
# character outside the bitmap, which would slow down all text. One range at the end costs one comparison.
_ASTRAL = "\U00010000-\U0010ffff"
_ASTRAL_RE = re.compile(f"[{_ASTRAL}]")
_CASED_OR_ASTRAL_RE = re.compile(f"[{_BMP_CASED}{_ASTRAL}]")

# A nukta makes NFC's quick check answer "maybe", and normalize() then decomposes and recomposes the whole text.
# A nukta composes only after न र ळ (into ऩ ऱ ऴ; क़ ज़ ड़ ... are composition exclusions, so NFC keeps them
# decomposed), with nothing between but marks of combining class 1-6, none of them Devanagari. After any other
# Devanagari character it stays as it is, and it differs from the Bengali nukta (same class 7, composes with
# nothing, quick check "yes") only in what it can compose with.
_NUKTA = "\u093c"
_INERT_NUKTA = "\u09bc"
_INERT_BEFORE_NUKTA = frozenset(map(chr, range(0x0900, 0x0980))) - {"\u0928", "\u0930", "\u0933"}


def _nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``, without its slow path for a nukta that cannot compose."""
    if _NUKTA in text:
        before = text.split(_NUKTA)
        before.pop()
        if all(piece[-1:] in _INERT_BEFORE_NUKTA for piece in before) and unicodedata.is_normalized(
            "NFC", text.replace(_NUKTA, _INERT_NUKTA)
        ):
            return text
    return unicodedata.normalize("NFC", text)


def _fold(text: str) -> tuple[str, bool]:
    """``text.casefold()``, and whether it lies within the BMP; one scan for text casefolding leaves as it is."""
    if _CASED_OR_ASTRAL_RE.search(text) is None:
        return text, True
    folded = text.casefold()
    return folded, _ASTRAL_RE.search(folded) is None


def _strip_joiners(tokens: list[str]) -> list[str]:
    # A joiner only means something between two letters; at an edge it is noise. "" (a sentence end) stays.
    stripped = []
    for token in tokens:
        if token:
            token = token.strip(_ZW)
            if not token:
                continue
        stripped.append(token)
    return stripped


def _words(folded: str, bmp: bool) -> list[str]:
    """The words of NFC, casefolded text (``bmp``: it has no character past U+FFFF)."""
    words = (_BMP_WORD_RE if bmp else _WORD_RE).findall(folded)
    return _strip_joiners(words) if "\u200c" in folded or "\u200d" in folded else words


def _tokens(folded: str, bmp: bool) -> list[str]:
    """The words of NFC, casefolded text in order, with "" where sentence ends stand (maybe several in a row)."""
    tokens = (_BMP_TOKEN_RE if bmp else _TOKEN_RE).findall(folded)
    return _strip_joiners(tokens) if "\u200c" in folded or "\u200d" in folded else tokens


def word_tokens(text: str) -> list[str]:
    """Raw words of ``text`` (NFC, Latin casefolded), marks and joiners kept inside words."""
    if not text:
        return []
    return _words(*_fold(_nfc(text)))


# ---------------------------------------------------------------------------
# Normalizer: org.apache.lucene.analysis.hi.HindiNormalizer, rule for rule
# ---------------------------------------------------------------------------

_VIRAMA = "\u094d"
_ANUSVARA = "\u0902"
_DEAD_NA = "\u0928" + _VIRAMA  # न्

# Lucene's single-character cases as one translate table (None = delete).
_FOLD = str.maketrans(
    {
        "\u0901": "\u0902",  # chandrabindu -> anusvara
        "\u093c": None,  # nukta deleted
        "\u0929": "\u0928",  # ऩ -> न
        "\u0931": "\u0930",  # ऱ -> र
        "\u0934": "\u0933",  # ऴ -> ळ
        "\u0958": "\u0915",  # क़ -> क
        "\u0959": "\u0916",  # ख़ -> ख
        "\u095a": "\u0917",  # ग़ -> ग
        "\u095b": "\u091c",  # ज़ -> ज
        "\u095c": "\u0921",  # ड़ -> ड
        "\u095d": "\u0922",  # ढ़ -> ढ
        "\u095e": "\u092b",  # फ़ -> फ
        "\u095f": "\u092f",  # य़ -> य
        "\u200d": None,  # ZWJ deleted
        "\u200c": None,  # ZWNJ deleted
        _VIRAMA: None,  # virama deleted
        "\u0945": "\u0947",  # chandra e sign ॅ -> े
        "\u0946": "\u0947",  # short e sign ॆ -> े
        "\u0949": "\u094b",  # chandra o sign ॉ -> ो
        "\u094a": "\u094b",  # short o sign ॊ -> ो
        "\u090d": "\u090f",  # ऍ -> ए
        "\u090e": "\u090f",  # ऎ -> ए
        "\u0911": "\u0913",  # ऑ -> ओ
        "\u0912": "\u0913",  # ऒ -> ओ
        "\u0972": "\u0905",  # ॲ -> अ
        "\u0906": "\u0905",  # आ -> अ (independent vowel only; the sign ा stays)
        "\u0908": "\u0907",  # ई -> इ
        "\u090a": "\u0909",  # ऊ -> उ
        "\u0960": "\u090b",  # ॠ -> ऋ
        "\u0961": "\u090c",  # ॡ -> ऌ
        "\u0910": "\u090f",  # ऐ -> ए
        "\u0914": "\u0913",  # औ -> ओ
        "\u0940": "\u093f",  # ी -> ि
        "\u0942": "\u0941",  # ू -> ु
        "\u0944": "\u0943",  # ॄ -> ृ
        "\u0963": "\u0962",  # ॣ -> ॢ
        "\u0948": "\u0947",  # ै -> े
        "\u094c": "\u094b",  # ौ -> ो
    }
)


def normalize_word(word: str) -> str:
    """Fold spelling variants of one word the way Lucene's HindiNormalizer does.

    Lucene checks "न followed by virama" before the virama is deleted, and only for a
    plain न (U+0928) in the input, so the dead-NA replace must run before the table.
    Lucene folds no other half nasal: म्/ण्/ङ्/ञ् only lose their virama (सम्बन्ध -> समबंध,
    संबंध stays संबंध), and the vowel sign ा is never folded (मॉस्को -> मोसको, मास्को -> मासको).
    """
    if _DEAD_NA in word:
        word = word.replace(_DEAD_NA, _ANUSVARA)
    return word.translate(_FOLD)


# ---------------------------------------------------------------------------
# Stemmer: org.apache.lucene.analysis.hi.HindiStemmer, adapted to normalized words
# ---------------------------------------------------------------------------

# Lucene's list, by suffix length; a suffix of length n is removed only from a word longer
# than n + 1 characters, so at least two characters always remain.
_LUCENE_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("ाएंगी", "ाएंगे", "ाऊंगी", "ाऊंगा", "ाइयाँ", "ाइयों", "ाइयां"),
    (
        "ाएगी", "ाएगा", "ाओगी", "ाओगे", "एंगी", "ेंगी", "एंगे", "ेंगे", "ूंगी", "ूंगा",
        "ातीं", "नाओं", "नाएं", "ताओं", "ताएं", "ियाँ", "ियों", "ियां",
    ),
    (
        "ाकर", "ाइए", "ाईं", "ाया", "ेगी", "ेगा", "ोगी", "ोगे", "ाने", "ाना", "ाते",
        "ाती", "ाता", "तीं", "ाओं", "ाएं", "ुओं", "ुएं", "ुआं",
    ),
    (
        "कर", "ाओ", "िए", "ाई", "ाए", "ने", "नी", "ना", "ते", "ीं", "ती", "ता", "ाँ",
        "ां", "ों", "ें",
    ),
    ("ो", "े", "ू", "ु", "ी", "ि", "ा"),
)  # fmt: skip

_SHORT_I = "\u093f"  # ि
_LONG_I = "\u0940"  # ी


def _keep_folded(raw: str, folded: str) -> bool:
    """Whether a suffix still means what it meant once the normalizer has folded it.

    A suffix ending in ी (नी, ती, ोगी, ेंगी ...) folds to one ending in ि, and then it also
    matches the ordinary -ि/-ी endings of nouns and adjectives: यूक्रेनी, सहयोगी,
    राष्ट्रपति would lose a consonant (युक्रे, सहय, राष्ट्रप) while their other forms keep it.
    Those are left to the one-letter ि rule, which is what Lucene's own analyzer chain
    (normalize, then the raw list) ends up doing with them.
    """
    return not (raw.endswith(_LONG_I) and folded.endswith(_SHORT_I) and len(folded) > 1)


def _normalized_suffixes() -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Lucene's suffixes run through the normalizer: stemming sees only normalized words."""
    groups = []
    for raw_group in _LUCENE_SUFFIXES:
        seen: dict[str, None] = {}
        for raw in raw_group:
            folded = normalize_word(raw)
            if _keep_folded(raw, folded):
                seen.setdefault(folded, None)
        size = len(raw_group[0])
        groups.append((size, tuple(seen)))
    return tuple(groups)


# (suffix length, suffixes); str.endswith takes a tuple, so each group is one C call.
_SUFFIX_GROUPS = _normalized_suffixes()

_DEVANAGARI_RE = regex.compile(r"[\u0900-\u097f]")


def stem(word: str) -> str:
    """Strip one inflectional suffix (Lucene HindiStemmer lengths 5..1) from a normalized word."""
    length = len(word)
    for size, suffixes in _SUFFIX_GROUPS:
        if length > size + 1 and word.endswith(suffixes):
            return word[:-size]
    return word


# ---------------------------------------------------------------------------
# Search form
# ---------------------------------------------------------------------------


class _SearchTokens(dict[str, str]):
    """Word -> search token. A news corpus repeats a small vocabulary, so one lookup replaces two passes; a dict
    that fills itself, so that a whole text is looked up by one map() at C speed. Emptied when full (it refills
    within a few articles)."""

    size = 200_000

    def __missing__(self, word: str) -> str:
        if _DEVANAGARI_RE.search(word) is None:
            token = word  # Latin, digits, other scripts: casefolded already, never stemmed
        else:
            token = stem(normalize_word(word))
        if len(self) >= self.size:
            self.clear()
        self[word] = token
        return token


_SEARCH_CACHE = _SearchTokens()
_search_token = _SEARCH_CACHE.__getitem__


def search_tokens(text: str) -> list[str]:
    """Normalized, stemmed tokens of ``text`` in order (duplicates kept, for phrases)."""
    return list(filter(None, map(_search_token, word_tokens(text))))


def search_form(text: str) -> str:
    """The whole text as space-separated search tokens, for the FTS index and shingling."""
    return " ".join(search_tokens(text))


# ---------------------------------------------------------------------------
# SQLite FTS5
# ---------------------------------------------------------------------------

# Preferred: every letter, digit, private-use and mark character is a token character.
_FTS_CATEGORIES = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
# Older SQLite without `categories`: name the Devanagari combining marks (and joiners).
_DEVANAGARI_MARKS = "".join(
    chr(cp)
    for lo, hi in ((0x0900, 0x0903), (0x093A, 0x094F), (0x0951, 0x0957), (0x0962, 0x0963))
    for cp in range(lo, hi + 1)
)
_FTS_TOKENCHARS = f"unicode61 remove_diacritics 0 tokenchars '{_DEVANAGARI_MARKS}{_ZW}'"


def _pick_fts_tokenize() -> str:
    """The first tokenize argument this machine's SQLite accepts."""
    conn = sqlite3.connect(":memory:")
    try:
        quoted = _FTS_CATEGORIES.replace("'", "''")
        conn.execute(f"CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='{quoted}')")
        return _FTS_CATEGORIES
    except sqlite3.OperationalError:
        return _FTS_TOKENCHARS
    finally:
        conn.close()


# The FTS5 `tokenize` option for tables over search_form text. It holds single quotes:
# pass it through a parameter-quoting API (sqlite-utils `enable_fts(tokenize=...)` quotes it)
# or double the quotes when writing SQL by hand.
FTS_TOKENIZE: str = _pick_fts_tokenize()

# ---------------------------------------------------------------------------
# One article, tokenized once
# ---------------------------------------------------------------------------

# Where a sentence ends: a phrase of a topic rule must not run across one (crawler.alerts.rules).
SENTENCE_END_RE = regex.compile(_SENTENCE_END_CLASS + "+")


def sentence_words(text: str) -> list[list[str]]:
    """``word_tokens`` of each sentence of ``text`` (split at ``SENTENCE_END_RE``), sentences without words left
    out. Flattened, the same words as ``word_tokens(text)``: sentence ends are not word characters."""
    return TextWords(text).sentences() if text else []


def _split_at_ends(tokens: list[str]) -> list[list[str]]:
    """``_tokens`` cut at each "" (a sentence end), sentences without words left out."""
    sentences = []
    start, size = 0, len(tokens)
    while start < size:
        try:
            stop = tokens.index("", start)
        except ValueError:
            stop = size
        if stop > start:
            sentences.append(tokens[start:stop])
        start = stop + 1
    return sentences


class TextWords:
    """One piece of text, NFC-normalized, casefolded and tokenized once: its words flat (``words()``, what
    ``word_tokens`` gives) for search forms, and by sentence (``sentences()``, made on first use) for topic
    phrases. One pass finds both: the words in order, with "" where a sentence ends."""

    __slots__ = ("_changed", "_sentences", "_tokens", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentences: list[list[str]] | None = None
        normalized = _nfc(text) if text else ""
        self._changed = normalized != text
        self.folded, bmp = _fold(normalized)
        self._tokens = _tokens(self.folded, bmp) if self.folded else []

    def words(self) -> list[str]:
        return list(filter(None, self._tokens))

    def sentences(self) -> list[list[str]]:
        """``sentence_words(text)``."""
        if self._sentences is None:
            if self._changed:
                # NFC can make a sentence end out of another character (U+037E -> ';'): split the text as written.
                self._sentences = [words for words in map(word_tokens, SENTENCE_END_RE.split(self.text)) if words]
            else:
                self._sentences = _split_at_ends(self._tokens)
        return self._sentences

    def form_words(self) -> list[str]:
        """The words of the sentences in order (with "" between them when that is cheaper): what the search form
        is made of, so that it always agrees with the sentences topic matching sees."""
        if self._changed:
            return [word for words in self.sentences() for word in words]
        return self._tokens


def _search_tokens_of(segments: list[TextWords]) -> list[str]:
    """Every search token of a field made of ``segments``, in order."""
    words = chain.from_iterable(segment.form_words() for segment in segments)
    return list(filter(None, map(_search_token, words)))


class ArticleTokens:
    """An article's text by field and segment (``TextWords``), normalized and tokenized once and shared by the
    content fingerprint (dedup), the full-text index, story shingles and topic matching. ``key`` is the text it
    was made from, so a holder can tell when the article has changed since (see ``crawler.items.Article.tokens``).
    """

    __slots__ = ("body", "forms", "highlights", "key", "story_tokens", "summary", "tags", "title")

    def __init__(self, title: str, summary: str, highlights: tuple[str, ...], body: tuple[str, ...],
                 tags: tuple[str, ...]) -> None:
        self.key = (title, summary, highlights, body, tags)
        self.title = TextWords(title)
        self.summary = TextWords(summary)
        self.highlights = [TextWords(item) for item in highlights]
        self.body = [TextWords(paragraph) for paragraph in body]
        self.tags = [TextWords(item) for item in tags]
        # The search form of each FTS column: title, summary, highlights (items joined by a danda), body
        # (paragraphs joined), tags. Every one is needed for each stored article, so all are made now.
        tokens = {name: _search_tokens_of(segments)
                  for name, segments in (("title", [self.title]), ("summary", [self.summary]),
                                         ("highlights", self.highlights), ("body", self.body), ("tags", self.tags))}
        self.forms = {name: " ".join(field) for name, field in tokens.items()}
        # What a story is recognised by (crawler.store.stories.story_text): the body's tokens, else the title's. Kept as
        # a list so that shingling does not split the joined form again.
        self.story_tokens = tokens["body"] or tokens["title"]

    def search_form(self, name: str) -> str:
        """``search_form`` of a field as the FTS index has it (see ``forms``)."""
        return self.forms[name]

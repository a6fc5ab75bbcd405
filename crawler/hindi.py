"""The search form of Hindi text: tokens for matching, full-text search and near-duplicate detection.

Stored text is never rewritten with these functions (see ``crawler.text`` for that); the search
form only has to be the same for every spelling variant of a word, not readable.

Pipeline: ``word_tokens`` (Devanagari-aware words) -> ``normalize_word`` (Lucene's
HindiNormalizer folds) -> ``stem`` (Lucene's HindiStemmer suffixes, adapted to normalized
words, see ``_SUFFIX_GROUPS``).
"""

from __future__ import annotations

import sqlite3
import unicodedata
from functools import lru_cache

import regex

__all__ = [
    "FTS_TOKENIZE",
    "fts_query",
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
_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]+")


def word_tokens(text: str) -> list[str]:
    """Raw words of ``text`` (NFC, Latin casefolded), marks and joiners kept inside words."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text).casefold()
    words = _WORD_RE.findall(text)
    if "\u200c" in text or "\u200d" in text:
        # A joiner only means something between two letters; at an edge it is noise.
        words = [w for w in (word.strip(_ZW) for word in words) if w]
    return words


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


@lru_cache(maxsize=200_000)
def _search_token(word: str) -> str:
    # A news corpus repeats a small vocabulary, so one cache hit replaces two passes.
    if _DEVANAGARI_RE.search(word) is None:
        return word  # Latin, digits, other scripts: casefolded already, never stemmed
    return stem(normalize_word(word))


def search_tokens(text: str) -> list[str]:
    """Normalized, stemmed tokens of ``text`` in order (duplicates kept, for phrases)."""
    return [tok for tok in map(_search_token, word_tokens(text)) if tok]


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

_OPERATORS = frozenset({"AND", "OR", "NOT"})
# Quoted phrase (closing quote optional), parentheses, or a run of anything else.
_QUERY_RE = regex.compile(r'"(?P<phrase>[^"]*)"?(?P<pstar>\*)?|(?P<paren>[()])|(?P<bare>[^\s()"]+)')


def _quote(tokens: list[str], prefix: bool = False) -> str:
    body = " ".join(tokens).replace('"', '""')
    return f'"{body}"' + ("*" if prefix else "")


def _term(text: str, prefix: bool) -> str | None:
    """One FTS5 phrase for a bare word or quoted phrase; the last word may be a prefix."""
    if not prefix:
        tokens = search_tokens(text)
        return _quote(tokens) if tokens else None
    words = word_tokens(text)
    if not words:
        return None
    # A prefix is an unfinished word: normalize it but do not stem what is not there yet.
    tokens = [_search_token(w) for w in words[:-1]] + [normalize_word(words[-1])]
    tokens = [t for t in tokens if t]
    return _quote(tokens, prefix=True) if tokens else None


def _lex(user_query: str) -> list[tuple[str, str]]:
    """(kind, text) items: kind is 'op', '(', ')' or 'term'."""
    items: list[tuple[str, str]] = []
    for m in _QUERY_RE.finditer(user_query):
        if m.group("paren"):
            items.append((m.group("paren"), m.group("paren")))
            continue
        bare = m.group("bare")
        if bare in _OPERATORS:
            items.append(("op", bare))
            continue
        if bare is not None:
            term = _term(bare.rstrip("*"), prefix=bare.endswith("*"))
        else:
            term = _term(m.group("phrase"), prefix=bool(m.group("pstar")))
        if term:
            items.append(("term", term))
    return items


def _balance(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop unmatched ')' and close any '(' left open."""
    out: list[tuple[str, str]] = []
    depth = 0
    for kind, text in items:
        if kind == ")":
            if depth == 0:
                continue
            depth -= 1
        elif kind == "(":
            depth += 1
        out.append((kind, text))
    return out + [(")", ")")] * depth


def _tidy_once(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One pass removing empty groups and operators without an operand on each side."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(items):
        kind, text = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else (None, "")
        prev = out[-1][0] if out else None
        i += 1
        if kind == "(" and nxt[0] == ")":
            i += 1  # "()" says nothing
        elif kind == "op" and nxt == ("op", "NOT"):
            if text == "OR":
                raise ValueError("OR NOT cannot be searched; leave words out with NOT, as in 'रूस NOT क्रिकेट'.")
            # "a AND NOT b" is what FTS5 spells "a NOT b"; any other doubled operator is a typo.
        elif kind == "op" and (prev in (None, "op", "(") or nxt[0] in (None, "op", ")")):
            if text == "NOT" and prev in (None, "op", "("):
                # Dropping it would search for the very thing the user wanted excluded.
                raise ValueError("NOT needs something to search for before it, as in 'रूस NOT क्रिकेट'.")
        else:
            out.append((kind, text))
    return out


def fts_query(user_query: str) -> str:
    """A safe FTS5 MATCH expression over search_form text for what a user typed.

    Bare words and "quoted phrases" become quoted phrases of search tokens, AND/OR/NOT
    (upper case) and parentheses stay operators, ``word*`` is a prefix query.
    """
    items = _balance(_lex(user_query or ""))
    while True:
        tidy = _tidy_once(items)
        if tidy == items:
            break
        items = tidy
    if not any(kind == "term" for kind, _ in items):
        raise ValueError("The search query has no words to look for.")
    return " ".join(text for _, text in items)


# ---------------------------------------------------------------------------
# One article, tokenized once
# ---------------------------------------------------------------------------

# Where a sentence ends: a phrase of a topic rule must not run across one (crawler.topics).
SENTENCE_END_RE = regex.compile(r"[।॥!?;|]+")


def sentence_words(text: str) -> list[list[str]]:
    """``word_tokens`` of each sentence of ``text`` (split at ``SENTENCE_END_RE``), sentences without words left
    out. Flattened, the same words as ``word_tokens(text)``: sentence ends are not word characters."""
    if not text:
        return []
    normalized = unicodedata.normalize("NFC", text)
    if normalized != text:
        # NFC can make a sentence end out of another character (U+037E -> ';'): split the text as written.
        return [words for words in map(word_tokens, SENTENCE_END_RE.split(text)) if words]
    folded = normalized.casefold()
    sentences = [_WORD_RE.findall(sentence) for sentence in SENTENCE_END_RE.split(folded)]
    if "\u200c" in folded or "\u200d" in folded:
        sentences = [[w for w in (word.strip(_ZW) for word in words) if w] for words in sentences]
    return [words for words in sentences if words]


class TextWords:
    """One piece of text, NFC-normalized and casefolded once: its words flat (``words()``, what ``word_tokens``
    gives) for search forms, and by sentence (``sentences()``, made on first use) for topic phrases. The word
    lists are not kept unless asked for by sentence: an article may be held on to for a while."""

    __slots__ = ("_changed", "_sentences", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentences: list[list[str]] | None = None
        normalized = unicodedata.normalize("NFC", text) if text else ""
        self._changed = normalized != text
        self.folded = normalized.casefold()

    def words(self) -> list[str]:
        words = _WORD_RE.findall(self.folded)
        if "\u200c" in self.folded or "\u200d" in self.folded:
            words = [w for w in (word.strip(_ZW) for word in words) if w]
        return words

    def sentences(self) -> list[list[str]]:
        """``sentence_words(text)``."""
        if self._sentences is None:
            self._sentences = self._split()
        return self._sentences

    def _split(self) -> list[list[str]]:
        if self._changed:
            # NFC can make a sentence end out of another character (U+037E -> ';'): split the text as written.
            return [words for words in map(word_tokens, SENTENCE_END_RE.split(self.text)) if words]
        if SENTENCE_END_RE.search(self.folded) is None:
            words = self.words()
            return [words] if words else []
        sentences = [_WORD_RE.findall(sentence) for sentence in SENTENCE_END_RE.split(self.folded)]
        if "\u200c" in self.folded or "\u200d" in self.folded:
            sentences = [[w for w in (word.strip(_ZW) for word in words) if w] for words in sentences]
        return [words for words in sentences if words]


class ArticleTokens:
    """An article's text by field and segment (``TextWords``), normalized and tokenized once and shared by the
    content fingerprint (dedup), the full-text index, story shingles and topic matching. ``key`` is the text it
    was made from, so a holder can tell when the article has changed since (see ``crawler.items.Article.tokens``).
    """

    __slots__ = ("body", "forms", "highlights", "key", "summary", "tags", "title")

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
        # Made from the sentences (flattened, the same words as words()): topic matching needs them split by
        # sentence, so each segment is tokenized once for both.
        self.forms = {name: " ".join([tok for segment in segments for sentence in segment.sentences()
                                      for tok in map(_search_token, sentence) if tok])
                      for name, segments in (("title", [self.title]), ("summary", [self.summary]),
                                             ("highlights", self.highlights), ("body", self.body),
                                             ("tags", self.tags))}

    def search_form(self, name: str) -> str:
        """``search_form`` of a field as the FTS index has it (see ``forms``)."""
        return self.forms[name]

"""Words and terms of topic rules: a word's normalized and stemmed forms (remembered), a word as a rule matches it
(stemmed, exact with its generated spellings, or a prefix), a term (a word or a phrase) compiled from the config, and
how a word's position in an article is written. ``crawler.alerts.rules`` builds rules of terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress

import regex

from crawler.alerts.variants import variants as name_variants
from crawler.text.hindi import normalize_word, stem, word_tokens

# Phrases must not run across a sentence end (crawler.text.hindi.SENTENCE_END_RE); NEAR may (a name and the war in
# adjacent sentences).
POSITION_SHIFT = 20  # a position is (stream index << POSITION_SHIFT) | token index
POSITION_LOCAL = (1 << POSITION_SHIFT) - 1
# A term has at most 2**WIDTH_BITS - 1 words, and terms get keys below 2**KEY_BITS (a match packs both, with where it
# stands, into one int: crawler.alerts.matcher.Hit).
WIDTH_BITS = 6
KEY_BITS = 24
_REPEATED_MARK = regex.compile(r"(\p{M})\1+")


class RuleError(ValueError):
    """A topic rule that cannot work; ``key`` is the config key at fault (``rule``, ``terms`` ...)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


# word -> (normalized, stemmed). A plain dict, not lru_cache: an article looks up a few hundred words right after
# parsing and storing have pushed the cache out of the CPU's caches, and an lru hit also relinks its entry.
WORD_FORMS: dict[str, tuple[str, str]] = {}
WORD_FORMS_MAX = 200_000


def word_forms(word: str) -> tuple[str, str]:
    """(normalized, stemmed) forms of one word from ``word_tokens``.

    Stemming only touches Devanagari suffixes, so Latin words come back unchanged (casefolded
    by word_tokens). A doubled sign (a typed-twice anusvara, जेलेंंस्की) folds to one.
    """
    found = WORD_FORMS.get(word)
    if found is None:
        if len(WORD_FORMS) >= WORD_FORMS_MAX:
            WORD_FORMS.clear()  # a long run's vocabulary keeps growing; start over rather than grow without end
        found = WORD_FORMS[word] = _word_forms(word)
    return found


def _word_forms(word: str) -> tuple[str, str]:
    normalized = normalize_word(word)
    if _REPEATED_MARK.search(normalized):
        normalized = _REPEATED_MARK.sub(r"\1", normalized)
    return normalized, stem(normalized)


@dataclass(frozen=True, slots=True)
class Word:
    kind: str  # "exact", "stem" or "prefix"
    form: str
    # A stem of two letters (सेना -> से) would also be a postposition: only inflected words count.
    inflected_only: bool = False
    # A name's generated spellings (crawler.alerts.variants): (normalized form, the rules that made it, as spelled).
    spellings: tuple[tuple[str, str, str], ...] = ()
    # Every normalized form that matches an exact word: its own and its spellings'.
    forms: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", frozenset((self.form, *(form for form, _, _ in self.spellings))))

    def how(self, normalized: str) -> str:
        """The rules that spelled ``normalized`` from this name ("" for its own form)."""
        if normalized != self.form:
            for form, rules, _ in self.spellings:
                if form == normalized:
                    return rules
        return ""


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as written in the config: what an alert reports
    words: tuple[Word, ...]
    # The same words get the same key in every topic, so one article's lookups are shared.
    key: int = field(default=0, compare=False)
    # A name (from `terms` or `names`) says who or where; vocabulary (everything else) says what happens.
    is_name: bool = field(default=False, compare=False)
    # Whether a word of it has generated spellings (then a hit says which spelling it was).
    spelled: bool = field(default=False, compare=False)


_TERM_KEYS: dict[tuple[Word, ...], int] = {}


def compile_term(text: str, key: str, default: str = "stem", names: frozenset[str] = frozenset(),
                 spellings: bool = False, is_name: bool | None = None, listed: frozenset[str] = frozenset()) -> Term:
    """One config term: ``word``, ``two words``, ``=exact name``, ``prefix*``.

    With ``spellings``, each name word also matches its generated spellings (``crawler.alerts.variants``), except
    those that are a name of the topic as listed (``listed``: reported as that name, not as a variant); ``=name`` is
    never varied. ``is_name``: by default, a term of a list of names, or a term whose every word is a name.
    """
    raw = text.strip()
    exact = raw.startswith("=")
    body = raw[1:].strip() if exact else raw
    prefix = body.endswith("*")
    body = body.rstrip("*")
    if "*" in body:
        raise RuleError(key, f"{text!r}: '*' only goes at the end of a word, as in 'Zelensk*'")
    words = word_tokens(body)
    if not words:
        raise RuleError(key, f"{text!r} has no words to match")
    if len(words) >= 1 << WIDTH_BITS:
        raise RuleError(key, f"{text[:40]!r}...: a term has at most {(1 << WIDTH_BITS) - 1} words")
    compiled = []
    for index, raw_word in enumerate(words):
        normalized, stemmed = word_forms(raw_word)
        if prefix and index == len(words) - 1:
            compiled.append(Word("prefix", normalized))
        elif exact or default == "exact" or normalized in names:
            found = name_variants(raw_word) if spellings and not exact else []
            spelled = tuple(dict.fromkeys(
                (_collapse(v.form), v.how, v.written) for v in found
                if v.how and _collapse(v.form) != normalized and _collapse(v.form) not in listed))
            compiled.append(Word("exact", normalized, spellings=spelled))
        else:
            compiled.append(Word("stem", stemmed, inflected_only=len(stemmed) <= 2 and stemmed != normalized))
    if is_name is None:
        is_name = default == "exact" or (all(word_forms(w)[0] in names for w in words) and not prefix)
    words_key = tuple(compiled)
    if words_key not in _TERM_KEYS and len(_TERM_KEYS) + 1 >= 1 << KEY_BITS:
        raise RuleError(key, f"more than {(1 << KEY_BITS) - 1:,} distinct terms in one process")
    return Term(text=raw, words=words_key, is_name=is_name, spelled=any(w.spellings for w in compiled),
                key=_TERM_KEYS.setdefault(words_key, len(_TERM_KEYS) + 1))


def _collapse(form: str) -> str:
    """A generated spelling as ``word_forms`` would give it (a doubled sign folded to one)."""
    return _REPEATED_MARK.sub(r"\1", form) if _REPEATED_MARK.search(form) else form


class Lexicon:
    """The words a set of topics looks for, numbered, and which of them a word as written is.

    What a written word is depends only on the word, so it is worked out once and remembered: news repeats its
    vocabulary, and after the first articles finding every word an article holds is one dict lookup per distinct word
    (``crawler.alerts.article.ArticleText.found``). A term is its words' numbers (``term_words``); a term is present
    when all of them are (``present``).
    """

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self._ids: dict[Word, int] = {}
        self._exact: dict[str, list[int]] = {}  # normalized form -> the exact words (a name in any of its spellings)
        self._stem: dict[str, list[tuple[int, bool]]] = {}  # stemmed form -> (word, inflected only)
        self._prefixes: list[tuple[str, int]] = []
        self.term_words: dict[int, tuple[int, ...]] = {}  # term key -> its words' numbers, in order
        self._single: dict[int, list[int]] = {}  # a word -> the keys of the one-word terms it is
        self._heads: dict[int, list[tuple[int, frozenset[int]]]] = {}  # a phrase's first word -> (term key, the rest)
        self.written: dict[str, tuple[int, ...]] = {"": ()}  # a word as written -> the numbers of the words it is
        for term in terms:
            self.add(term)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (to a parse worker) without what it learned about written words: that is rebuilt there."""
        return {**self.__dict__, "written": {"": ()}}

    def add(self, term: Term) -> None:
        if term.key in self.term_words:
            return
        numbers = tuple(self._number(word) for word in term.words)
        self.term_words[term.key] = numbers
        if len(numbers) == 1:
            self._single.setdefault(numbers[0], []).append(term.key)
        else:
            self._heads.setdefault(numbers[0], []).append((term.key, frozenset(numbers[1:])))

    def _number(self, word: Word) -> int:
        number = self._ids.get(word)
        if number is None:
            number = self._ids[word] = len(self._ids)
            if word.kind == "exact":
                for form in word.forms:
                    self._exact.setdefault(form, []).append(number)
            elif word.kind == "stem":
                self._stem.setdefault(word.form, []).append((number, word.inflected_only))
            else:
                self._prefixes.append((word.form, number))
            self.written = {"": ()}  # what a written word is may have changed: work it out again
        return number

    def words_of(self, written: str) -> tuple[int, ...]:
        """The numbers of the words ``written`` is (remembered)."""
        found = self.written.get(written)
        if found is None:
            if len(self.written) >= WORD_FORMS_MAX:
                self.written = {"": ()}  # a long run's vocabulary keeps growing; start over rather than grow
            found = self.written[written] = self._words_of(written)
        return found

    def _words_of(self, written: str) -> tuple[int, ...]:
        """As ``crawler.alerts.rules`` defines a match: an exact word by any of its normalized forms, a stemmed word by
        its stem (an inflected-only stem not by the bare word), a prefix by the start of the normalized form."""
        normalized, stemmed = word_forms(written)
        if not normalized:
            return ()
        found = list(self._exact.get(normalized, ()))
        found += [number for number, inflected_only in self._stem.get(stemmed, ())
                  if not (inflected_only and normalized == stemmed)]
        found += [number for prefix, number in self._prefixes if normalized.startswith(prefix)]
        return tuple(found)

    def words_in(self, words: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
        """Of ``words`` (an article's written words), those that are words of the lexicon, with their numbers: the few
        words of an article a topic can look at, in a dict small enough to stay in the CPU's cache."""
        found = list(map(self.written.get, words))  # C-speed: one lookup a word
        if None in found:  # words not seen before: news repeats its words, so they are few
            at = found.index(None)
            while True:
                found[at] = self.words_of(words[at])
                try:
                    at = found.index(None, at + 1)
                except ValueError:
                    break
        return dict(zip(compress(words, found), filter(None, found), strict=True))  # () is no word of the lexicon

    def present(self, found: set[int]) -> set[int]:
        """Keys of the terms whose every word is in ``found``."""
        single = self._single  # (a set's intersection with a dict walks the dict: filter walks the few found)
        keys = set(chain.from_iterable(map(single.__getitem__, filter(single.__contains__, found))))
        heads = self._heads
        for number in filter(heads.__contains__, found):
            for key, rest in heads[number]:
                if rest <= found:
                    keys.add(key)
        return keys

"""An article as its words' positions: every token of its parts (title, summary, highlights, lead, body, tags) by
normalized and by stemmed form, built once per article and read by the matcher (``crawler.alerts.matcher``).
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from itertools import compress
from typing import Any

import regex

from crawler.alerts.rules import POSITION_LOCAL, POSITION_SHIFT, STREAMS, WORD_FORMS, Term, Word, word_forms
from crawler.items import Article
from crawler.store.sqlite import json_list
from crawler.text.hindi import TextWords, sentence_words, word_tokens

# A "." followed by a space ends a sentence too (for telling the story's opening from a passing mention).
FULL_STOP = regex.compile(r"(?<=\.)(?=\s)")
_LEAD = STREAMS.index("lead")


class ArticleText:
    """Every token of an article's parts, by normalized and by stemmed form.

    Built once per article. The forms of each distinct word (a news text repeats its words) and
    their sets (C-speed to build) tell which topics can match at all; the positions of each form
    are indexed only when some topic needs them. A position carries its part (title, lead ...);
    an empty slot separates sentences and items.
    """

    __slots__ = ("_distinct", "_distinct_norms", "_distinct_stems", "_lead_text", "_norm_pos", "_position_sets",
                 "_prefixes", "_scope", "_sentences", "_sorted", "_stem_pos", "_streams", "_surfaces", "norm_set",
                 "stem_set")
    _sorted: list[str] | None  # the article's normalized forms in order, for prefix lookups (made on first use)

    def __init__(self, parts: Mapping[str, Iterable[str]]) -> None:
        texts = {name: list(parts.get(name, ())) for name in STREAMS}
        surfaces = _surfaces({name: [sentence_words(segment) for segment in texts[name]] for name in STREAMS})
        self._surfaces: list[list[str]] | None = surfaces
        self._streams: Callable[[], Mapping[str, Iterable[list[list[str]]]]] = dict
        self._index_words(set().union(*surfaces))
        self._lead_text: str | TextWords = texts["lead"][0] if texts["lead"] else ""

    @property
    def surfaces(self) -> list[list[str]]:
        """Each part's words in order, with "" where a sentence or item ends: made on first use, so an article no
        topic can match is never split into sentences."""
        if self._surfaces is None:
            self._surfaces = surfaces = _surfaces(self._streams())
            # A text that NFC changed is split from its raw form (crawler.text.hindi.TextWords.sentences); its words
            # are then the same but for pathological input, whose forms are added here so positions stay whole.
            extra = set().union(*surfaces).difference(self._distinct)
            extra.discard("")
            if extra:
                words = tuple(extra)
                forms = [word_forms(word) for word in words]
                self._distinct += words
                self._distinct_norms += tuple(norm for norm, _ in forms)
                self._distinct_stems += tuple(stem for _, stem in forms)
                self.norm_set.update(norm for norm, _ in forms if norm)
                self.stem_set.update(stem for _, stem in forms if stem)
                self._sorted = None
            return surfaces
        return self._surfaces

    def _index_words(self, distinct: set[str]) -> None:
        """The forms of each distinct word and their sets. Later lookups of one word's forms are word_forms cache
        hits."""
        distinct.discard("")
        self._distinct: tuple[str, ...] = tuple(distinct)
        forms = list(map(WORD_FORMS.get, self._distinct))  # C-speed: a known word costs no Python call
        if not all(forms):
            forms = [found or word_forms(word) for found, word in zip(forms, self._distinct, strict=True)]
        norms, stems = zip(*forms, strict=True) if forms else ((), ())
        self._distinct_norms: tuple[str, ...] = norms
        self._distinct_stems: tuple[str, ...] = stems
        self.norm_set: set[str] = set(norms)
        self.stem_set: set[str] = set(stems)
        self.norm_set.discard("")
        self.stem_set.discard("")
        self._norm_pos: dict[str, list[int]] = {}
        self._stem_pos: dict[str, list[int]] = {}
        self._sorted = None
        self._prefixes: dict[str, list[str]] = {}
        self._scope: tuple[tuple[str, ...], list[str]] | None = None
        self._lead_text = ""  # the lead as written, for its sentences that end in "." (see sentence_of)
        self._sentences: dict[int, list[int]] = {}
        self._position_sets: dict[int, frozenset[int]] = {}  # id(Word) -> positions (the rule's words outlive it)

    def prepare(self, norm_forms: Iterable[str], stem_forms: Iterable[str], prefixes: Iterable[str] = ()) -> None:
        """Index the positions of these forms in one pass (only those the article has and not yet indexed)."""
        norms = self.norm_set.intersection(norm_forms) | {f for p in prefixes for f in self._prefixed(p)}
        norms -= self._norm_pos.keys()
        stems = self.stem_set.intersection(stem_forms) - self._stem_pos.keys()
        if not norms and not stems:
            return
        norm_pos: dict[str, list[int]] = {f: [] for f in norms}
        stem_pos: dict[str, list[int]] = {f: [] for f in stems}
        # The distinct words with a wanted form, each with the position lists it adds to; then one C-speed pass
        # (compress) per part finds where they stand. Positions come out in order: part, then token.
        wanted: dict[str, list[list[int]]] = {}
        for word in compress(self._distinct, map(norms.__contains__, self._distinct_norms)):
            wanted[word] = [norm_pos[word_forms(word)[0]]]
        for word in compress(self._distinct, map(stems.__contains__, self._distinct_stems)):
            wanted.setdefault(word, []).append(stem_pos[word_forms(word)[1]])
        for index, tokens in enumerate(self.surfaces):
            base = index << POSITION_SHIFT
            for local in compress(range(len(tokens)), map(wanted.__contains__, tokens)):
                for found in wanted[tokens[local]]:
                    found.append(base | local)
        self._norm_pos.update(norm_pos)
        self._stem_pos.update(stem_pos)

    @classmethod
    def of_article(cls, article: Article) -> ArticleText:
        """From the words the article was already tokenized into for dedup and storage (``Article.tokens``)."""
        tokens = article.tokens()
        written = [words for words in tokens.body if words.text.strip()]
        text = cls.__new__(cls)
        text._index_words(set().union(tokens.title.words(), tokens.summary.words(),
                                      *(item.words() for item in (*tokens.highlights, *written, *tokens.tags))))

        def streams() -> dict[str, list[list[list[str]]]]:
            paragraphs = [words.sentences() for words in written]
            return {"title": [tokens.title.sentences()], "summary": [tokens.summary.sentences()],
                    "highlights": [item.sentences() for item in tokens.highlights], "lead": paragraphs[:1],
                    "body": paragraphs[1:], "tags": [item.sentences() for item in tokens.tags]}

        text._surfaces, text._streams = None, streams
        text._lead_text = written[0] if written else ""
        return text

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> ArticleText:
        """From a stored ``articles`` row (JSON arrays, body paragraphs joined by a blank line)."""
        return cls(_parts(row.get("title") or "", row.get("summary") or "", json_list(row.get("highlights")),
                          (row.get("body") or "").split("\n\n"), json_list(row.get("tags"))))

    def positions(self, word: Word) -> list[int]:
        if not self.has(word):
            return []
        if word.kind == "exact":
            if not word.spellings:
                if word.form not in self._norm_pos:
                    self.prepare((word.form,), ())
                return self._norm_pos[word.form]
            forms = word.forms & self.norm_set  # a name in any of its spellings
            if not forms <= self._norm_pos.keys():
                self.prepare(forms - self._norm_pos.keys(), ())
            return sorted(p for form in forms for p in self._norm_pos[form]) if len(forms) > 1 else \
                self._norm_pos[next(iter(forms))]
        if word.kind == "stem":
            if word.form not in self._stem_pos:
                self.prepare((), (word.form,))
            found = self._stem_pos[word.form]
            if word.inflected_only:
                surfaces = self.surfaces
                shift, local = POSITION_SHIFT, POSITION_LOCAL
                found = [p for p in found if word_forms(surfaces[p >> shift][p & local])[0] != word.form]
            return found
        self.prepare((), (), (word.form,))
        return [p for form in self._prefixed(word.form) for p in self._norm_pos[form]]

    def has(self, word: Word) -> bool:
        """Whether the word occurs at all (for inflected-only stems: maybe, positions() decides)."""
        if word.kind == "exact":
            return word.form in self.norm_set or (bool(word.spellings) and not word.forms.isdisjoint(self.norm_set))
        if word.kind == "stem":
            return word.form in self.stem_set
        return bool(self._prefixed(word.form))

    def _prefixed(self, prefix: str) -> list[str]:
        """The article's normalized forms that start with ``prefix`` (remembered per article)."""
        found = self._prefixes.get(prefix)
        if found is None:
            if self._scope is not None and prefix.startswith(self._scope[0]):
                pool = self._scope[1]  # a form starting with `prefix` starts with a prefix of the scope too
            else:
                if self._sorted is None:
                    self._sorted = sorted(self.norm_set)
                pool = self._sorted
            found = self._prefixes[prefix] = []
            for form in pool[bisect_left(pool, prefix):]:
                if not form.startswith(prefix):
                    break
                found.append(form)
        return found

    def limit_prefixes(self, prefixes: tuple[str, ...], forms: Iterable[str]) -> None:
        """Of the article's forms, only ``forms`` start with any of ``prefixes`` (a matcher knows from the
        words it has seen), so looking up words under those prefixes need not sort every form of the article."""
        self._scope = (prefixes, sorted(forms))

    def _word_at(self, word: Word, pos: int) -> bool:
        stream, local = pos >> POSITION_SHIFT, pos & POSITION_LOCAL
        tokens = self.surfaces[stream]
        if local >= len(tokens):
            return False
        normalized, stemmed = word_forms(tokens[local])
        if not normalized:
            return False
        if word.kind == "exact":
            return normalized in word.forms
        if word.kind == "prefix":
            return normalized.startswith(word.form)
        return stemmed == word.form and not (word.inflected_only and normalized == word.form)

    def sentence_of(self, pos: int) -> int:
        """The number of the sentence ``pos`` stands in, within its part (0 = the first), for matched articles only.
        Sentences end where phrases stop (a danda, "?", "!" ..., a paragraph or item), and in the lead also at a "."
        followed by a space, which many Hindi sites print for a full stop (telling the lead's first sentence from
        the rest is worth a second look at its text; the body's paragraphs are not read again)."""
        stream = pos >> POSITION_SHIFT
        starts = self._sentences.get(stream)
        if starts is None:
            starts = self._sentences[stream] = self._sentence_starts(stream)
        return bisect_right(starts, pos & POSITION_LOCAL) - 1

    def _sentence_starts(self, stream: int) -> list[int]:
        """The token index where each sentence of a part starts (a boundary slot starts the next sentence)."""
        tokens = self.surfaces[stream]
        starts = [0, *compress(range(len(tokens)), map(operator.not_, tokens))]  # C-speed: the boundary slots
        lead = self._lead_text if isinstance(self._lead_text, str) else self._lead_text.text
        if stream != _LEAD or "." not in lead:
            return starts
        ordinals, ordinal = set(), 0  # word ordinals where a sentence begins after a "."
        for piece in FULL_STOP.split(lead)[:-1]:
            ordinal += len(word_tokens(piece))
            ordinals.add(ordinal)
        ordinal = 0
        for index, token in enumerate(tokens):
            if token:
                if ordinal in ordinals and tokens[index - 1]:
                    starts.append(index)
                ordinal += 1
        return sorted(starts)

    def spans(self, term: Term) -> list[int]:
        """Start positions where every word of ``term`` matches in sequence."""
        starts = self.positions(term.words[0])
        if len(term.words) == 1 or not starts:
            return starts
        for offset, word in enumerate(term.words[1:], 1):  # each next word where it must stand, by position sets
            found = self._position_set(word)
            starts = [p for p in starts if p + offset in found]
            if not starts:
                break
        return starts

    def _position_set(self, word: Word) -> frozenset[int]:
        """``positions(word)`` as a set, remembered per article (phrases share their common words: के, पर ...)."""
        found = self._position_sets.get(id(word))  # by identity: a name's Word hashes all its spellings
        if found is None:
            found = self._position_sets[id(word)] = frozenset(self.positions(word)) if self.has(word) else frozenset()
        return found


def _surfaces(streams: Mapping[str, Iterable[list[list[str]]]]) -> list[list[str]]:
    """Each stream's words in order, from its segments (each a list of sentences' words, as
    ``crawler.text.hindi.sentence_words`` gives them), with "" between sentences and items."""
    found = []
    for name in STREAMS:
        surfaces: list[str] = []
        for segment in streams.get(name, ()):
            for words in segment:
                if surfaces:
                    surfaces.append("")  # a sentence or item boundary: no phrase runs across it
                surfaces += words
        found.append(surfaces)
    return found


def _parts(title: str, summary: str, highlights: list[str], body: list[str], tags: list[str]) -> dict[str, list[str]]:
    paragraphs = [p for p in body if p.strip()]
    return {"title": [title], "summary": [summary], "highlights": highlights,
            "lead": paragraphs[:1], "body": paragraphs[1:], "tags": tags}

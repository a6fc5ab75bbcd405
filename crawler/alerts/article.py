"""An article as its words' positions: every token of its parts (title, summary, highlights, lead, body, tags) by
normalized and by stemmed form, built once per article and read by the matcher (``crawler.alerts.matcher``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from itertools import compress
from typing import Any

import regex

from crawler.alerts.rules import POSITION_LOCAL, POSITION_SHIFT, STREAMS, WORD_FORMS, Term, Word, word_forms
from crawler.items import Article
from crawler.store.sqlite import json_list
from crawler.text.hindi import sentence_words, word_tokens

# A "." followed by a space ends a sentence too (for telling the story's opening from a passing mention).
FULL_STOP = regex.compile(r"(?<=\.)(?=\s)")


class ArticleText:
    """Every token of an article's parts, by normalized and by stemmed form.

    Built once per article. The forms of each distinct word (a news text repeats its words) and
    their sets (C-speed to build) tell which topics can match at all; the positions of each form
    are indexed only when some topic needs them. A position carries its part (title, lead ...);
    an empty slot separates sentences and items.
    """

    __slots__ = ("_distinct", "_distinct_norms", "_distinct_stems", "_norm_pos", "_prefixes", "_scope", "_sentences",
                 "_sorted", "_stem_pos", "_texts", "norm_set", "stem_set", "surfaces")

    def __init__(self, parts: Mapping[str, Iterable[str]]) -> None:
        texts = {name: list(parts.get(name, ())) for name in STREAMS}
        self._index_streams({name: [sentence_words(segment) for segment in texts[name]] for name in STREAMS})
        self._texts: dict[str, list[str]] | None = texts

    def _index_streams(self, streams: Mapping[str, Iterable[list[list[str]]]]) -> None:
        """From each stream's segments, each a list of sentences' words (``crawler.text.hindi.sentence_words``)."""
        self.surfaces: list[list[str]] = []
        for name in STREAMS:
            surfaces: list[str] = []
            for segment in streams.get(name, ()):
                for words in segment:
                    if surfaces:
                        surfaces.append("")  # a sentence or item boundary: no phrase runs across it
                    surfaces += words
            self.surfaces.append(surfaces)
        # Forms per distinct word (the "" of a boundary included: its forms are empty, never looked up). Later
        # lookups of one word's forms are word_forms cache hits.
        self._distinct: tuple[str, ...] = tuple(set().union(*self.surfaces))
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
        self._sorted: list[str] | None = None
        self._prefixes: dict[str, list[str]] = {}
        self._scope: tuple[tuple[str, ...], list[str]] | None = None
        self._texts = None  # the text of each part's segments, for sentences that end in "." (see sentence_of)
        self._sentences: dict[int, list[int]] = {}

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
        paragraphs = [words.sentences() for words in tokens.body if words.text.strip()]
        text = cls.__new__(cls)
        text._index_streams({"title": [tokens.title.sentences()], "summary": [tokens.summary.sentences()],
                             "highlights": [item.sentences() for item in tokens.highlights],
                             "lead": paragraphs[:1], "body": paragraphs[1:],
                             "tags": [item.sentences() for item in tokens.tags]})
        written = [words.text for words in tokens.body if words.text.strip()]
        text._texts = {"title": [tokens.title.text], "summary": [tokens.summary.text],
                       "highlights": [item.text for item in tokens.highlights], "lead": written[:1],
                       "body": written[1:], "tags": [item.text for item in tokens.tags]}
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
            if word.form not in self._norm_pos:
                self.prepare((word.form,), ())
            return self._norm_pos[word.form]
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
            return word.form in self.norm_set
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
            return normalized == word.form
        if word.kind == "prefix":
            return normalized.startswith(word.form)
        return stemmed == word.form and not (word.inflected_only and normalized == word.form)

    def sentence_of(self, pos: int) -> int:
        """The number of the sentence ``pos`` stands in, within its part (0 = the first). Sentences end where
        phrases stop (a danda, "?", "!" ...) and also at a "." followed by a space, which many Hindi sites print
        for a full stop; worked out on first use, for matched articles only."""
        stream = pos >> POSITION_SHIFT
        ids = self._sentences.get(stream)
        if ids is None:
            ids = self._sentences[stream] = self._sentence_ids(stream)
        return ids[pos & POSITION_LOCAL]

    def _sentence_ids(self, stream: int) -> list[int]:
        starts: set[int] = set()  # word ordinals where a sentence begins after a "."
        if self._texts is not None:
            ordinal = 0
            for segment in self._texts[STREAMS[stream]]:
                for piece in FULL_STOP.split(segment):
                    starts.add(ordinal)
                    ordinal += len(word_tokens(piece))
        ids: list[int] = []
        sentence, ordinal, fresh = 0, 0, True  # fresh: no word yet in this sentence
        for token in self.surfaces[stream]:
            if not token:  # a sentence or item boundary
                sentence += not fresh
                fresh = True
            else:
                sentence += ordinal in starts and not fresh
                fresh = False
                ordinal += 1
            ids.append(sentence)
        return ids

    def spans(self, term: Term) -> list[int]:
        """Start positions where every word of ``term`` matches in sequence."""
        starts = self.positions(term.words[0])
        if len(term.words) == 1 or not starts:
            return starts
        return [p for p in starts if all(self._word_at(w, p + k) for k, w in enumerate(term.words[1:], 1))]


def _parts(title: str, summary: str, highlights: list[str], body: list[str], tags: list[str]) -> dict[str, list[str]]:
    paragraphs = [p for p in body if p.strip()]
    return {"title": [title], "summary": [summary], "highlights": highlights,
            "lead": paragraphs[:1], "body": paragraphs[1:], "tags": tags}

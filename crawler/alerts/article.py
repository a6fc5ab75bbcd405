"""An article as its words in order: every token of its parts (title, summary, highlights, lead, body, tags), built once
per article, and where the words a set of topics looks for (``crawler.alerts.terms.Lexicon``) stand in it, read by
the matcher (``crawler.alerts.matcher``).
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from itertools import chain, compress
from typing import Any

import regex

from crawler.alerts.rules import STREAMS
from crawler.alerts.terms import POSITION_LOCAL, POSITION_SHIFT, Lexicon
from crawler.items import Article
from crawler.store.sqlite import json_list
from crawler.text.hindi import TextWords, sentence_words, word_tokens

# A "." followed by a space ends a sentence too (for telling the story's opening from a passing mention).
FULL_STOP = regex.compile(r"(?<=\.)(?=\s)")
_LEAD = STREAMS.index("lead")


class ArticleText:
    """Every token of an article's parts, in order.

    Built once per article. Which of a lexicon's words it holds at all (``found``) comes from its distinct words, one
    remembered lookup each, so an article no topic can match is never split into sentences; where they stand
    (``positions``) is found in one pass over its words, only when some topic may match. A position carries its part
    (title, lead ...); an empty slot separates sentences and items.
    """

    __slots__ = ("_distinct", "_found", "_lead_text", "_positions", "_sentences", "_streams", "_surfaces", "_words")

    def __init__(self, parts: Mapping[str, Iterable[str]]) -> None:
        texts = {name: list(parts.get(name, ())) for name in STREAMS}
        surfaces = _surfaces({name: [sentence_words(segment) for segment in texts[name]] for name in STREAMS})
        self._start(set().union(*surfaces), texts["lead"][0] if texts["lead"] else "")
        self._surfaces: list[list[str]] | None = surfaces
        self._streams: Callable[[], Mapping[str, Iterable[list[list[str]]]]] = dict

    def _start(self, distinct: set[str], lead: str | TextWords) -> None:
        # Every word of the article once, as its sentences will have them (the lexicon is looked up once a word).
        self._distinct = tuple(distinct)
        self._lead_text = lead  # the lead as written, for its sentences that end in "." (see sentence_of)
        # Per lexicon (by identity; a text meets one or two): the article's words that are words of it (as written,
        # with their numbers), the numbers found, and where they stand.
        self._words: dict[Lexicon, dict[str, tuple[int, ...]]] = {}
        self._found: dict[Lexicon, set[int]] = {}
        self._positions: dict[Lexicon, dict[int, list[int]]] = {}
        self._sentences: dict[int, list[int]] = {}

    @classmethod
    def of_article(cls, article: Article) -> ArticleText:
        """From the words the article was already tokenized into for dedup and storage (``Article.tokens``)."""
        tokens = article.tokens()
        written = [words for words in tokens.body if words.text.strip()]
        text = cls.__new__(cls)
        # The words each part's sentences will have, with "" where sentences end (discarded).
        text._start(set().union(tokens.title.form_words(), tokens.summary.form_words(),
                                *(item.form_words() for item in (*tokens.highlights, *written, *tokens.tags))),
                    written[0] if written else "")

        def streams() -> dict[str, list[list[list[str]]]]:
            paragraphs = [words.sentences() for words in written]
            return {"title": [tokens.title.sentences()], "summary": [tokens.summary.sentences()],
                    "highlights": [item.sentences() for item in tokens.highlights], "lead": paragraphs[:1],
                    "body": paragraphs[1:], "tags": [item.sentences() for item in tokens.tags]}

        text._surfaces, text._streams = None, streams
        return text

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> ArticleText:
        """From a stored ``articles`` row (JSON arrays, body paragraphs joined by a blank line)."""
        return cls(_parts(row.get("title") or "", row.get("summary") or "", json_list(row.get("highlights")),
                          (row.get("body") or "").split("\n\n"), json_list(row.get("tags"))))

    @property
    def surfaces(self) -> list[list[str]]:
        """Each part's words in order, with "" where a sentence or item ends: made on first use, so an article no
        topic can match is never split into sentences."""
        if self._surfaces is None:
            self._surfaces = _surfaces(self._streams())
        return self._surfaces

    def found(self, lexicon: Lexicon) -> set[int]:
        """The numbers of the lexicon's words that occur in the article (remembered)."""
        found = self._found.get(lexicon)
        if found is None:
            found = self._found[lexicon] = set(chain.from_iterable(self.words(lexicon).values()))
        return found

    def words(self, lexicon: Lexicon) -> dict[str, tuple[int, ...]]:
        """The article's words that are words of the lexicon, as written, with their numbers (remembered)."""
        found = self._words.get(lexicon)
        if found is None:
            found = self._words[lexicon] = lexicon.words_in(self._distinct)
        return found

    def positions(self, lexicon: Lexicon) -> dict[int, list[int]]:
        """Where each of the lexicon's words that occur stands, in order: one pass over the article (remembered)."""
        found = self._positions.get(lexicon)
        if found is None:
            found = self._positions[lexicon] = self._index(lexicon)
        return found

    def _index(self, lexicon: Lexicon) -> dict[int, list[int]]:
        positions: dict[int, list[int]] = {}
        words = self.words(lexicon).get  # a small dict: every other word is None
        for index, tokens in enumerate(self.surfaces):
            numbers = list(map(words, tokens))  # C-speed
            base = index << POSITION_SHIFT
            for local in compress(range(len(tokens)), numbers):  # the tokens that are some word of the lexicon
                for number in numbers[local]:  # type: ignore[union-attr]  # compress kept the words only
                    if number in positions:
                        positions[number].append(base | local)
                    else:
                        positions[number] = [base | local]
        return positions

    def spans(self, words: tuple[int, ...], lexicon: Lexicon) -> list[int]:
        """Start positions where the lexicon's ``words`` stand in sequence (a term: see ``Lexicon.term_words``)."""
        positions = self.positions(lexicon)
        if len(words) == 1:
            return positions.get(words[0], [])
        where = [positions.get(number, ()) for number in words]
        sizes = list(map(len, where))
        fewest = min(sizes)
        if not fewest:
            return []
        # From the word that stands in fewest places (युद्ध के बाद: from बाद), the others where they must stand.
        anchor = sizes.index(fewest)
        surfaces, numbers_of, size = self.surfaces, self.words(lexicon).get, len(words)
        others = [(offset - anchor, number) for offset, number in enumerate(words) if offset != anchor]
        found = []
        for pos in where[anchor]:
            local = pos & POSITION_LOCAL
            tokens = surfaces[pos >> POSITION_SHIFT]
            if local < anchor or local - anchor + size > len(tokens):
                continue
            for shift, number in others:
                if number not in (numbers_of(tokens[local + shift]) or ()):
                    break
            else:
                found.append(pos - anchor)
        return found

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

"""Matching topics against articles: an article as positions of its normalized and stemmed words, each compiled
rule (``crawler.alerts.rules``) evaluated on them, and ``TopicMatcher`` for all topics at once.
"""

from __future__ import annotations

import fnmatch
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress
from typing import Any
from urllib.parse import urlsplit

from crawler.alerts.rules import (
    POSITION_LOCAL,
    POSITION_SHIFT,
    STREAMS,
    WORD_FORMS,
    WORD_FORMS_MAX,
    And,
    AnyOf,
    CompiledTopic,
    Node,
    Not,
    Or,
    Term,
    Topic,
    Word,
    all_terms,
    compiled,
    positive_terms,
    word_forms,
)
from crawler.items import Article
from crawler.store.sqlite import json_list
from crawler.text.hindi import sentence_words

# ---------------------------------------------------------------------------
# An article as positions of normalized and stemmed tokens
# ---------------------------------------------------------------------------


class ArticleText:
    """Every token of an article's parts, by normalized and by stemmed form.

    Built once per article. The forms of each distinct word (a news text repeats its words) and
    their sets (C-speed to build) tell which topics can match at all; the positions of each form
    are indexed only when some topic needs them. A position carries its part (title, lead ...);
    an empty slot separates sentences and items.
    """

    __slots__ = ("_distinct", "_distinct_norms", "_distinct_stems", "_norm_pos", "_prefixes", "_scope", "_sorted",
                 "_stem_pos", "norm_set", "stem_set", "surfaces")

    def __init__(self, parts: Mapping[str, Iterable[str]]) -> None:
        self._index_streams({name: [sentence_words(segment) for segment in parts.get(name, ())] for name in STREAMS})

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


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------

# A hit: (position, length in tokens, the term as written in the config)
Hit = tuple[int, int, str]


@dataclass
class TopicMatch:
    topic: str
    score: float
    terms: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    by_field: dict[str, list[str]] = field(default_factory=dict)
    rule: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "words": self.words, "fields": self.fields, "by_field": self.by_field,
                "score": self.score, "rule": self.rule}


@dataclass
class Verdict:
    """The outcome for one topic and one article, with the reason when it is not an alert."""

    topic: str
    match: TopicMatch | None
    reason: str


class _Evaluation:
    """One topic on one article: leaf hits limited to the topic's fields, minus ignored words."""

    def __init__(self, topic: CompiledTopic, text: ArticleText, cache: dict[int, list[int]],
                 present: set[int] | None = None) -> None:
        # ``present``: keys of every term of the rule that occurs at all (TopicMatcher.present), else found per list.
        self.topic, self.text, self.cache, self.present = topic, text, cache, present
        self.masked: set[int] = set()
        for term in topic.ignore:
            for start in self.spans(term):
                self.masked.update(range(start, start + len(term.words)))

    def spans(self, term: Term) -> list[int]:
        found = self.cache.get(term.key)
        if found is None:
            found = self.cache[term.key] = self.text.spans(term)
        if not found or len(self.topic.streams) == len(STREAMS):
            return found
        return [p for p in found if (p >> POSITION_SHIFT) in self.topic.streams]

    def hits(self, node: Node) -> list[Hit]:
        if isinstance(node, AnyOf):
            masked, present = self.masked, self.present
            terms = node.present(self.text) if present is None else [t for t in node.terms if t.key in present]
            return [(p, len(t.words), t.text) for t in terms for p in self.spans(t)
                    if not (masked and any(q in masked for q in range(p, p + len(t.words))))]
        if isinstance(node, Or):
            return [h for part in node.parts for h in self.hits(part)]
        if isinstance(node, And):
            collected: list[Hit] = []
            for part in node.parts:
                found = self.hits(part)
                if not found:
                    return []
                collected += found
            return collected
        if isinstance(node, Not):
            keep = self.hits(node.keep)
            return keep if keep and not self.hits(node.veto) else []
        left, right = self.hits(node.left), self.hits(node.right)
        return _near_hits(left, right, node.distance) if left and right else []


Clauses = list[list[frozenset[int]]]


def _presence_clauses(node: Node) -> Clauses:
    """The rule on term presence alone, as OR of ANDs of term-key sets: an article can match only
    if, for some clause, every set has a term present. NOT sides are left out (they only veto)."""
    if isinstance(node, AnyOf):
        return [[node.keys]]
    if isinstance(node, Or):
        return [clause for part in node.parts for clause in _presence_clauses(part)]
    if isinstance(node, Not):
        return _presence_clauses(node.keep)
    parts = node.parts if isinstance(node, And) else (node.left, node.right)
    clauses: Clauses = [[]]
    for part in parts:
        clauses = [mine + theirs for mine in clauses for theirs in _presence_clauses(part)]
        if len(clauses) > 64:  # a rule this tangled: settle for "some term of it occurs"
            return [[frozenset().union(*(keys for clause in clauses for keys in clause))]]
    return clauses


def _satisfiable(clauses: Clauses, present: set[int]) -> bool:
    for clause in clauses:
        for keys in clause:
            if keys.isdisjoint(present):
                break
        else:
            return True
    return False


def _near_hits(left: list[Hit], right: list[Hit], distance: int) -> list[Hit]:
    """Hits of either side that have a hit of the other side within ``distance`` words."""
    ordered = sorted(right)
    starts = [h[0] for h in ordered]
    widest = max(h[1] for h in ordered)
    kept: dict[Hit, None] = {}
    for a in left:
        start, end = a[0], a[0] + a[1]
        for b in ordered[bisect_left(starts, start - distance - widest):bisect_right(starts, end + distance)]:
            # same stream, and at most `distance` words between the two (positions differ by stream)
            same_part = b[0] >> POSITION_SHIFT == start >> POSITION_SHIFT
            if (b[0] - end if b[0] >= start else start - b[0] - b[1]) <= distance and same_part:
                kept[a] = kept[b] = None
    return list(kept)


def _excluded_by_place(topic: CompiledTopic, url: str, section: str) -> str:
    path = urlsplit(url).path if url and topic.exclude_paths else ""
    for pattern in topic.exclude_paths:
        if path and (fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path.startswith(pattern)):
            return f"excluded by URL path {pattern!r}"
    if section and section.casefold() in topic.exclude_sections:
        return f"excluded by section {section!r}"
    return ""


def evaluate(topic: CompiledTopic, text: ArticleText, url: str = "", section: str = "",
             cache: dict[int, list[int]] | None = None, present: set[int] | None = None) -> Verdict:
    """Whether ``topic`` fires on the article, and why (or why not). ``present``: see ``TopicMatcher.present``."""
    place = _excluded_by_place(topic, url, section)
    if place:
        return Verdict(topic.id, None, place)
    evaluation = _Evaluation(topic, text, {} if cache is None else cache, present)
    for term in topic.exclude:
        if evaluation.spans(term):
            return Verdict(topic.id, None, f"excluded by term {term.text!r}")
    hits = evaluation.hits(topic.rule)
    if not hits:
        return Verdict(topic.id, None, "no match")
    found = _explain(topic, text, hits)
    if found.score < topic.threshold:
        return Verdict(topic.id, None, f"score {found.score:g} below threshold {topic.threshold:g}")
    return Verdict(topic.id, found, "match")


def _explain(topic: CompiledTopic, text: ArticleText, hits: list[Hit]) -> TopicMatch:
    found = TopicMatch(topic=topic.id, score=0.0, rule=topic.rule_text)
    seen: set[tuple[str, str]] = set()
    words: dict[str, None] = {}  # in order of first appearance
    terms: dict[str, None] = {}
    for pos, width, term in sorted(set(hits)):
        stream, local = pos >> POSITION_SHIFT, pos & POSITION_LOCAL
        tokens = text.surfaces[stream]  # a span never runs past its part
        words[tokens[local] if width == 1 else " ".join(tokens[local:local + width])] = None
        name = STREAMS[stream]
        if (term, name) in seen:
            continue
        seen.add((term, name))
        found.score += topic.weights[name]
        found.by_field.setdefault(name, []).append(term)
        terms[term] = None
    found.words, found.terms = list(words), list(terms)
    found.fields = [name for name in STREAMS if name in found.by_field]
    found.score = round(found.score, 3)
    return found


class TopicMatcher:
    """All topics at once. Every distinct term of every topic is indexed by its words, so one
    set intersection per article finds the terms present, and only topics whose rule can be
    true on those (a name *and* a war word, say) are evaluated on positions: 100 topics cost
    little more than one."""

    def __init__(self, topics: Mapping[str, Topic] | Iterable[CompiledTopic]) -> None:
        items = topics.values() if isinstance(topics, Mapping) else topics
        self.topics = [t if isinstance(t, CompiledTopic) else compiled(t) for t in items]
        self._exact: dict[str, set[int]] = {}  # one-word terms: form -> term keys
        self._stem: dict[str, set[int]] = {}
        # Phrases: checked word by word, only when their first word occurs; prefixes: one by one.
        self._phrases: dict[tuple[str, str], dict[int, tuple[Word, ...]]] = {}
        self._prefixed: dict[int, tuple[Word, ...]] = {}
        self._topics_of: dict[int, set[int]] = {}  # term key -> topics it can make true
        self._clauses = [_presence_clauses(topic.rule) for topic in self.topics]
        for index, topic in enumerate(self.topics):
            for term in positive_terms(topic.rule):
                self._topics_of.setdefault(term.key, set()).add(index)
            # Every term of the rule, vetoes too, so evaluation can skip the absent ones by key.
            for term in all_terms(topic.rule):
                word = term.words[0]
                if word.kind == "prefix":
                    self._prefixed[term.key] = term.words
                elif len(term.words) > 1:
                    self._phrases.setdefault((word.kind, word.form), {})[term.key] = term.words[1:]
                else:
                    (self._exact if word.kind == "exact" else self._stem).setdefault(word.form, set()).add(term.key)
        # Every prefix any topic looks up, and of the normalized forms seen so far, those starting with one.
        self._prefix_words = tuple(dict.fromkeys(p for topic in self.topics for p in topic.prefixes))
        self._seen_forms: set[str] = set()
        self._prefixed_forms: set[str] = set()
        self._phrase_exact = {form for kind, form in self._phrases if kind == "exact"}
        self._phrase_stem = {form for kind, form in self._phrases if kind == "stem"}

    def present(self, text: ArticleText) -> set[int]:
        """Keys of the rules' terms whose every word occurs in the article."""
        self._limit_prefixes(text)
        keys: set[int] = set()
        for form in self._exact.keys() & text.norm_set:
            keys |= self._exact[form]
        for form in self._stem.keys() & text.stem_set:
            keys |= self._stem[form]
        firsts = [("exact", f) for f in self._phrase_exact & text.norm_set]
        firsts += [("stem", f) for f in self._phrase_stem & text.stem_set]
        for first in firsts:
            keys.update(key for key, rest in self._phrases[first].items() if all(text.has(w) for w in rest))
        keys.update(key for key, words in self._prefixed.items() if all(text.has(w) for w in words))
        return keys

    def _limit_prefixes(self, text: ArticleText) -> None:
        """Tell ``text`` which of its forms start with a topic's prefix: set operations on the forms seen before,
        instead of sorting every form of every article."""
        if not self._prefix_words:
            return
        if len(self._seen_forms) > WORD_FORMS_MAX:
            self._seen_forms.clear()
            self._prefixed_forms.clear()
        unseen = text.norm_set - self._seen_forms
        if unseen:
            self._seen_forms |= unseen
            self._prefixed_forms.update(f for f in unseen if f.startswith(self._prefix_words))
        text.limit_prefixes(self._prefix_words, text.norm_set & self._prefixed_forms)

    def candidates(self, text: ArticleText) -> list[CompiledTopic]:
        """Topics whose rule could be true given which terms occur at all (positions not yet looked at)."""
        return self._candidates(self.present(text))

    def _candidates(self, present: set[int]) -> list[CompiledTopic]:
        chosen: set[int] = set()
        topics_of = self._topics_of
        for key in present:
            if key in topics_of:
                chosen |= topics_of[key]
        return [self.topics[i] for i in sorted(chosen) if _satisfiable(self._clauses[i], present)]

    def verdicts(self, text: ArticleText, url: str = "", section: str = "") -> list[Verdict]:
        present = self.present(text)
        topics = self._candidates(present)
        if not topics:
            return []
        # One pass over the article indexes every form these topics may look up.
        text.prepare(set().union(*(t.norm_forms for t in topics)), set().union(*(t.stem_forms for t in topics)),
                     {p for t in topics for p in t.prefixes})
        cache: dict[int, list[int]] = {}
        return [evaluate(topic, text, url, section, cache, present) for topic in topics]

    def match(self, text: ArticleText, url: str = "", section: str = "") -> list[TopicMatch]:
        return [v.match for v in self.verdicts(text, url, section) if v.match is not None]

    def match_article(self, article: Article) -> list[TopicMatch]:
        return self.match(ArticleText.of_article(article), article.canonical_url or article.url, article.section)

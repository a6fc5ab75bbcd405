"""Matching topics against articles: each compiled rule (``crawler.alerts.rules``) evaluated on an article's word
positions (``crawler.alerts.article.ArticleText``), why it fired or not, and ``TopicMatcher`` for all topics at once.
"""

from __future__ import annotations

import fnmatch
import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.alerts.article import ArticleText
from crawler.alerts.rules import (
    POSITION_LOCAL,
    POSITION_SHIFT,
    STREAMS,
    WORD_FORMS_MAX,
    And,
    AnyOf,
    CompiledTopic,
    Near,
    Node,
    Not,
    Or,
    Term,
    Topic,
    Word,
    all_terms,
    compiled,
    only_names,
    positive_terms,
    word_forms,
)
from crawler.items import Article

__all__ = ["ArticleText", "TopicMatch", "TopicMatcher", "Verdict", "evaluate"]

# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------

# A hit: (position, length in tokens, the term as written in the config, the term's key, support: a name that an AND
# only needs somewhere in the story, which says nothing about where the story's subject is)
Hit = tuple[int, int, str, int, bool]


@dataclass
class TopicMatch:
    topic: str
    score: float
    terms: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    by_field: dict[str, list[str]] = field(default_factory=dict)
    rule: str = ""
    # Names matched in a generated spelling: {"word": as written in the article, "name": as listed, "how": rules}.
    variants: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {"terms": self.terms, "words": self.words, "fields": self.fields, "by_field": self.by_field,
                 "score": self.score, "rule": self.rule}
        return found | {"variants": self.variants} if self.variants else found


@dataclass
class Verdict:
    """The outcome for one topic and one article, with the reason when it is not an alert."""

    topic: str
    match: TopicMatch | None
    reason: str


class _Evaluation:
    """One topic on one article: leaf hits limited to the topic's fields, minus ignored words."""

    def __init__(self, topic: CompiledTopic, text: ArticleText, cache: dict[int, list[int]],
                 present: set[int] | None = None, opening: bool = False, masked: set[int] | None = None) -> None:
        # ``present``: keys of every term of the rule that occurs at all (TopicMatcher.present), else found per list.
        # ``opening``: only the story's opening counts (see _passing_mention). ``masked``: the ignored positions,
        # when another evaluation of the same article found them already.
        self.topic, self.text, self.cache, self.present, self.opening = topic, text, cache, present, opening
        self.memo: dict[int, list[Hit]] = {}  # node id -> its hits (the rule's nodes live as long as the topic)
        self.masked: set[int] = set()
        if masked is not None:
            self.masked = masked
            return
        norm_set, stem_set = text.norm_set, text.stem_set
        for term, (norms, stems) in zip(topic.ignore, topic.ignore_needs, strict=True):
            if not (norms <= norm_set and stems <= stem_set):  # a word of the phrase is missing: C-speed test
                continue
            for start in self.spans(term):
                self.masked.update(range(start, start + len(term.words)))

    def spans(self, term: Term) -> list[int]:
        found = self.cache.get(term.key)
        if found is None:
            found = self.cache[term.key] = self.text.spans(term)
        if not found or len(self.topic.streams) == len(STREAMS):
            return found
        return [p for p in found if (p >> POSITION_SHIFT) in self.topic.streams]

    def present_terms(self, node: AnyOf) -> list[Term]:
        """The terms of ``node`` whose every word occurs in the article."""
        if self.present is None:
            return node.present(self.text)
        by_key = node.by_key
        return [by_key[k] for k in sorted(node.keys & self.present)] if by_key else []

    def unmasked(self, term: Term) -> list[int]:
        """Where ``term`` stands in the topic's fields, its words not inside an ignored phrase."""
        found = self.spans(term)
        if self.masked:
            masked, size = self.masked, len(term.words)
            found = [p for p in found if not any(q in masked for q in range(p, p + size))]
        return [p for p in found if self.in_opening(p)] if self.opening else found

    def in_opening(self, pos: int) -> bool:
        """Whether ``pos`` is in the title, summary, highlights or tags, or the first ``lead_sentences`` sentences of
        the body."""
        stream = pos >> POSITION_SHIFT
        if stream == _LEAD:
            return self.text.sentence_of(pos) < self.topic.lead_sentences
        return stream != _BODY

    def hits(self, node: Node) -> list[Hit]:
        """The hits that make ``node`` true (none: it is false), each node worked out once per evaluation."""
        found = self.memo.get(id(node))
        if found is None:
            found = self.memo[id(node)] = self._hits(node)
        return found

    def _hits(self, node: Node) -> list[Hit]:
        # The inner nodes of one rule are evaluated once each; only lists (shared by @name) are remembered here.
        if isinstance(node, AnyOf):
            found = self.memo.get(id(node))
            if found is None:
                found = self.memo[id(node)] = self._leaf(node)
            return found
        if isinstance(node, Or):
            return [h for part in node.parts for h in self._hits(part)]
        if isinstance(node, And):
            collected: list[Hit] = []
            for part, support in zip(node.parts, node.support, strict=True):
                found = self._hits(part)
                if not found:
                    return []
                collected += [(p, w, term, key, True) for p, w, term, key, _ in found] if support else found
            return collected
        if isinstance(node, Not):
            keep = self._hits(node.keep)
            return keep if keep and not self._hits(node.veto) else []
        left, right = self._hits(node.left), self._hits(node.right)
        return _near_hits(left, right, node.distance) if left and right else []

    def _leaf(self, node: AnyOf) -> list[Hit]:
        """Every position of the list's terms in the topic's fields, ignored phrases left out."""
        present = self.present
        if present is None:
            terms = node.present(self.text)
        elif len(node.terms) <= 32:  # a short list: a scan beats building a set
            terms = [t for t in node.terms if t.key in present]
        else:
            keys = node.keys & present
            if not keys:
                return []
            by_key = node.by_key
            terms = [by_key[k] for k in sorted(keys)]
        cache, text, masked = self.cache, self.text, self.masked
        streams = None if len(self.topic.streams) == len(STREAMS) else self.topic.streams
        found: list[Hit] = []
        for term in terms:
            starts = cache.get(term.key)
            if starts is None:
                starts = cache[term.key] = text.spans(term)
            if not starts:
                continue
            size = len(term.words)
            if streams is not None:
                starts = [p for p in starts if (p >> POSITION_SHIFT) in streams]
            if masked:
                starts = [p for p in starts if not any(q in masked for q in range(p, p + size))]
            if self.opening:
                starts = [p for p in starts if self.in_opening(p)]
            found += [(p, size, term.text, term.key, False) for p in starts]
        return found


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
             cache: dict[int, list[int]] | None = None, present: set[int] | None = None,
             explain: bool = False) -> Verdict:
    """Whether ``topic`` fires on the article, and why (or why not). ``present``: see ``TopicMatcher.present``.
    With ``explain``, a rule that does not hold says which part failed (``why_not``) instead of "no match"."""
    place = _excluded_by_place(topic, url, section)
    if place:
        return Verdict(topic.id, None, place)
    evaluation = _Evaluation(topic, text, {} if cache is None else cache, present)
    for term in topic.exclude:
        if evaluation.spans(term):
            return Verdict(topic.id, None, f"excluded by term {term.text!r}")
    hits = evaluation.hits(topic.rule)
    if not hits:
        return Verdict(topic.id, None, why_not(evaluation, topic.rule) if explain else "no match")
    found = _explain(topic, text, hits)
    if found.score < topic.threshold:
        return Verdict(topic.id, None, f"below threshold (score {found.score:g} of {topic.threshold:g})")
    passing = _passing_mention(topic, evaluation, hits) if topic.lead_sentences else ""
    if passing:
        return Verdict(topic.id, None, passing)
    return Verdict(topic.id, found, "match")


_LEAD, _BODY = STREAMS.index("lead"), STREAMS.index("body")


def why_not(evaluation: _Evaluation, node: Node) -> str:
    """Which part of a rule that does not hold on the article failed, in words: "@russia near @war, but no
    @ukraine anywhere", "@ukraine, but no @war within 12 words", "no @any"."""
    if isinstance(node, AnyOf) or (isinstance(node, Or) and all(isinstance(part, AnyOf) for part in node.parts)):
        return f"no {describe(node)}"
    if isinstance(node, Near):
        left, right = evaluation.hits(node.left), evaluation.hits(node.right)
        if left and right:
            return f"{_grouped(node.left)} and {_grouped(node.right)}, but never within {node.distance} words"
        if left or right:
            found, missing = (node.left, node.right) if left else (node.right, node.left)
            return f"{_grouped(found)}, but no {describe(missing)} within {node.distance} words"
        return f"no {describe(node.left)} and no {describe(node.right)}"
    if isinstance(node, Not):
        return f"vetoed by {describe(node.veto)}" if evaluation.hits(node.keep) else why_not(evaluation, node.keep)
    if isinstance(node, And):
        holding = [part for part in node.parts if evaluation.hits(part)]
        failing = [part for part in node.parts if part not in holding]
        if holding and all(only_names(part) for part in failing):  # the one-sided story: "only one side named"
            return f"{', '.join(map(describe, holding))}, but no {' and no '.join(map(describe, failing))} anywhere"
        return "; ".join(why_not(evaluation, part) for part in failing)
    # Or: the branches that got furthest (most of their lists present) say most about what is missing.
    progress = [(_progress(evaluation, part), part) for part in node.parts]
    best = max(score for score, _ in progress)
    if best == 0:
        return f"none of {describe(node)}"
    return "; ".join(why_not(evaluation, part) for score, part in progress if score == best)


def _progress(evaluation: _Evaluation, node: Node) -> float:
    """The share of a rule's lists and terms present in the article (a NEAR whose sides stand apart counts less)."""
    found, total = _leaves(evaluation, node)
    return found / total if total else 0.0


def _leaves(evaluation: _Evaluation, node: Node) -> tuple[float, int]:
    if isinstance(node, AnyOf):
        return (1.0 if evaluation.hits(node) else 0.0), 1
    if isinstance(node, Not):
        return _leaves(evaluation, node.keep)
    parts = (node.left, node.right) if isinstance(node, Near) else node.parts
    counts = [_leaves(evaluation, part) for part in parts]
    found, total = sum(c[0] for c in counts), sum(c[1] for c in counts)
    if isinstance(node, Near) and found == total and not evaluation.hits(node):
        found -= 0.5
    return found, total


def _grouped(node: Node) -> str:
    return f"({describe(node)})" if isinstance(node, And | Or | Near | Not) else describe(node)


def describe(node: Node) -> str:
    """A rule part as the config writes it, shortened: @lists and terms by name."""
    if isinstance(node, AnyOf):
        return node.label or (node.terms[0].text if node.terms else "")
    if isinstance(node, Near):
        return f"{_grouped(node.left)} near {_grouped(node.right)}"
    if isinstance(node, Not):
        return f"{_grouped(node.keep)} without {_grouped(node.veto)}"
    parts = [_grouped(part) for part in node.parts]
    return ", ".join(parts[:-1]) + (" and " if isinstance(node, And) else " or ") + parts[-1]


def _passing_mention(topic: CompiledTopic, evaluation: _Evaluation, hits: list[Hit]) -> str:
    """Why the match is a passing mention, or "" when the story is about the topic: the rule holds on the story's
    opening alone (the title, summary, highlights or tags, or the first ``lead_sentences`` sentences of the body), or
    the rule's vocabulary runs through at least ``min_sentences`` sentences. News puts its subject first; a war named
    once in the fourth sentence of a summit report is background."""
    text = evaluation.text
    evidence = sorted(h for h in hits if not h[4]) or sorted(hits)
    sentences: set[tuple[int, int]] = set()
    for pos, *_ in evidence:  # title first: a story about the topic is decided here, its body never looked at
        sentences.add((pos >> POSITION_SHIFT, text.sentence_of(pos)))
        if len(sentences) >= topic.min_sentences:
            return ""
    opening = _Evaluation(topic, text, evaluation.cache, evaluation.present, True, evaluation.masked)
    if opening.hits(topic.rule):
        return ""
    for term in evaluation.present_terms(topic.vocabulary):
        if len(sentences) >= topic.min_sentences:
            return ""
        sentences.update((pos >> POSITION_SHIFT, text.sentence_of(pos)) for pos in evaluation.unmasked(term))
    if len(sentences) >= topic.min_sentences:
        return ""
    first = min(evidence)[0]
    where = f"sentence {text.sentence_of(first) + 1} of the {STREAMS[first >> POSITION_SHIFT]}"
    return (f"passing mention: the rule holds from {where} on, not in the title or the first "
            f"{_sentences(topic.lead_sentences)}, and its vocabulary is in {_sentences(len(sentences))} "
            f"(min_sentences = {topic.min_sentences})")


def _sentences(count: int) -> str:
    return f"{count} sentence" + ("" if count == 1 else "s")


def _explain(topic: CompiledTopic, text: ArticleText, hits: list[Hit]) -> TopicMatch:
    found = TopicMatch(topic=topic.id, score=0.0, rule=topic.rule_text)
    seen: set[tuple[str, str]] = set()
    words: dict[str, None] = {}  # in order of first appearance
    terms: dict[str, None] = {}
    variants: dict[str, dict[str, str]] = {}  # by the word as written: {} when it is a name's listed spelling
    surfaces, spelled_terms = text.surfaces, topic.spelled
    previous = None
    for pos, width, term, key, _ in sorted(set(hits)):
        if (pos, term) == previous:
            continue  # the same hit as a support and as evidence
        previous = pos, term
        stream, local = pos >> POSITION_SHIFT, pos & POSITION_LOCAL
        tokens = surfaces[stream]  # a span never runs past its part
        written = tokens[local] if width == 1 else " ".join(tokens[local:local + width])
        words[written] = None
        spelled = spelled_terms.get(key)
        if spelled and written not in variants:
            how = _spelling_rules(spelled, tokens[local:local + width])
            variants[written] = {"word": written, "name": term, "how": how} if how else {}
        name = STREAMS[stream]
        if (term, name) in seen:
            continue
        seen.add((term, name))
        found.score += topic.weights[name]
        found.by_field.setdefault(name, []).append(term)
        terms[term] = None
    found.words, found.terms, found.variants = list(words), list(terms), [v for v in variants.values() if v]
    found.fields = [name for name in STREAMS if name in found.by_field]
    found.score = round(found.score, 3)
    return found


def _spelling_rules(term: Term, tokens: list[str]) -> str:
    """The rules that made the spelling of ``term`` written as ``tokens`` ("" when it is spelled as listed)."""
    rules = [word.how(word_forms(token)[0]) for word, token in zip(term.words, tokens, strict=False) if word.spellings]
    return ", ".join(dict.fromkeys(rule for found in rules for rule in found.split(", ") if rule))


def _stable(value: Any) -> Any:
    """``value`` with every set sorted, so that its repr is the same in every process (a set's order depends on
    the process's string hashes)."""
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(_stable(item)) for item in value))
    if isinstance(value, dict):
        return ("dict", sorted((repr(_stable(k)), _stable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return [_stable(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, [_stable(getattr(value, f.name)) for f in fields(value)])
    return value


class TopicMatcher:
    """All topics at once. Every distinct term of every topic is indexed by its words, so one
    set intersection per article finds the terms present, and only topics whose rule can be
    true on those (a name *and* a war word, say) are evaluated on positions: 100 topics cost
    little more than one."""

    def __init__(self, topics: Mapping[str, Topic] | Iterable[CompiledTopic]) -> None:
        items = list(topics.values() if isinstance(topics, Mapping) else topics)
        self.topics = [t if isinstance(t, CompiledTopic) else compiled(t) for t in items]
        # Names the matches of these topics among an article's derived values: a parse worker built its matcher
        # from the same config, so the crawl process finds them made. The topics as written (a short repr) when
        # given; else the compiled ones with their sets sorted (a megabyte of repr: 0.17 s).
        written = all(isinstance(t, Topic) for t in items)
        described = repr(items if written else _stable(self.topics))
        self.key = "topic_matches/" + hashlib.sha1(described.encode("utf-8")).hexdigest()
        self._exact: dict[str, tuple[int, ...]] = {}  # one-word terms: form -> term keys
        self._stem: dict[str, tuple[int, ...]] = {}
        # Phrases: checked word by word, only when their first word occurs; prefixes: one by one.
        # A phrase's other words as sets of forms (and its prefix words and names with spellings, checked one by one),
        # so "all present" is mostly a C-speed subset test.
        self._phrases: dict[tuple[str, str], dict[int, tuple[frozenset[str], frozenset[str], tuple[Word, ...]]]] = {}
        self._prefixed: dict[int, tuple[Word, ...]] = {}
        self._topics_of: dict[int, set[int]] = {}  # term key -> topics it can make true
        self._clauses = [_presence_clauses(topic.rule) for topic in self.topics]
        for index, topic in enumerate(self.topics):
            for term in positive_terms(topic.rule):
                self._topics_of.setdefault(term.key, set()).add(index)
            # Every term of the rule, vetoes too, so evaluation can skip the absent ones by key.
            for term in all_terms(topic.rule):
                word = term.words[0]
                firsts = word.forms if word.kind == "exact" else (word.form,)
                if word.kind == "prefix":
                    self._prefixed[term.key] = term.words
                elif len(term.words) > 1:
                    rest = term.words[1:]
                    for first in firsts:
                        self._phrases.setdefault((word.kind, first), {})[term.key] = (
                            frozenset(w.form for w in rest if w.kind == "exact" and not w.spellings),
                            frozenset(w.form for w in rest if w.kind == "stem"),
                            tuple(w for w in rest if w.kind == "prefix" or w.spellings))
                else:
                    by_form = self._exact if word.kind == "exact" else self._stem
                    for first in firsts:
                        if term.key not in by_form.get(first, ()):
                            by_form[first] = (*by_form.get(first, ()), term.key)
        # Every prefix any topic looks up, and of the normalized forms seen so far, those starting with one.
        self._prefix_words = tuple(dict.fromkeys(p for topic in self.topics for p in topic.prefixes))
        self._seen_forms: set[str] = set()
        self._prefixed_forms: set[str] = set()
        self._forms: dict[tuple[int, ...], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self._phrase_exact = {form for kind, form in self._phrases if kind == "exact"}
        self._phrase_stem = {form for kind, form in self._phrases if kind == "stem"}

    def present(self, text: ArticleText) -> set[int]:
        """Keys of the rules' terms whose every word occurs in the article."""
        prefixed = self._limit_prefixes(text)
        keys: set[int] = set()
        for form in self._exact.keys() & text.norm_set:
            keys.update(self._exact[form])
        for form in self._stem.keys() & text.stem_set:
            keys.update(self._stem[form])
        firsts = [("exact", f) for f in self._phrase_exact & text.norm_set]
        firsts += [("stem", f) for f in self._phrase_stem & text.stem_set]
        norms, stems = text.norm_set, text.stem_set
        for first in firsts:
            keys.update(key for key, (rest_norms, rest_stems, rest_prefixes) in self._phrases[first].items()
                        if rest_norms <= norms and rest_stems <= stems
                        and (not rest_prefixes or all(text.has(w) for w in rest_prefixes)))
        if prefixed:  # most articles have no word under any topic's prefix
            keys.update(key for key, words in self._prefixed.items() if all(text.has(w) for w in words))
        return keys

    def _limit_prefixes(self, text: ArticleText) -> set[str]:
        """Tell ``text`` which of its forms start with a topic's prefix (and return them): set operations on the forms
        seen before, instead of sorting every form of every article."""
        if not self._prefix_words:
            return set()
        if len(self._seen_forms) > WORD_FORMS_MAX:
            self._seen_forms.clear()
            self._prefixed_forms.clear()
        unseen = text.norm_set - self._seen_forms
        if unseen:
            self._seen_forms |= unseen
            self._prefixed_forms.update(f for f in unseen if f.startswith(self._prefix_words))
        found = text.norm_set & self._prefixed_forms
        text.limit_prefixes(self._prefix_words, found)
        return found

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
        text.prepare(*self._forms_of(tuple(topics)))
        cache: dict[int, list[int]] = {}
        return [evaluate(topic, text, url, section, cache, present) for topic in topics]

    def _forms_of(self, topics: tuple[CompiledTopic, ...]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """Every normalized form, stemmed form and prefix these topics look up (remembered per set of topics)."""
        key = tuple(id(t) for t in topics)
        found = self._forms.get(key)
        if found is None:
            if len(self._forms) > 1024:
                self._forms.clear()
            found = self._forms[key] = (frozenset().union(*(t.norm_forms for t in topics)),
                                        frozenset().union(*(t.stem_forms for t in topics)),
                                        frozenset(p for t in topics for p in t.prefixes))
        return found

    def match(self, text: ArticleText, url: str = "", section: str = "") -> list[TopicMatch]:
        return [v.match for v in self.verdicts(text, url, section) if v.match is not None]

    def match_article(self, article: Article) -> list[TopicMatch]:
        """The topics the article matches, made once per article and set of topics (``Article.derived``)."""
        return article.derived(self.key, self._match_article)

    def _match_article(self, article: Article) -> list[TopicMatch]:
        return self.match(ArticleText.of_article(article), article.canonical_url or article.url, article.section)

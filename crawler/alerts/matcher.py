"""Matching topics against articles: each compiled rule (``crawler.alerts.rules``) evaluated on an article's word
positions (``crawler.alerts.article.ArticleText``), why it fired or not, and ``TopicMatcher`` for all topics at once.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.alerts.article import ArticleText
from crawler.alerts.rules import (
    STREAMS,
    And,
    AnyOf,
    CompiledTopic,
    Near,
    Node,
    Not,
    Opening,
    Or,
    Topic,
    compiled,
    only_names,
    positive_terms,
)
from crawler.alerts.terms import KEY_BITS, POSITION_LOCAL, POSITION_SHIFT, WIDTH_BITS, Lexicon, Term, word_forms
from crawler.items import Article

__all__ = ["ArticleText", "TopicMatch", "TopicMatcher", "Verdict", "evaluate"]

# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------

# A hit is one int (an article has a few hundred; ints sort, hash and compare at C speed): where it stands, its length
# in tokens, the term's key, and whether it is a support (a name that an AND only needs somewhere in the story, which
# says nothing about where the story's subject is), packed so that hits sort by position.
Hit = int
_SUPPORT = 1
_KEY_MASK = (1 << KEY_BITS) - 1
_HIT_WIDTH = 1 + KEY_BITS
_WIDTH_MASK = (1 << WIDTH_BITS) - 1
_HIT_POSITION = _HIT_WIDTH + WIDTH_BITS


def _hit(position: int, width: int, key: int) -> Hit:
    return position << _HIT_POSITION | width << _HIT_WIDTH | key << 1


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

    def __init__(self, topic: CompiledTopic, text: ArticleText, lexicon: Lexicon, present: set[int],
                 cache: dict[int, list[int]], opening: bool = False, masked: set[int] | None = None) -> None:
        # ``lexicon``: the words the article is indexed by (the topic's own, or a matcher's of several topics);
        # ``present``: keys of the terms whose every word occurs (Lexicon.present); ``cache``: term key -> spans, shared
        # by the topics of one article. ``opening``: only the story's opening counts (see _passing_mention).
        # ``masked``: the ignored positions, when another evaluation of the same article found them already.
        self.topic, self.text, self.lexicon, self.present, self.cache = topic, text, lexicon, present, cache
        self.opening = opening
        self.memo: dict[int, list[Hit]] = {}  # node id -> its hits (the rule's nodes live as long as the topic)
        self._opening: _Evaluation | None = None
        self.masked: set[int] = set()
        if masked is not None:
            self.masked = masked
            return
        for term in self.present_terms(topic.ignored):
            for start in self.spans(term):
                self.masked.update(range(start, start + len(term.words)))

    def spans(self, term: Term) -> list[int]:
        found = self.cache.get(term.key)
        if found is None:
            found = self.cache[term.key] = self.text.spans(self.lexicon.term_words[term.key], self.lexicon)
        if not found or len(self.topic.streams) == len(STREAMS):
            return found
        return [p for p in found if (p >> POSITION_SHIFT) in self.topic.streams]

    def present_terms(self, node: AnyOf) -> list[Term]:
        """The terms of ``node`` whose every word occurs in the article."""
        by_key = node.by_key
        return [by_key[k] for k in sorted(node.keys & self.present)] if by_key else []

    def unmasked(self, term: Term) -> list[int]:
        """Where ``term`` stands in the topic's fields, its words not inside an ignored phrase."""
        found = self.spans(term)
        if self.masked:
            masked, size = self.masked, len(term.words)
            found = [p for p in found if masked.isdisjoint(range(p, p + size))]
        return [p for p in found if self.in_opening(p)] if self.opening else found

    def in_opening(self, pos: int) -> bool:
        """Whether ``pos`` is in the title, summary, highlights or tags, or the first ``lead_sentences`` sentences of
        the body."""
        stream = pos >> POSITION_SHIFT
        if stream == _LEAD:
            return self.text.sentence_of(pos) < (self.topic.lead_sentences or 1)
        return stream != _BODY

    def opening_evaluation(self) -> _Evaluation:
        """The same topic on the story's opening alone (this evaluation itself when it already is one)."""
        if self.opening:
            return self
        if self._opening is None:
            self._opening = _Evaluation(self.topic, self.text, self.lexicon, self.present, self.cache, True,
                                        self.masked)
        return self._opening

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
                collected += [hit | _SUPPORT for hit in found] if support else found
            return collected
        if isinstance(node, Not):
            keep = self._hits(node.keep)
            return keep if keep and not self._hits(node.veto) else []
        if isinstance(node, Opening):
            if isinstance(node.node, AnyOf) and node.node.keys.isdisjoint(self.present):
                return []  # none of its terms occurs at all
            return self.opening_evaluation().hits(node.node)
        left, right = self._hits(node.left), self._hits(node.right)
        return _near_hits(left, right, node.distance) if left and right else []

    def _leaf(self, node: AnyOf) -> list[Hit]:
        """Every position of the list's terms in the topic's fields, ignored phrases left out."""
        keys = node.keys & self.present  # the few present (the list's other terms are never looked at)
        if not keys:
            return []
        by_key = node.by_key
        terms = [by_key[k] for k in sorted(keys)]
        cache, text, masked, lexicon = self.cache, self.text, self.masked, self.lexicon
        positions, term_words = text.positions(lexicon), lexicon.term_words
        streams = None if len(self.topic.streams) == len(STREAMS) else self.topic.streams
        found: list[Hit] = []
        for term in terms:
            words = term_words[term.key]
            if len(words) == 1:  # where its one word stands
                starts = positions.get(words[0])
            else:
                starts = cache.get(term.key)
                if starts is None:
                    starts = cache[term.key] = text.spans(words, lexicon)
            if not starts:
                continue
            size = len(words)
            if streams is not None:
                starts = [p for p in starts if (p >> POSITION_SHIFT) in streams]
            if masked:
                if size > 1:
                    starts = [p for p in starts if masked.isdisjoint(range(p, p + size))]
                elif not masked.isdisjoint(starts):
                    starts = [p for p in starts if p not in masked]
            if self.opening:
                starts = [p for p in starts if self.in_opening(p)]
            tag = _hit(0, size, term.key)
            found += [p << _HIT_POSITION | tag for p in starts]
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
    if isinstance(node, Opening):
        return _presence_clauses(node.node)
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
    """Hits of either side that have a hit of the other side within ``distance`` words. (Two parts' positions lie
    2**POSITION_SHIFT apart, so a window of a few words never reaches into another part.)"""
    ordered = sorted(right)
    starts = [b >> _HIT_POSITION for b in ordered]
    widest = max((b >> _HIT_WIDTH) & _WIDTH_MASK for b in ordered)
    kept: dict[Hit, None] = {}
    for a in left:
        start = a >> _HIT_POSITION
        end = start + ((a >> _HIT_WIDTH) & _WIDTH_MASK)
        for index in range(bisect_left(starts, start - distance - widest), bisect_right(starts, end + distance)):
            at = starts[index]
            if (at - end if at >= start else start - at - ((ordered[index] >> _HIT_WIDTH) & _WIDTH_MASK)) <= distance:
                kept[a] = kept[ordered[index]] = None
    return list(kept)


@functools.lru_cache(maxsize=16)
def _path_of(url: str) -> str:
    """The URL's path (the topics of one article ask for it in turn)."""
    return urlsplit(url).path


def _excluded_by_place(topic: CompiledTopic, url: str, section: str) -> str:
    path = _path_of(url) if url and topic.exclude_paths else ""
    for pattern in topic.exclude_paths:
        if path and (fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path.startswith(pattern)):
            return f"excluded by URL path {pattern!r}"
    if section and section.casefold() in topic.exclude_sections:
        return f"excluded by section {section!r}"
    return ""


def evaluate(topic: CompiledTopic, text: ArticleText, url: str = "", section: str = "",
             cache: dict[int, list[int]] | None = None, present: set[int] | None = None,
             explain: bool = False, lexicon: Lexicon | None = None) -> Verdict:
    """Whether ``topic`` fires on the article, and why (or why not). ``lexicon``: the words the article is indexed by
    (a matcher's, or the topic's own), ``present``: the terms that occur (``Lexicon.present``), found when not given.
    With ``explain``, a rule that does not hold says which part failed (``why_not``) instead of "no match"."""
    place = _excluded_by_place(topic, url, section)
    if place:
        return Verdict(topic.id, None, place)
    lexicon = lexicon or topic.lexicon
    if present is None:
        present = lexicon.present(text.found(lexicon))
    evaluation = _Evaluation(topic, text, lexicon, present, {} if cache is None else cache)
    for term in topic.exclude:
        if term.key in present and evaluation.spans(term):
            return Verdict(topic.id, None, f"excluded by term {term.text!r}")
    hits = evaluation.hits(topic.rule)
    if not hits:
        return Verdict(topic.id, None, why_not(evaluation, topic.rule) if explain else "no match")
    hits = sorted(hits)  # in the article's order (a hit as support and as evidence side by side)
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
    if isinstance(node, Opening):
        if not evaluation.hits(node.node):
            return why_not(evaluation, node.node)
        return f"{describe(node.node)}, but not in the opening (the title or the first sentences)"
    if isinstance(node, And):
        holding = [part for part in node.parts if evaluation.hits(part)]
        failing = [part for part in node.parts if part not in holding]
        if holding and all(only_names(part) for part in failing):  # the one-sided story: "only one side named"
            return f"{', '.join(map(describe, holding))}, but no {' and no '.join(map(describe, failing))} anywhere"
        return "; ".join(why_not(evaluation, part) for part in failing)
    # Or: the branches that got furthest (fewest requirements missing, then most met) say most about what is missing.
    progress = [(_progress(evaluation, part), part) for part in node.parts]
    best = max(score for score, _ in progress)
    if best[1] == 0:
        return f"none of {describe(node)}"
    return "; ".join(why_not(evaluation, part) for score, part in progress if score == best)


def _progress(evaluation: _Evaluation, node: Node) -> tuple[float, float]:
    """How far a rule part got on the article: (minus the requirements missing, the requirements met)."""
    found, total = _leaves(evaluation, node)
    return found - total, found


def _leaves(evaluation: _Evaluation, node: Node) -> tuple[float, int]:
    """(requirements met, requirements) of a rule part. A list or term is one requirement, met when it occurs; an
    alternative (OR) counts as its furthest branch; a NEAR whose sides both occur but stand apart lacks half a
    requirement."""
    if isinstance(node, AnyOf):
        return (1.0 if evaluation.hits(node) else 0.0), 1
    if isinstance(node, Not):
        return _leaves(evaluation, node.keep)
    if isinstance(node, Opening):
        return _leaves(evaluation, node.node)
    if isinstance(node, Or):
        return max((_leaves(evaluation, part) for part in node.parts), key=lambda c: (c[0] - c[1], c[0]))
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
    if isinstance(node, Opening):
        return f"{_grouped(node.node)} in the opening"
    parts = [_grouped(part) for part in node.parts]
    return ", ".join(parts[:-1]) + (" and " if isinstance(node, And) else " or ") + parts[-1]


def _passing_mention(topic: CompiledTopic, evaluation: _Evaluation, hits: list[Hit]) -> str:
    """Why the match is a passing mention, or "" when the story is about the topic: the rule holds on the story's
    opening alone (the title, summary, highlights or tags, or the first ``lead_sentences`` sentences of the body), the
    topic's subject is named in the opening and in at least ``subject_sentences`` sentences, or the vocabulary of the
    parts of the rule that hold runs through at least ``min_sentences`` sentences. News puts its subject first; a war
    named once in the fourth sentence of a summit report is background."""
    text = evaluation.text
    evidence = [hit for hit in hits if not hit & _SUPPORT] or hits
    sentences: set[tuple[int, int]] = set()
    for hit in evidence:  # title first: a story about the topic is decided here, its body never looked at
        pos = hit >> _HIT_POSITION
        sentences.add((pos >> POSITION_SHIFT, text.sentence_of(pos)))
        if len(sentences) >= topic.min_sentences:
            return ""
    opening = evaluation.opening_evaluation()
    if opening.hits(topic.rule) or _subject_runs_through(topic, evaluation):
        return ""
    for term in _holding_vocabulary(evaluation, topic.rule, {}).values():
        if len(sentences) >= topic.min_sentences:
            return ""
        sentences.update((pos >> POSITION_SHIFT, text.sentence_of(pos)) for pos in evaluation.unmasked(term))
    if len(sentences) >= topic.min_sentences:
        return ""
    first = min(evidence) >> _HIT_POSITION
    where = f"sentence {text.sentence_of(first) + 1} of the {STREAMS[first >> POSITION_SHIFT]}"
    subject = (f"; its subject is not named in the opening and {topic.subject_sentences} sentences"
               if topic.subject is not None else "")
    return (f"passing mention: the rule holds from {where} on, not in the title or the first "
            f"{_sentences(topic.lead_sentences)}, and its vocabulary is in {_sentences(len(sentences))} "
            f"(min_sentences = {topic.min_sentences}){subject}")


def _subject_runs_through(topic: CompiledTopic, evaluation: _Evaluation) -> bool:
    """Whether the topic's subject is named in the story's opening and in at least ``subject_sentences`` sentences."""
    if topic.subject is None or not evaluation.opening_evaluation().hits(topic.subject):
        return False
    text = evaluation.text
    sentences = {(pos >> POSITION_SHIFT, text.sentence_of(pos))
                 for pos in (hit >> _HIT_POSITION for hit in evaluation.hits(topic.subject))}
    return len(sentences) >= topic.subject_sentences


def _holding_vocabulary(evaluation: _Evaluation, node: Node, found: dict[int, Term]) -> dict[int, Term]:
    """The vocabulary (terms that are not names) of the parts of ``node`` that hold on the article, by key: a list that
    only one branch of the rule uses (the officers of "an officer near a bomb") tells nothing about a story that
    matched by another branch (an arms story that names its navy chief, then the war once)."""
    if not evaluation.hits(node):
        return found
    if isinstance(node, AnyOf):
        found.update((t.key, t) for t in evaluation.present_terms(node) if not t.is_name)
    elif isinstance(node, Opening | Not):
        _holding_vocabulary(evaluation, node.node if isinstance(node, Opening) else node.keep, found)
    else:
        for part in (node.left, node.right) if isinstance(node, Near) else node.parts:
            _holding_vocabulary(evaluation, part, found)
    return found


def _sentences(count: int) -> str:
    return f"{count} sentence" + ("" if count == 1 else "s")


def _explain(topic: CompiledTopic, text: ArticleText, hits: list[Hit]) -> TopicMatch:
    """What made the rule true, from its hits in order: the terms, the words as written, the fields, the score."""
    found = TopicMatch(topic=topic.id, score=0.0, rule=topic.rule_text)
    seen: set[tuple[str, int]] = set()
    words: dict[str, None] = {}  # in order of first appearance
    terms: dict[str, None] = {}
    variants: dict[str, dict[str, str]] = {}  # by the word as written: {} when it is a name's listed spelling
    surfaces, spelled_terms, term_of = text.surfaces, topic.spelled, topic.term_of
    previous = -1
    for hit in hits:
        if hit >> 1 == previous:
            continue  # the same hit again (as a support and as evidence, or from two branches)
        previous = hit >> 1
        pos, width, key = hit >> _HIT_POSITION, (hit >> _HIT_WIDTH) & _WIDTH_MASK, (hit >> 1) & _KEY_MASK
        term = term_of[key].text
        stream, local = pos >> POSITION_SHIFT, pos & POSITION_LOCAL
        tokens = surfaces[stream]  # a span never runs past its part
        written = tokens[local] if width == 1 else " ".join(tokens[local:local + width])
        words[written] = None
        if key in spelled_terms and written not in variants:
            how = _SPELLINGS.get((key, written))
            if how is None:
                if len(_SPELLINGS) >= 50_000:
                    _SPELLINGS.clear()
                how = _SPELLINGS[(key, written)] = _spelling_rules(spelled_terms[key], tokens[local:local + width])
            variants[written] = {"word": written, "name": term, "how": how} if how else {}
        if (term, stream) in seen:
            continue
        seen.add((term, stream))
        name = STREAMS[stream]
        found.score += topic.weights[name]
        found.by_field.setdefault(name, []).append(term)
        terms[term] = None
    found.words, found.terms, found.variants = list(words), list(terms), [v for v in variants.values() if v]
    found.fields = [name for name in STREAMS if name in found.by_field]
    found.score = round(found.score, 3)
    return found


# (term key, the term as written in an article) -> the spelling rules that wrote it so: a name recurs in few spellings.
_SPELLINGS: dict[tuple[int, str], str] = {}


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
    if is_dataclass(value) and not isinstance(value, type):  # the fields that say what it is (not those derived)
        return (type(value).__name__, [_stable(getattr(value, f.name)) for f in fields(value) if f.compare])
    return value


# Lexicons of sets of topics, by the topics' identities (the entry keeps them alive, so no other topic takes an id):
# a matcher made again for the same topics keeps what its lexicon learned about words.
_LEXICONS: dict[tuple[int, ...], tuple[list[CompiledTopic], Lexicon]] = {}


def _lexicon_of(topics: list[CompiledTopic]) -> Lexicon:
    if len(topics) == 1:
        return topics[0].lexicon
    key = tuple(map(id, topics))
    found = _LEXICONS.get(key)
    if found is None:
        if len(_LEXICONS) >= 8:
            _LEXICONS.clear()
        found = _LEXICONS[key] = (topics, Lexicon(term for topic in topics for term in topic.terms))
    return found[1]


class TopicMatcher:
    """All topics at once. Every word of every topic is in one lexicon, so finding which terms an article holds is one
    remembered lookup per distinct word of it, and only topics whose rule can be true on those (a name *and* a war
    word, say) are evaluated on positions: 100 topics cost little more than one, and an article no topic can match is
    never split into sentences."""

    def __init__(self, topics: Mapping[str, Topic] | Iterable[CompiledTopic]) -> None:
        items = list(topics.values() if isinstance(topics, Mapping) else topics)
        self.topics = [t if isinstance(t, CompiledTopic) else compiled(t) for t in items]
        # Names the matches of these topics among an article's derived values: a parse worker built its matcher
        # from the same config, so the crawl process finds them made. The topics as written (a short repr) when
        # given; else the compiled ones with their sets sorted (a megabyte of repr: 0.17 s).
        written = all(isinstance(t, Topic) for t in items)
        described = repr(items if written else _stable(self.topics))
        self.key = "topic_matches/" + hashlib.sha1(described.encode("utf-8")).hexdigest()
        self.lexicon = _lexicon_of(self.topics)
        self._topics_of: dict[int, set[int]] = {}  # term key -> topics it can make true
        self._clauses = [_presence_clauses(topic.rule) for topic in self.topics]
        for index, topic in enumerate(self.topics):
            for term in positive_terms(topic.rule):
                self._topics_of.setdefault(term.key, set()).add(index)

    def present(self, text: ArticleText) -> set[int]:
        """Keys of the topics' terms whose every word occurs in the article."""
        return self.lexicon.present(text.found(self.lexicon))

    def candidates(self, text: ArticleText) -> list[CompiledTopic]:
        """Topics whose rule could be true given which terms occur at all (positions not yet looked at)."""
        return self._candidates(self.present(text))

    def _candidates(self, present: set[int]) -> list[CompiledTopic]:
        chosen: set[int] = set()
        topics_of = self._topics_of
        for key in filter(topics_of.__contains__, present):
            chosen |= topics_of[key]
        return [self.topics[i] for i in sorted(chosen) if _satisfiable(self._clauses[i], present)]

    def verdicts(self, text: ArticleText, url: str = "", section: str = "") -> list[Verdict]:
        present = self.present(text)
        topics = self._candidates(present)
        if not topics:
            return []
        cache: dict[int, list[int]] = {}
        return [evaluate(topic, text, url, section, cache, present, lexicon=self.lexicon) for topic in topics]

    def match(self, text: ArticleText, url: str = "", section: str = "") -> list[TopicMatch]:
        return [v.match for v in self.verdicts(text, url, section) if v.match is not None]

    def match_article(self, article: Article) -> list[TopicMatch]:
        """The topics the article matches, made once per article and set of topics (``Article.derived``)."""
        return article.derived(self.key, self._match_article)

    def _match_article(self, article: Article) -> list[TopicMatch]:
        return self.match(ArticleText.of_article(article), article.canonical_url or article.url, article.section)

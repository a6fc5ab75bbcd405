"""Topic rules: a topic as configured, its terms, and its rule compiled once (``crawler.alerts.matcher`` matches).

A term is a word or a phrase (``रूस यूक्रेन युद्ध``, ``Russia-Ukraine``); it matches as a
sequence of tokens, each word in one of three ways:

* ``stem``: the stemmed search form (``crawler.text.hindi.search_tokens``), so हमला/हमले/हमलों
  are one word. Vocabulary (``any``, ``context``, ``exclude``, lists, words in ``rule``).
* ``exact``: the normalized form only (``crawler.text.hindi.normalize_word``), so रूस/रुस and
  ज़ेलेंस्की/जेलेन्स्की match but the stemmer cannot turn कीवी (New Zealand's cricket team)
  into कीव. Names in ``terms`` are exact, every inflection listed (रूसी, यूक्रेनी ...);
  a word listed there is exact everywhere else in the topic too. ``=word`` forces it.
* ``prefix``: ``Zelensk*`` matches every normalized word that starts so (meant for Latin).

A topic's rule is a boolean expression over terms and lists: ``@any OR (@terms NEAR/12
@context)`` is what the plain keys mean. Exclusions veto the article (``exclude``, URL paths,
sections); ``ignore`` phrases (रूसी भाषा) only stop their own words from counting.
A match records the terms, the words as written, the fields and a score (the field weights
of every distinct term and field that made the rule true), so an alert says why it fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import regex

from crawler.text.hindi import normalize_word, stem, word_tokens

# The article fields a topic reads by default.
TOPIC_FIELDS = ("title", "summary", "highlights", "body", "tags")
# Article parts in scoring order. "lead" is the first paragraph of the body: a name there is
# a stronger signal than one deep in the body. A rule limited to "body" still sees the lead.
STREAMS = ("title", "summary", "highlights", "lead", "body", "tags")
FIELD_STREAMS = {"title": ("title",), "summary": ("summary",), "highlights": ("highlights",),
                 "lead": ("lead",), "body": ("lead", "body"), "tags": ("tags",)}
DEFAULT_WEIGHTS = {"title": 3.0, "summary": 2.0, "highlights": 2.0, "lead": 2.0, "body": 1.0, "tags": 1.0}
MAX_NEAR = 100
POSITION_SHIFT = 20  # a position is (stream index << POSITION_SHIFT) | token index
POSITION_LOCAL = (1 << POSITION_SHIFT) - 1
# Phrases must not run across a sentence end (crawler.text.hindi.SENTENCE_END_RE); NEAR may (a name and the war in
# adjacent sentences).
_REPEATED_MARK = regex.compile(r"(\p{M})\1+")
_LIST_NAME = regex.compile(r"^[\w-]+$")


@dataclass
class Topic:
    """One ``[topics.<id>]`` table of khabar.toml, as written; ``compiled`` is its checked, compiled rule."""

    id: str
    label: str
    # Strong terms: any one of them is enough (e.g. the compound रूस-यूक्रेन).
    any: list[str] = field(default_factory=list)
    # Anchor terms that count only together with a context term.
    terms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=lambda: list(TOPIC_FIELDS))
    notify: list[str] = field(default_factory=list)
    # Rule and scoring (this module): a boolean expression over terms and @lists; a name
    # counts only within `near` words of context vocabulary; `ignore` phrases do not count.
    rule: str = ""
    lists: dict[str, list[str]] = field(default_factory=dict)
    near: int = 0
    ignore: list[str] = field(default_factory=list)
    exclude_paths: list[str] = field(default_factory=list)
    exclude_sections: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    threshold: float = 1.0
    # Delivery (crawler.alerts.recording): instant, digest (on the `digest` cron, IST), or auto
    # (instant from `instant_score` up, digest below); quiet hours hold alerts, IST.
    delivery: str = "instant"
    instant_score: float = 3.0
    digest: str = ""
    quiet_hours: str = ""
    once_per_story: bool = False
    compiled: Any = field(default=None, repr=False, compare=False)



class RuleError(ValueError):
    """A topic rule that cannot work; ``key`` is the config key at fault (``rule``, ``terms`` ...)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


# ---------------------------------------------------------------------------
# Words and terms
# ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Word:
    kind: str  # "exact", "stem" or "prefix"
    form: str
    # A stem of two letters (सेना -> से) would also be a postposition: only inflected words count.
    inflected_only: bool = False


@dataclass(frozen=True)
class Term:
    text: str  # as written in the config: what an alert reports
    words: tuple[Word, ...]
    # The same words get the same key in every topic, so one article's lookups are shared.
    key: int = field(default=0, compare=False)


_TERM_KEYS: dict[tuple[Word, ...], int] = {}


def compile_term(text: str, key: str, default: str = "stem", names: frozenset[str] = frozenset()) -> Term:
    """One config term: ``word``, ``two words``, ``=exact name``, ``prefix*``."""
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
    compiled = []
    for index, raw_word in enumerate(words):
        normalized, stemmed = word_forms(raw_word)
        if prefix and index == len(words) - 1:
            compiled.append(Word("prefix", normalized))
        elif exact or default == "exact" or normalized in names:
            compiled.append(Word("exact", normalized))
        else:
            compiled.append(Word("stem", stemmed, inflected_only=len(stemmed) <= 2 and stemmed != normalized))
    words_key = tuple(compiled)
    return Term(text=raw, words=words_key, key=_TERM_KEYS.setdefault(words_key, len(_TERM_KEYS) + 1))


# ---------------------------------------------------------------------------
# The rule language: terms, @lists, AND / OR / NOT, NEAR/N, parentheses
# ---------------------------------------------------------------------------


class WordIndex(Protocol):
    """What ``AnyOf.present`` needs of an article (``crawler.alerts.matcher.ArticleText``)."""

    norm_set: set[str]
    stem_set: set[str]

    def has(self, word: Word) -> bool: ...


@dataclass(frozen=True)
class AnyOf:
    """A list of terms, any of which may match. One-word terms are indexed by form, so finding
    the few present in an article is a set intersection, not a loop over the list."""

    terms: tuple[Term, ...]
    keys: frozenset[int] = field(init=False, compare=False, repr=False)
    by_exact: dict[str, list[Term]] = field(init=False, compare=False, repr=False)
    by_stem: dict[str, list[Term]] = field(init=False, compare=False, repr=False)
    others: tuple[Term, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_exact: dict[str, list[Term]] = {}
        by_stem: dict[str, list[Term]] = {}
        others = []
        for term in self.terms:
            word = term.words[0]
            if len(term.words) > 1 or word.kind == "prefix":
                others.append(term)
            else:
                (by_exact if word.kind == "exact" else by_stem).setdefault(word.form, []).append(term)
        object.__setattr__(self, "keys", frozenset(t.key for t in self.terms))
        object.__setattr__(self, "by_exact", by_exact)
        object.__setattr__(self, "by_stem", by_stem)
        object.__setattr__(self, "others", tuple(others))

    def present(self, text: WordIndex) -> list[Term]:
        """The terms whose every word occurs somewhere in the article (positions not checked)."""
        found = [t for form in self.by_exact.keys() & text.norm_set for t in self.by_exact[form]]
        found += [t for form in self.by_stem.keys() & text.stem_set for t in self.by_stem[form]]
        return found + [t for t in self.others if all(text.has(w) for w in t.words)]


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    keep: Node
    veto: Node


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = AnyOf | And | Or | Not | Near

_RULE_TOKEN = regex.compile(
    r'\s*(?:(?P<phrase>=?"[^"]*"\*?)|(?P<paren>[()])|(?P<ref>@[\w-]+)|(?P<near>NEAR(?:/\S*)?)(?=[\s()]|$)'
    r"|(?P<op>AND|OR|NOT)(?=[\s()]|$)|(?P<word>[^\s()\"]+))")


class _RuleParser:
    """Recursive descent: or := and (OR and)*; and := near ([AND] [NOT] near)*; near := unit (NEAR/N unit)*."""

    def __init__(self, text: str, lists: Mapping[str, tuple[Term, ...]], names: frozenset[str]) -> None:
        self.lists, self.names = lists, names
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _RULE_TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip():
                    raise RuleError("rule", f"cannot read {text[pos:].strip()!r}")
                break
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise RuleError("rule", "is empty")
        node = self.parse_or()
        kind, value = self.peek()
        if kind != "end":
            raise RuleError("rule", f"unexpected {value!r}" + (" (a ')' without its '(')" if value == ")" else ""))
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.peek() == ("op", "OR"):
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self) -> Node:
        node = self.parse_near()
        while True:
            kind, value = self.peek()
            if kind == "op" and value in ("AND", "NOT"):
                self.take()
                if value == "AND" and self.peek() == ("op", "NOT"):
                    self.take()
                    value = "NOT"
                right = self.parse_near()
                node = Not(node, right) if value == "NOT" else And((node, right))
            elif kind in ("phrase", "paren", "ref", "word") and value != ")":
                node = And((node, self.parse_near()))  # juxtaposition means AND, as in search
            else:
                return node

    def parse_near(self) -> Node:
        node = self.parse_unit()
        while self.peek()[0] == "near":
            _, value = self.take()
            distance = value.partition("/")[2] or "10"
            if not distance.isdigit() or not 1 <= int(distance) <= MAX_NEAR:
                raise RuleError("rule", f"{value!r}: write NEAR/N with N a number of words from 1 to {MAX_NEAR}")
            node = Near(node, self.parse_unit(), int(distance))
        return node

    def parse_unit(self) -> Node:
        kind, value = self.take()
        if kind == "paren" and value == "(":
            node = self.parse_or()
            if self.take() != ("paren", ")"):
                raise RuleError("rule", "a '(' is never closed")
            return node
        if kind == "ref":
            name = value[1:]
            if name not in self.lists:
                raise RuleError("rule", f"no list named {value!r} (lists here: "
                                        f"{', '.join('@' + n for n in sorted(self.lists)) or 'none'})")
            if not self.lists[name]:
                raise RuleError("rule", f"{value!r} is an empty list")
            return AnyOf(self.lists[name])
        if kind == "phrase":
            exact = value.startswith("=")
            inner = value.lstrip("=")
            text = ("=" if exact else "") + inner.strip('"*') + ("*" if inner.endswith("*") else "")
            return AnyOf((compile_term(text, "rule", names=self.names),))
        if kind == "word":
            return AnyOf((compile_term(value, "rule", names=self.names),))
        if kind == "end":
            raise RuleError("rule", "ends where a term was expected")
        if kind == "op" and value == "NOT":
            raise RuleError("rule", "NOT needs something before it, as in 'रूस NOT क्रिकेट'")
        raise RuleError("rule", f"{value!r} needs a term on both sides")


def parse_rule(text: str, lists: Mapping[str, tuple[Term, ...]], names: frozenset[str] = frozenset()) -> Node:
    return _RuleParser(text, lists, names).parse()


def positive_terms(node: Node) -> list[Term]:
    """The terms one of which must match for the rule to be true (what triggers evaluation)."""
    if isinstance(node, AnyOf):
        return list(node.terms)
    if isinstance(node, Not):
        return positive_terms(node.keep)
    if isinstance(node, Near):
        return positive_terms(node.left) + positive_terms(node.right)
    return [t for part in node.parts for t in positive_terms(part)]


def all_terms(node: Node) -> list[Term]:
    """Every term of the rule, vetoed ones included."""
    if isinstance(node, AnyOf):
        return list(node.terms)
    if isinstance(node, Not):
        return all_terms(node.keep) + all_terms(node.veto)
    if isinstance(node, Near):
        return all_terms(node.left) + all_terms(node.right)
    return [t for part in node.parts for t in all_terms(part)]


# ---------------------------------------------------------------------------
# Compiled topics
# ---------------------------------------------------------------------------


@dataclass
class CompiledTopic:
    id: str
    label: str
    rule_text: str
    rule: Node
    exclude: tuple[Term, ...]
    ignore: tuple[Term, ...]
    exclude_paths: tuple[str, ...]
    exclude_sections: frozenset[str]
    streams: frozenset[int]
    weights: dict[str, float]
    threshold: float
    triggers: tuple[Word, ...]
    # Every word form the topic can look up (rule, exclusions, ignored phrases): what to index.
    norm_forms: frozenset[str] = frozenset()
    stem_forms: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()


def default_rule(topic: Topic) -> str:
    """What the plain keys mean: a strong term, or a name together with (near) context vocabulary."""
    parts = ["@any"] if topic.any else []
    if topic.terms:
        if not topic.context:
            parts.append("@terms")
        elif topic.near:
            parts.append(f"(@terms NEAR/{topic.near} @context)")
        else:
            parts.append("(@terms AND @context)")
    return " OR ".join(parts)


def compile_topic(topic: Topic) -> CompiledTopic:
    """Check and compile one topic; raises RuleError naming the key at fault."""
    names = frozenset(word_forms(w)[0] for term in topic.terms for w in word_tokens(term.lstrip("=").rstrip("*")))
    lists: dict[str, tuple[Term, ...]] = {
        "any": _terms(topic.any, "any", "stem", names),
        "terms": _terms(topic.terms, "terms", "exact", names),
        "context": _terms(topic.context, "context", "stem", names),
    }
    for name, entries in topic.lists.items():
        if not _LIST_NAME.match(name) or name in lists:
            raise RuleError(f"lists.{name}", "a list needs a plain name other than any, terms or context")
        lists[name] = _terms(entries, f"lists.{name}", "stem", names)
    rule_text = topic.rule or default_rule(topic)
    if not rule_text:
        raise RuleError("rule", "a topic needs a 'rule', or terms in 'any' or 'terms'")
    rule = parse_rule(rule_text, lists, names)
    for path in topic.exclude_paths:
        if not path.startswith(("/", "*")):
            raise RuleError("exclude_paths", f"{path!r} must be a URL path such as '/cricket/' (or a '*' pattern)")
    streams = frozenset(STREAMS.index(s) for name in topic.fields for s in FIELD_STREAMS[name])
    weights = {**DEFAULT_WEIGHTS, **topic.weights}
    triggers = tuple(dict.fromkeys(term.words[0] for term in positive_terms(rule)))
    exclude = _terms(topic.exclude, "exclude", "stem", names)
    ignore = _terms(topic.ignore, "ignore", "stem", names)
    words = [w for term in all_terms(rule) + list(exclude) + list(ignore) for w in term.words]
    return CompiledTopic(
        id=topic.id, label=topic.label, rule_text=rule_text, rule=rule, exclude=exclude, ignore=ignore,
        exclude_paths=tuple(topic.exclude_paths),
        exclude_sections=frozenset(s.casefold() for s in topic.exclude_sections),
        streams=streams, weights=weights, threshold=topic.threshold, triggers=triggers,
        norm_forms=frozenset(w.form for w in words if w.kind == "exact"),
        stem_forms=frozenset(w.form for w in words if w.kind == "stem"),
        prefixes=tuple(dict.fromkeys(w.form for w in words if w.kind == "prefix")))


def _terms(texts: list[str], key: str, default: str, names: frozenset[str]) -> tuple[Term, ...]:
    """Compiled terms; spellings that fold to the same words (रूस, रुस) keep the first one listed."""
    unique: dict[tuple[Word, ...], Term] = {}
    for text in texts:
        term = compile_term(text, key, default, names)
        unique.setdefault(term.words, term)
    return tuple(unique.values())


def compiled(topic: Topic) -> CompiledTopic:
    """The topic's compiled rule, built once (config loading already did it for file topics)."""
    if topic.compiled is None:
        topic.compiled = compile_topic(topic)
    return topic.compiled



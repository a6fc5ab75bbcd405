"""Topic rules: a topic as configured, its terms, and its rule compiled once (``crawler.alerts.matcher`` matches).

A term is a word or a phrase (``रूस यूक्रेन युद्ध``, ``Russia-Ukraine``); it matches as a
sequence of tokens, each word in one of three ways:

* ``stem``: the stemmed search form (``crawler.text.hindi.search_tokens``), so हमला/हमले/हमलों
  are one word. Vocabulary (``any``, ``context``, ``exclude``, lists, words in ``rule``).
* ``exact``: the normalized form only (``crawler.text.hindi.normalize_word``), so रूस/रुस and
  ज़ेलेंस्की/जेलेन्स्की match but the stemmer cannot turn कीवी (New Zealand's cricket team)
  into कीव. Names (``terms`` and the lists of ``names``) are exact, every inflection listed (रूसी,
  यूक्रेनी ...), and each also matches the transliteration variants ``crawler.alerts.variants``
  generates (बखमुत: बखमुट, बाखमुत); a word listed as a name is a name everywhere else in the topic
  too. ``=word`` forces an exact match of that spelling alone.
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
from typing import Any

import regex

from crawler.alerts.terms import Lexicon, RuleError, Term, compile_term, word_forms
from crawler.text.hindi import word_tokens

# The article fields a topic reads by default.
TOPIC_FIELDS = ("title", "summary", "highlights", "body", "tags")
# Article parts in scoring order. "lead" is the first paragraph of the body: a name there is
# a stronger signal than one deep in the body. A rule limited to "body" still sees the lead.
STREAMS = ("title", "summary", "highlights", "lead", "body", "tags")
FIELD_STREAMS = {"title": ("title",), "summary": ("summary",), "highlights": ("highlights",),
                 "lead": ("lead",), "body": ("lead", "body"), "tags": ("tags",)}
DEFAULT_WEIGHTS = {"title": 3.0, "summary": 2.0, "highlights": 2.0, "lead": 2.0, "body": 1.0, "tags": 1.0}
MAX_NEAR = 100
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
    # Named lists of names, exact with spelling variants, for the rule (@ukraine, @russia: the sides of a conflict).
    names: dict[str, list[str]] = field(default_factory=dict)
    # Generate the spelling variants of names (crawler.alerts.variants); false: each name as written only.
    variants: bool = True
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
    # The story must be about the topic, not mention it in passing (crawler.alerts.prominence): the rule's
    # vocabulary must hold in the title, summary, highlights or tags or in the first `lead_sentences` sentences of
    # the body, or run through at least `min_sentences` sentences. 0: off.
    lead_sentences: int = 0
    min_sentences: int = 2
    # Or the story's `subject` (a rule, usually over the names of one side: "@ukraine OR @front") holds in its opening
    # and in at least `subject_sentences` sentences (title and lead included): diplomacy and aid stories name the side
    # in every sentence and the war once, further down. "": off.
    subject: str = ""
    subject_sentences: int = 3
    # Delivery (crawler.alerts.recording): instant, digest (on the `digest` cron, IST), or auto
    # (instant from `instant_score` up, digest below); quiet hours hold alerts, IST.
    delivery: str = "instant"
    instant_score: float = 3.0
    digest: str = ""
    quiet_hours: str = ""
    once_per_story: bool = False
    compiled: Any = field(default=None, repr=False, compare=False)



# ---------------------------------------------------------------------------
# The rule language: terms, @lists, AND / OR / NOT, NEAR/N, parentheses
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnyOf:
    """A list of terms, any of which may match; by key, so the few present in an article (``Lexicon.present``) are a
    set intersection, not a loop over the list."""

    terms: tuple[Term, ...]
    label: str = field(default="", compare=False)  # "@list" or the term as written: what a reason names
    keys: frozenset[int] = field(init=False, compare=False, repr=False)
    by_key: dict[int, Term] = field(init=False, compare=False, repr=False)
    only_names: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(t.key for t in self.terms))
        object.__setattr__(self, "by_key", {t.key: t for t in self.terms})
        object.__setattr__(self, "only_names", bool(self.terms) and all(t.is_name for t in self.terms))


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]
    # Per part: a part of names only beside parts that are not, which the story needs only somewhere (a "support").
    support: tuple[bool, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [only_names(part) for part in self.parts]
        object.__setattr__(self, "support", tuple(name and not all(names) for name in names))


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


@dataclass(frozen=True)
class Opening:
    """``OPENING(x)``: x holds on the story's opening alone (the title, summary, highlights, tags and the first
    ``lead_sentences`` sentences of the lead, at least one): what the story is about, not what it mentions."""

    node: Node


Node = AnyOf | And | Or | Not | Near | Opening

_RULE_TOKEN = regex.compile(
    r'\s*(?:(?P<phrase>=?"[^"]*"\*?)|(?P<paren>[()])|(?P<ref>@[\w-]+)|(?P<near>NEAR(?:/\S*)?)(?=[\s()]|$)'
    r"|(?P<op>AND|OR|NOT)(?=[\s()]|$)|(?P<opening>OPENING)(?=\s*\()|(?P<word>[^\s()\"]+))")


class _RuleParser:
    """Recursive descent: or := and (OR and)*; and := near ([AND] [NOT] near)*; near := unit (NEAR/N unit)*;
    unit := ( or ) | OPENING ( or ) | @list | term."""

    def __init__(self, text: str, lists: Mapping[str, tuple[Term, ...]], names: frozenset[str],
                 spellings: bool = True, listed: frozenset[str] = frozenset()) -> None:
        self.lists, self.names, self.spellings, self.listed = lists, names, spellings, listed
        self.nodes: dict[str, AnyOf] = {}
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
            elif kind in ("phrase", "paren", "ref", "word", "opening") and value != ")":
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
        if kind == "opening":
            self.take()  # the "(" the pattern looked ahead for
            return Opening(self.parse_group())
        if kind == "paren" and value == "(":
            return self.parse_group()
        if kind == "ref":
            name = value[1:]
            if name not in self.lists:
                raise RuleError("rule", f"no list named {value!r} (lists here: "
                                        f"{', '.join('@' + n for n in sorted(self.lists)) or 'none'})")
            if not self.lists[name]:
                raise RuleError("rule", f"{value!r} is an empty list")
            if name not in self.nodes:  # one node per list, so an evaluation works each list out once
                self.nodes[name] = AnyOf(self.lists[name], value)
            return self.nodes[name]
        if kind == "phrase":
            exact = value.startswith("=")
            inner = value.lstrip("=")
            text = ("=" if exact else "") + inner.strip('"*') + ("*" if inner.endswith("*") else "")
            return AnyOf((self.term(text),), value)
        if kind == "word":
            return AnyOf((self.term(value),), value)
        if kind == "end":
            raise RuleError("rule", "ends where a term was expected")
        return self._misplaced(kind, value)

    def parse_group(self) -> Node:
        """What stands between a "(" (taken) and its ")"."""
        node = self.parse_or()
        if self.take() != ("paren", ")"):
            raise RuleError("rule", "a '(' is never closed")
        return node

    def term(self, text: str) -> Term:
        return compile_term(text, "rule", names=self.names, spellings=self.spellings, listed=self.listed)

    def _misplaced(self, kind: str, value: str) -> Node:
        if kind == "op" and value == "NOT":
            raise RuleError("rule", "NOT needs something before it, as in 'रूस NOT क्रिकेट'")
        raise RuleError("rule", f"{value!r} needs a term on both sides")


def parse_rule(text: str, lists: Mapping[str, tuple[Term, ...]], names: frozenset[str] = frozenset(),
               spellings: bool = True, listed: frozenset[str] = frozenset()) -> Node:
    return _RuleParser(text, lists, names, spellings, listed).parse()


def only_names(node: Node) -> bool:
    """Whether every term the node can match is a name (it says who or where, not what happens)."""
    if isinstance(node, AnyOf):
        return node.only_names
    if isinstance(node, Opening):
        return only_names(node.node)
    if isinstance(node, Not):
        return only_names(node.keep)
    if isinstance(node, Near):
        return only_names(node.left) and only_names(node.right)
    return all(only_names(part) for part in node.parts)


def positive_terms(node: Node) -> list[Term]:
    """The terms one of which must match for the rule to be true (what triggers evaluation)."""
    if isinstance(node, AnyOf):
        return list(node.terms)
    if isinstance(node, Opening):
        return positive_terms(node.node)
    if isinstance(node, Not):
        return positive_terms(node.keep)
    if isinstance(node, Near):
        return positive_terms(node.left) + positive_terms(node.right)
    return [t for part in node.parts for t in positive_terms(part)]


def all_terms(node: Node) -> list[Term]:
    """Every term of the rule, vetoed ones included."""
    if isinstance(node, AnyOf):
        return list(node.terms)
    if isinstance(node, Opening):
        return all_terms(node.node)
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
    # Every word the topic looks for (rule, exclusions, ignored phrases), numbered: what an article is indexed by.
    lexicon: Lexicon = field(compare=False, repr=False)
    lead_sentences: int = 0
    min_sentences: int = 2
    subject: Node | None = None
    subject_sentences: int = 3
    # The ignored phrases as a list (by key: the few present are found without looking at the others).
    ignored: AnyOf = field(default_factory=lambda: AnyOf(()), compare=False)
    # Terms whose words have generated spellings, by key: a hit of one says which spelling it was.
    spelled: dict[int, Term] = field(default_factory=dict)
    # Every term of the rule by key (the first listed of those with the same words): what a hit reports.
    term_of: dict[int, Term] = field(default_factory=dict, compare=False)
    # Keys of the terms that mean "this story mentions the topic" (its names; without names, every term of the rule):
    # the articles `khabar alerts test --misses` explains.
    mentions: frozenset[int] = frozenset()

    @property
    def terms(self) -> list[Term]:
        """Every term the topic looks for: its rule's, its exclusions and its ignored phrases."""
        return [*all_terms(self.rule), *self.exclude, *self.ignore]


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
    listed_names = [*topic.terms, *(name for entries in topic.names.values() for name in entries)]
    names = frozenset(word_forms(w)[0] for term in listed_names for w in word_tokens(term.lstrip("=").rstrip("*")))
    spelled = _Spelled(names, topic.variants)
    lists: dict[str, tuple[Term, ...]] = {
        "any": spelled.terms(topic.any, "any", "stem"),
        "terms": spelled.terms(topic.terms, "terms", "exact"),
        "context": spelled.terms(topic.context, "context", "stem"),
    }
    for name, entries in topic.names.items():
        if not _LIST_NAME.match(name) or name in lists:
            raise RuleError(f"names.{name}", "a list needs a plain name other than any, terms or context")
        lists[name] = spelled.terms(entries, f"names.{name}", "exact")
    for name, entries in topic.lists.items():
        if not _LIST_NAME.match(name) or name in lists:
            raise RuleError(f"lists.{name}", "a list needs a plain name other than any, terms, context or a "
                                             "list of names")
        lists[name] = spelled.terms(entries, f"lists.{name}", "stem")
    rule_text = topic.rule or default_rule(topic)
    if not rule_text:
        raise RuleError("rule", "a topic needs a 'rule', or terms in 'any' or 'terms'")
    rule = parse_rule(rule_text, lists, names, topic.variants, names)
    for path in topic.exclude_paths:
        if not path.startswith(("/", "*")):
            raise RuleError("exclude_paths", f"{path!r} must be a URL path such as '/cricket/' (or a '*' pattern)")
    streams = frozenset(STREAMS.index(s) for name in topic.fields for s in FIELD_STREAMS[name])
    weights = {**DEFAULT_WEIGHTS, **topic.weights}
    exclude = spelled.terms(topic.exclude, "exclude", "stem")
    ignore = spelled.terms(topic.ignore, "ignore", "stem")
    subject = _parse_subject(topic.subject, lists, names, topic.variants) if topic.subject else None
    return CompiledTopic(
        id=topic.id, label=topic.label, rule_text=rule_text, rule=rule, exclude=exclude, ignore=ignore,
        exclude_paths=tuple(topic.exclude_paths),
        exclude_sections=frozenset(s.casefold() for s in topic.exclude_sections),
        streams=streams, weights=weights, threshold=topic.threshold,
        lexicon=Lexicon([*all_terms(rule), *(all_terms(subject) if subject else ()), *exclude, *ignore]),
        lead_sentences=topic.lead_sentences, min_sentences=topic.min_sentences,
        subject=subject, subject_sentences=topic.subject_sentences,
        ignored=AnyOf(ignore),
        spelled={t.key: t for t in all_terms(rule) if t.spelled},
        term_of={t.key: t for t in reversed(all_terms(rule))},
        mentions=frozenset(t.key for t in positive_terms(rule) if t.is_name)
        or frozenset(t.key for t in positive_terms(rule)))


def _parse_subject(text: str, lists: Mapping[str, tuple[Term, ...]], names: frozenset[str], spellings: bool) -> Node:
    """The topic's subject: a rule (usually of names) whose hits mark the sentences a story spends on the topic."""
    try:
        return parse_rule(text, lists, names, spellings, names)
    except RuleError as error:
        raise RuleError("subject", error.problem) from None


@dataclass
class _Spelled:
    """How a topic compiles its lists: which words are names, and whether names get generated spellings."""

    names: frozenset[str]  # the normalized words of every name listed: never another name's generated spelling
    spellings: bool

    def terms(self, texts: list[str], key: str, default: str) -> tuple[Term, ...]:
        """Compiled terms; spellings that fold to the same words (रूस, रुस) keep the first one listed."""
        unique: dict[tuple[tuple[str, str], ...], Term] = {}
        for text in texts:
            term = compile_term(text, key, default, self.names, self.spellings, is_name=default == "exact",
                                listed=self.names)
            unique.setdefault(tuple((w.kind, w.form) for w in term.words), term)
        return tuple(unique.values())


def name_spellings(topic: Topic) -> list[dict[str, Any]]:
    """Each name of the topic (``terms`` and the lists of ``names``) with the spellings it matches: the name as
    listed first, then each generated one with the rules that made it (``khabar topics variants``)."""
    compiled(topic)  # a topic that does not compile says why before anything is listed
    listed = [("terms", name) for name in topic.terms]
    listed += [(list_name, name) for list_name, entries in topic.names.items() for name in entries]
    names = frozenset(word_forms(w)[0] for _, name in listed for w in word_tokens(name.lstrip("=").rstrip("*")))
    rows = []
    for list_name, name in listed:
        term = compile_term(name, list_name, "exact", names, topic.variants, listed=names)
        spellings = [{"form": " ".join(w.form for w in term.words), "spelling": name, "how": ""}]
        for index, word in enumerate(term.words):  # each word's spellings, the other words as listed
            for form, how, written in word.spellings:
                forms = [form if i == index else w.form for i, w in enumerate(term.words)]
                shown = [written if i == index else raw for i, raw in enumerate(word_tokens(name.lstrip("=")))]
                spellings.append({"form": " ".join(forms), "spelling": " ".join(shown), "how": how})
        rows.append({"list": list_name, "name": name, "spellings": spellings})
    return rows


def compiled(topic: Topic) -> CompiledTopic:
    """The topic's compiled rule, built once (config loading already did it for file topics)."""
    if topic.compiled is None:
        topic.compiled = compile_topic(topic)
    return topic.compiled



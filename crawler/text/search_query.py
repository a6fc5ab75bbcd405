"""What a person types into ``khabar search`` (and the Datasette search box), as a valid FTS5 expression.

Khabar's own grammar, so that no query reaches SQLite that FTS5 cannot parse::

    query  := any ( "OR" any )*
    any    := not ( ["AND"] not )*          words side by side must all be there
    not    := item ( "NOT" item )*
    item   := "(" query ")" | "NEAR(" phrase phrase ... [, N] ")" | word | "phrase" | prefix*

AND, OR, NOT and NEAR are operators only in capitals (``and`` is a word). Every bare word and
"quoted phrase" becomes an FTS5 phrase of search-form tokens (``crawler.text.hindi``), so FTS5
syntax in the text (``title:``, ``^``, ``+``, quotes) is only ever searched for. The result is written
out with explicit structure: FTS5 allows the implicit AND only between phrases, so
``रूस (युद्ध OR हमला)`` becomes ``"रुस" AND ( "युदध" OR "हमल" )``.

Typing slips are repaired where the meaning is clear (a dangling operator, an unclosed parenthesis or
quote, an empty group); what cannot be searched is refused with a ``QueryError`` naming the position
(1 = the first character): NOT with nothing before it, OR NOT, groups nested more than
``MAX_DEPTH`` deep, more than ``MAX_TERMS`` words, queries longer than ``MAX_CHARS``, a NEAR group
holding anything but words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import regex

from crawler.text.hindi import normalize_word, search_tokens, word_tokens

__all__ = ["MAX_CHARS", "MAX_DEPTH", "MAX_TERMS", "OtherSpellings", "QueryError", "fts_query"]

MAX_DEPTH = 10  # groups inside groups (FTS5's own parser stack overflows near 100)
MAX_TERMS = 100  # words and phrases in one query
MAX_CHARS = 2_000
MAX_NEAR = 1_000  # the largest NEAR distance

_OPERATORS = frozenset({"AND", "OR", "NOT"})
# A quoted phrase (closing quote optional, * for a prefix), NEAR( , parentheses, a comma, or a run of anything else.
_QUERY_RE = regex.compile(r'"(?P<phrase>[^"]*)"?(?P<pstar>\*)?|(?P<near>NEAR)(?=\()|(?P<paren>[()])|(?P<comma>,)'
                          r'|(?P<bare>[^\s()",]+)')


class QueryError(ValueError):
    """A query that cannot be searched, in one sentence for the person who typed it."""


class OtherSpellings(Protocol):
    """What fts_query asks of a name list (crawler.text.names.NameIndex): a name's other spellings."""

    def others(self, text: str) -> list[str]: ...


@dataclass
class Token:
    kind: str  # "term", "op", "(", ")", "near", ","
    text: str  # the FTS5 phrase of a term; the operator; the raw text of a comma or number
    at: int  # 1-based position in what was typed
    spellings: list[str] = field(default_factory=list)  # other spellings of a name term, as FTS5 phrases


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
    tokens = [*search_tokens(" ".join(words[:-1])), normalize_word(words[-1])]
    tokens = [t for t in tokens if t]
    return _quote(tokens, prefix=True) if tokens else None


def _lex(typed: str, names: OtherSpellings | None) -> list[Token]:
    found: list[Token] = []
    in_near = False  # inside NEAR( ... ): a comma and the distance after it are part of the group
    for m in _QUERY_RE.finditer(typed):
        at = m.start() + 1
        if m.group("near"):
            found.append(Token("near", "NEAR", at))
            continue
        if m.group("paren"):
            in_near = (m.group("paren") == "(" and bool(found) and found[-1].kind == "near") or \
                (in_near and m.group("paren") != ")")
            found.append(Token(m.group("paren"), m.group("paren"), at))
            continue
        if m.group("comma"):
            if in_near:
                found.append(Token(",", ",", at))
            continue  # elsewhere a comma only separates words
        bare = m.group("bare")
        if bare in _OPERATORS:
            found.append(Token("op", bare, at))
            continue
        if in_near and bare is not None and found and found[-1].kind == ",":
            found.append(Token("number", bare, at))  # a NEAR distance (checked by the parser)
            continue
        text, prefix = (bare.rstrip("*"), bare.endswith("*")) if bare is not None else \
            (m.group("phrase"), bool(m.group("pstar")))
        term = _term(text, prefix)
        if not term:
            continue  # punctuation alone, a lone *: nothing to search for
        spellings = [] if prefix or names is None else names.others(text)
        others = [t for t in dict.fromkeys(_term(s, prefix=False) for s in spellings) if t and t != term]
        found.append(Token("term", term, at, others))
    return found


def _tidy(tokens: list[Token]) -> list[Token]:
    """Repair what has one meaning: unmatched ')' dropped, '(' left open closed, empty groups and operators
    without an operand on each side dropped ("a AND NOT b" is "a NOT b"). NOT with nothing before it and OR NOT
    are refused: dropping the NOT would search for what the person wanted left out."""
    out: list[Token] = []
    depth = 0
    for token in tokens:
        if token.kind == ")":
            if depth == 0:
                continue
            depth -= 1
        elif token.kind in ("(", "near"):
            depth += token.kind == "("
        out.append(token)
    out += [Token(")", ")", tokens[-1].at if tokens else 1)] * depth
    while True:
        tidier = _tidy_once(out)
        if len(tidier) == len(out):
            return tidier
        out = tidier


def _tidy_once(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        before = out[-1].kind if out else None
        after = following.kind if following else None
        i += 1
        if token.kind == "(" and after == ")" and before != "near":
            i += 1  # "()" says nothing
        elif token.kind == "op" and following is not None and (after, following.text) == ("op", "NOT"):
            if token.text == "OR":
                raise QueryError(f"OR NOT at position {token.at} cannot be searched; leave words out with NOT, as in "
                                 "'रूस NOT क्रिकेट'.")
        elif token.kind == "op" and (before in (None, "op", "(") or after in (None, "op", ")")):
            if token.text == "NOT" and before in (None, "op", "("):
                raise QueryError(f"NOT at position {token.at} needs something to search for before it, as in "
                                 "'रूस NOT क्रिकेट'.")
        else:
            out.append(token)
    return out


# --- the tree -----------------------------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # "term", "near", "and", "or", "not", "group"
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def fts(self) -> str:
        if self.kind in ("term", "near"):
            return self.text
        if self.kind == "group":
            inner = self.children[0]
            return inner.fts() if inner.kind in ("term", "near", "group") else f"( {inner.fts()} )"
        parts = [child.fts() if child.kind in ("term", "near", "group") else f"( {child.fts()} )"
                 for child in self.children]
        if self.kind == "and" and all(child.kind in ("term", "near") for child in self.children):
            return " ".join(parts)  # FTS5's implicit AND: only between phrases and NEAR groups
        return f" {self.kind.upper()} ".join(parts)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def query(self) -> Node:
        parts = [self.all_of()]
        while (token := self.peek()) is not None and (token.kind, token.text) == ("op", "OR"):
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else Node("or", children=parts)

    def all_of(self) -> Node:
        parts = [self.but_not()]
        while (token := self.peek()) is not None and token.kind != ")" and (token.kind, token.text) != ("op", "OR"):
            if (token.kind, token.text) == ("op", "AND"):
                self.take()
            parts.append(self.but_not())
        return parts[0] if len(parts) == 1 else Node("and", children=parts)

    def but_not(self) -> Node:
        node = self.item()
        while (token := self.peek()) is not None and (token.kind, token.text) == ("op", "NOT"):
            self.take()
            node = Node("not", children=[node, self.item()])
        return node

    def item(self) -> Node:
        token = self.take()
        if token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"The parenthesis at position {token.at} is nested more than {MAX_DEPTH} deep; "
                                 "search with fewer groups inside groups.")
            inner = self.query()
            self.take()  # the ")" _tidy made sure of
            self.depth -= 1
            return Node("group", children=[inner])
        if token.kind == "near":
            return self.near(token)
        if token.kind == "term":
            if not token.spellings:
                return Node("term", token.text)
            return Node("group", children=[Node("or", children=[Node("term", t)
                                                                for t in [token.text, *token.spellings]])])
        raise QueryError(f"'{token.text}' at position {token.at} is out of place here.")

    def near(self, start: Token) -> Node:
        opening = self.take()
        if opening.kind != "(":
            raise QueryError(f"NEAR at position {start.at} must be followed by '(' as in NEAR(रूस यूक्रेन, 10).")
        phrases: list[str] = []
        distance = ""
        while (token := self.take()).kind != ")":
            if token.kind == "term" and not distance:
                phrases.append(token.text)
            elif token.kind == "," and not distance:
                number = self.take()
                if number.kind != "number" or not number.text.isdigit() or int(number.text) > MAX_NEAR:
                    raise QueryError(f"NEAR at position {start.at} takes a distance of 0 to {MAX_NEAR} words after "
                                     "the comma, as in NEAR(रूस यूक्रेन, 10).")
                distance = f", {int(number.text)}"
            else:
                raise QueryError(f"NEAR at position {start.at} takes only words and phrases (and a distance), as in "
                                 f"NEAR(रूस यूक्रेन, 10); '{token.text}' at position {token.at} cannot go inside it.")
        if len(phrases) < 2:
            raise QueryError(f"NEAR at position {start.at} needs at least two words or phrases.")
        return Node("near", f"NEAR({' '.join(phrases)}{distance})")


def fts_query(user_query: str, names: OtherSpellings | None = None) -> str:
    """A valid FTS5 MATCH expression over search-form text for what a person typed, or a QueryError naming the
    position of what cannot be searched. With ``names`` (crawler.text.names), a name also finds its spellings in
    other scripts."""
    typed = user_query or ""
    if len(typed) > MAX_CHARS:
        raise QueryError(f"The search query is {len(typed):,} characters long; at most {MAX_CHARS:,} are searched.")
    tokens = _tidy(_lex(typed, names))
    terms = sum(1 + len(token.spellings) for token in tokens if token.kind == "term")
    if not terms:
        raise QueryError("The search query has no words to look for.")
    if terms > MAX_TERMS:
        raise QueryError(f"The search query has {terms} words and phrases; at most {MAX_TERMS} are searched.")
    parser = _Parser(tokens)
    tree = parser.query()
    if parser.peek() is not None:  # cannot happen after _tidy; refused rather than searched half
        leftover = parser.take()
        raise QueryError(f"'{leftover.text}' at position {leftover.at} is out of place here.")
    return tree.fts()

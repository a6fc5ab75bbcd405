"""The command line's tables: fitted to the terminal, cut between graphemes, with times in IST.

A Hindi title cut at a code point can end inside a conjunct (``युद…`` for ``युद्ध``); cells here are cut at
extended grapheme clusters (the ``regex`` module's ``\\X``, which keeps a conjunct such as ``द्ध`` whole) and
measured in terminal columns (``wcwidth``: vowel signs and virama take none). The URL column is never cut (a
cut link is no link); the flexible columns (titles, snippets, terms) share what the terminal has left.
tabulate lays the cells out.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import regex
from tabulate import tabulate
from wcwidth import wcswidth, wcwidth

from crawler.text.clock import shown_time

ELLIPSIS = "…"
GAP = 2  # tabulate's "simple" format puts two spaces between columns
HEADER_PADDING = 2  # tabulate.MIN_PADDING
MIN_FLEXIBLE = 16
_GRAPHEME = regex.compile(r"\X")
VIRAMA = "\u094d"


def width_of(text: str) -> int:
    """Terminal columns ``text`` takes (a character wcwidth cannot measure counts as one)."""
    measured = wcswidth(text)
    return measured if measured >= 0 else sum(max(wcwidth(c), 0) or (0 if c.isspace() else 1) for c in text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, cut between grapheme clusters and marked with "…"."""
    text = " ".join(str(text).split())  # one line per row: no newlines or tabs from crawled text
    if width_of(text) <= width:
        return text
    kept: list[str] = []
    used = width_of(ELLIPSIS)
    for cluster in _GRAPHEME.findall(text):
        size = width_of(cluster)
        if used + size > width:
            break
        kept.append(cluster)
        used += size
    while kept and (kept[-1].endswith(VIRAMA) or kept[-1].isspace()):
        kept.pop()  # a dead consonant or a space before the ellipsis reads as a different word
    return "".join(kept) + ELLIPSIS


def terminal_width() -> int | None:
    """The width to fit: COLUMNS when set, else the terminal's; None when the output goes to a file or a pipe
    (a script reading the table gets every cell whole, as `ls` does)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((120, 24)).columns


def fit(rows: Sequence[dict[str, Any]], columns: Sequence[str], flexible: Sequence[str], width: int,
        headers: dict[str, str] | None = None) -> tuple[list[str], list[list[str]]]:
    """The columns kept and the cells of ``rows``, the ``flexible`` columns (most wanted first) cut so that a line
    fits ``width``. When the room left cannot give each flexible column MIN_FLEXIBLE, the least wanted ones are
    left out (a snippet before the title); a line longer than the terminal remains only where the fixed columns
    alone are (a URL longer than the screen)."""
    kept = list(columns)
    flexible = [c for c in flexible if c in kept]
    while True:
        cells = [[" ".join(str(row.get(c) if row.get(c) is not None else "").split()) for c in kept] for row in rows]
        # tabulate gives a header MIN_PADDING more columns than its text.
        natural = [max([width_of((headers or {}).get(c, c)) + HEADER_PADDING] + [width_of(r[i]) for r in cells])
                   for i, c in enumerate(kept)]
        shrinkable = [kept.index(c) for c in flexible]
        fixed = sum(n for i, n in enumerate(natural) if i not in shrinkable) + GAP * (len(kept) - 1)
        room = width - fixed
        if len(flexible) > 1 and room < MIN_FLEXIBLE * len(flexible) + GAP:
            dropped = flexible.pop()
            kept.remove(dropped)
            continue
        if shrinkable and sum(natural[i] for i in shrinkable) > room:
            limits = _shares(room, {i: natural[i] for i in shrinkable})
            for row in cells:
                for i, limit in limits.items():
                    row[i] = cut(row[i], limit)
        return kept, cells


def _shares(room: int, wanted: dict[int, int]) -> dict[int, int]:
    """Split ``room`` columns: narrow columns get all they want, the rest share what is left equally."""
    limits: dict[int, int] = {}
    left = room
    for position, (index, natural) in enumerate(sorted(wanted.items(), key=lambda pair: pair[1])):
        fair = left // (len(wanted) - position)
        limits[index] = max(MIN_FLEXIBLE, min(natural, fair))
        left -= limits[index]
    return limits


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, flexible: Sequence[str] = (),
           headers: dict[str, str] | None = None, width: int | None = None) -> str:
    """A plain-text table of ``rows`` fitted to ``width`` (the terminal's by default)."""
    width = width or terminal_width()
    kept, cells = fit(rows, columns, flexible if width else (), width or 10**6, headers)
    return tabulate(cells, headers=[(headers or {}).get(c, c) for c in kept], disable_numparse=True,
                    tablefmt="simple")


def with_times(rows: list[dict[str, Any]], names: Iterable[str], utc: bool) -> list[dict[str, Any]]:
    """Copies of ``rows`` whose time columns read in IST (or UTC with ``--utc``)."""
    chosen = list(names)
    return [row | {name: shown_time(row.get(name), utc) for name in chosen if name in row} for row in rows]

"""Names across scripts: one person or place under its English and Hindi spellings.

News in Hindi names Zelensky ज़ेलेंस्की and Kyiv कीव; a reader types either. ``NameIndex`` groups the spellings
of each name (the shipped list, ``crawler/text/names.toml``, for the names the default topics use, extended by
``[names]`` in khabar.toml) and answers, for what a person typed, every other spelling of the same name.
Spellings are compared by their search form (``hindi.search_tokens``), so the Hindi spelling variants that
already fold together (ज़ेलेंस्की/जेलेन्स्की) need not be listed, and English case does not matter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources

from crawler.text.hindi import search_tokens

SHIPPED = "names.toml"


def _key(spelling: str) -> tuple[str, ...]:
    return tuple(search_tokens(spelling))


class NameIndex:
    """Groups of spellings; groups that share a spelling are one name."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self.groups: list[list[str]] = []
        self._group_of: dict[tuple[str, ...], int] = {}
        for group in groups:
            self.add(group)

    def add(self, spellings: Iterable[str]) -> None:
        wanted = [s.strip() for s in spellings if s and s.strip() and _key(s)]
        joined = sorted({self._group_of[_key(s)] for s in wanted if _key(s) in self._group_of})
        target = joined[0] if joined else len(self.groups)
        if not joined:
            self.groups.append([])
        for other in joined[1:]:  # a new spelling that links two names makes them one
            wanted += self.groups[other]
            self.groups[other] = []
        for spelling in wanted:
            if spelling not in self.groups[target]:
                self.groups[target].append(spelling)
            self._group_of[_key(spelling)] = target

    def others(self, text: str) -> list[str]:
        """The other spellings of the name ``text`` spells (by search form), else []."""
        key = _key(text)
        group = self._group_of.get(key)
        if group is None:
            return []
        seen = {key}
        found = []
        for spelling in self.groups[group]:
            if _key(spelling) not in seen:
                seen.add(_key(spelling))
                found.append(spelling)
        return found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameIndex) and [g for g in self.groups if g] == [g for g in other.groups if g]

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclasses holding it

    def __len__(self) -> int:
        return sum(1 for group in self.groups if group)

    @classmethod
    def from_table(cls, table: Mapping[str, Iterable[str]], base: NameIndex | None = None) -> NameIndex:
        """``{label: [spellings]}`` (a TOML table) added to ``base``."""
        index = cls(base.groups if base else ())
        for label, spellings in table.items():
            index.add([label, *spellings])
        return index


def shipped_table() -> dict[str, list[str]]:
    """The shipped name list (``crawler/text/names.toml``), read from the installed package."""
    text = resources.files("crawler.text").joinpath(SHIPPED).read_text(encoding="utf-8")
    return {label: list(spellings) for label, spellings in tomllib.loads(text).items()}


def shipped_names() -> NameIndex:
    return NameIndex.from_table(shipped_table())

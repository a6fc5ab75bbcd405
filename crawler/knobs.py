"""Knobs: how one setting is declared, once, with its default, its config key and its Scrapy setting.

A settings section is a dataclass whose fields are declared with ``knob()``; ``crawler.config``
reads them from ``khabar.toml`` (``[section] key = value``), from ``-s KHABAR_...=value``
overrides, and derives the Scrapy settings from them. Each layer declares its own section
(``crawler.store.articles.StoreSettings``, ``crawler.alerts.delivery.DeliverySettings`` ...)
so it can take its settings typed without importing the config. This module imports
nothing of Khabar's but the duration reader.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crawler.text.clock import parse_duration

Reader = Callable[[Any], Any]


class KnobError(ValueError):
    """A value a knob cannot take, phrased as what it should be."""


@dataclass(frozen=True)
class Knob:
    attribute: str  # the dataclass field
    key: str  # the key inside its config section, e.g. "recheck" in [crawl]
    setting: str  # the Scrapy setting, e.g. KHABAR_RECHECK_SECONDS
    read: Reader  # a TOML value or a -s string -> the typed value, or KnobError
    help: str


def knob(default: Any, *, setting: str, read: Reader, help: str, key: str = "") -> Any:
    """A settings field: its default (written here, once), config key (default: the field name), Scrapy
    setting name, reader and one line of help."""
    meta = {"knob": {"setting": setting, "read": read, "help": help, "key": key}}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def knobs_of(section: Any) -> Iterator[Knob]:
    """The knobs a settings dataclass (or instance) declares, in order."""
    for field in dataclasses.fields(section):
        meta = field.metadata.get("knob")
        if meta:
            yield Knob(field.name, meta["key"] or field.name, meta["setting"], meta["read"], meta["help"])


# --- readers: each accepts what TOML gives and the string -s gives -------------------------------


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise KnobError(f"must be true or false, not {value!r}")


def whole(low: int = 0, high: int | None = None) -> Reader:
    bound = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def read(value: Any) -> int:
        found = _number(value, f"a whole number {bound}")
        if found != int(found) or found < low or (high is not None and found > high):
            raise KnobError(f"must be a whole number {bound}, not {value!r}")
        return int(found)
    return read


def number(low: float = 0.0, high: float | None = None) -> Reader:
    bound = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"

    def read(value: Any) -> float:
        found = _number(value, f"a number {bound}")
        if found < low or (high is not None and found > high):
            raise KnobError(f"must be a number {bound}, not {value!r}")
        return found
    return read


def fraction(value: Any) -> float:
    result = _number(value, "a number between 0 and 1")
    if not 0 < result <= 1:
        raise KnobError(f"must be a number between 0 and 1, not {value!r}")
    return result


def duration(value: Any) -> float:
    """Seconds, from a number of seconds or '90s', '30m', '6h', '2d', '1w'."""
    try:
        return parse_duration(value)
    except ValueError as error:
        raise KnobError(str(error)) from None


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def size(value: Any) -> int:
    """Bytes, from a whole number or '500kB', '10MB', '1GB' (binary multiples: 1 MB = 1,048,576 bytes, as Scrapy
    counts); 0 means no limit."""
    if isinstance(value, bool):
        raise KnobError(f"must be a size such as 10MB or a number of bytes, not {value!r}")
    if isinstance(value, int | float):
        number, unit = float(value), ""
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise KnobError(f"must be a size such as 10MB or a number of bytes, not {value!r}")
        number, unit = float(match.group(1)), (match.group(2) or "").lower()
    found = number * _UNITS.get(unit, 1)
    if found < 0 or found != int(found):
        raise KnobError(f"must be a whole number of bytes, not {value!r}")
    return int(found)


def choice(*options: str) -> Reader:
    def read(value: Any) -> str:
        text = str(value).strip()
        if text not in options:
            raise KnobError(f"must be one of {', '.join(options)}, not {value!r}")
        return text
    return read


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise KnobError(f"must be a string, not {value!r}")
    return value.strip()


def names(value: Any) -> list[str]:
    """A list of names: a TOML list of strings, or 'a,b,c' from -s."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(item, str) and item.strip() for item in value):
        return [item.strip() for item in value]
    raise KnobError(f"must be a list of names, not {value!r}")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise KnobError(f"must be {what}, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise KnobError(f"must be {what}, not {value!r}") from None

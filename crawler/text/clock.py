"""Moments and spans as users write them: ``6h``, ``30m``, ``2d``, ``2024-06-01``; and "now" as stored (UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.text import dates

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def utc_now() -> str:
    """Now, as every stored timestamp is written: ISO 8601 UTC to the second, ``Z``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_duration(value: Any) -> float:
    """'6h', '30m', '2d', '1w', '90s' or a number of seconds -> seconds; ValueError with a sentence otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a duration such as '90s', '30m', '6h' or '2d'")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_since(value: str, now: datetime | None = None, flag: str = "-a since=") -> datetime | None:
    """``-a since=`` (and ``khabar export --since``, named by ``flag`` in the message): a duration back from now
    (``6h``, ``2d``) or a date / date-time (a date alone is midnight India time); None for an empty value;
    ValueError with a sentence for anything else.
    """
    text = (value or "").strip()
    if not text:
        return None
    if "-" in text or ":" in text:
        moment = dates.parse_iso(text)
        if moment is not None:
            return moment
    else:
        try:
            return (now or datetime.now(UTC)) - timedelta(seconds=parse_duration(text))
        except ValueError:
            pass
    raise ValueError(f"{flag} must be a duration such as 6h or 2d, or a date such as 2024-06-01, not {value!r}")


def shown_time(value: str | None, utc: bool = False) -> str:
    """A stored moment as people read it: ``2024-06-15 07:05 IST`` (``--utc``: ``2024-06-15 01:35 UTC``). Stored
    values are UTC (``...Z``) or keep the page's offset; a value that is not a date is shown as it is."""
    if not value:
        return ""
    moment = dates.parse_iso(value)
    if moment is None:
        return value
    if utc:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.astimezone(dates.IST).strftime("%Y-%m-%d %H:%M IST")

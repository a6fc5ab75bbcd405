"""The one date module every Khabar parser uses.

Two kinds of input reach it:

* machine dates from JSON-LD, ``article:published_time``, ``<time datetime>`` and RSS
  ``pubDate``: :func:`parse_iso` reads them with a strict regex and ``email.utils``;
* the dates pages print for people, in English or Hindi: :func:`parse_visible` reads the
  formats Hindi news sites use with its own regexes, and only hands what it cannot read to
  ``dateparser`` as a last, guarded fallback.

Rules that hold everywhere: ``IST`` is India Standard Time (+05:30), never Israel; a time
without a zone is Asia/Kolkata; an unsure answer is ``None``, never a guessed date.
"""

from __future__ import annotations

import email.utils
import importlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

import regex

log = logging.getLogger(__name__)

__all__ = [
    "IST",
    "dateparser_calls",
    "is_plausible",
    "parse_date",
    "parse_iso",
    "parse_visible",
    "to_iso",
    "to_utc_iso",
]

# A fixed offset rather than zoneinfo: India has had no DST since 1945, and a fixed
# offset always prints as +05:30 (zoneinfo would print LMT offsets for old dates).
IST: tzinfo = timezone(timedelta(hours=5, minutes=30), "IST")

_EARLIEST = datetime(1990, 1, 1, tzinfo=IST)
_MAX_FUTURE = timedelta(days=1)

# How many times the dateparser fallback ran; tests and benchmarks read it to prove
# that machine dates never reach dateparser. Read it through dateparser_calls().
DATEPARSER_CALLS = 0
_DATEPARSER_LANGUAGES = ["hi", "en"]
_dateparser_module: Any = None


class _Unsure(Exception):
    """The text names a date we must not guess at (bad day, foreign zone, '2 months ago')."""


def dateparser_calls() -> int:
    """How many times the dateparser fallback has been called in this process."""
    return DATEPARSER_CALLS


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

_TRANSLATE: dict[int, int | str | None] = {
    **{0x0966 + i: str(i) for i in range(10)},  # Devanagari digits ०-९
    # zero-width characters and soft hyphen split words invisibly
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
    0x093C: None,  # nukta: फ़रवरी and फरवरी are the same month
    **dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2009\u200a\u202f"), " "),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2013\u2014\u2212"), "-"),
}


def _fold(text: str) -> str:
    """NFC, ASCII digits, no nukta or invisible characters, lower case, single spaces."""
    # NFC first: it decomposes precomposed nukta letters (क़) so the nukta can be dropped.
    folded = unicodedata.normalize("NFC", text).translate(_TRANSLATE).lower()
    return " ".join(folded.split())


def _alternation(words: list[str] | tuple[str, ...] | set[str]) -> str:
    # Longest first, so 'september' wins over 'sep' and 'घंटों' over shorter forms.
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "जनवरी", "जानेवारी"),
    2: ("february", "feb", "फरवरी", "फ़रवरी", "फेब्रुवारी"),
    3: ("march", "mar", "मार्च"),
    4: ("april", "apr", "अप्रैल", "अप्रेल", "अप्रील", "एप्रिल"),
    5: ("may", "मई", "मे"),
    6: ("june", "jun", "जून"),
    7: ("july", "jul", "जुलाई", "जुलाइ", "जुलै"),
    8: ("august", "aug", "अगस्त", "ऑगस्ट"),
    9: ("september", "sept", "sep", "सितंबर", "सितम्बर", "सप्टेंबर", "सेप्टेंबर"),
    10: ("october", "oct", "अक्टूबर", "अक्तूबर", "अक्टोबर", "ऑक्टोबर"),
    11: ("november", "nov", "नवंबर", "नवम्बर", "नोव्हेंबर"),
    12: ("december", "dec", "दिसंबर", "दिसम्बर", "डिसेंबर"),
}
_MONTHS: dict[str, int] = {_fold(name): num for num, names in _MONTH_NAMES.items() for name in names}

_WEEKDAYS = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "बृहस्पतिवार", "वीरवार", "शुक्रवार",
    "शनिवार", "रविवार", "इतवार",
)  # fmt: skip

# Labels sites print around a date; stripped before relative matching and the fallback.
_LABELS = (
    "published on", "published at", "published by", "published", "first published",
    "last updated on", "last updated", "updated on", "updated at", "updated",
    "posted on", "posted at", "posted", "edited by", "written by", "publish date", "date",
    "प्रकाशित तिथि", "प्रकाशन तिथि", "प्रकाशित", "अपडेटेड", "अपडेट", "पब्लिश्ड",
    "लास्ट अपडेटेड", "अंतिम अपडेट", "पोस्टेड", "दिनांक", "तारीख",
)  # fmt: skip

_NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5,
    "छह": 6, "छः": 6, "सात": 7, "आठ": 8, "नौ": 9, "दस": 10,
}  # fmt: skip

# Seconds per unit; None marks units too coarse to give a date we can trust.
_UNITS: dict[str, int | None] = {
    **dict.fromkeys(("सेकंड", "सेकेंड", "सेकण्ड", "second", "seconds", "sec", "secs"), 1),
    **dict.fromkeys(("मिनट", "मिनिट", "मिनटों", "minute", "minutes", "min", "mins"), 60),
    **dict.fromkeys(("घंटा", "घंटे", "घंटों", "घण्टा", "घण्टे", "hour", "hours", "hr", "hrs"), 3600),
    **dict.fromkeys(("दिन", "दिनों", "day", "days"), 86400),
    **dict.fromkeys(("हफ्ता", "हफ्ते", "हफ्तों", "सप्ताह", "week", "weeks", "wk", "wks"), 7 * 86400),
    **dict.fromkeys(("महीना", "महीने", "महीनों", "माह", "month", "months"), None),
    **dict.fromkeys(("साल", "सालों", "वर्ष", "वर्षों", "बरस", "year", "years", "yr", "yrs"), None),
}

# Zone abbreviations that are not India's: we do not guess their offsets.
_FOREIGN_ZONES = (
    "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "bst", "cet", "cest", "eet",
    "eest", "wet", "jst", "pkt", "npt", "aest", "aedt", "msk", "sgt", "hkt", "gst", "kst",
    "ast", "adt", "hst", "bdt", "pht", "wib", "ict", "nzst", "nzdt", "et", "pt", "ct",
)  # fmt: skip

_MONTH_RE = _alternation(list(_MONTHS))
_WEEKDAY_RE = _alternation([_fold(w) for w in _WEEKDAYS])

# ---------------------------------------------------------------------------
# Patterns (all applied to folded text)
# ---------------------------------------------------------------------------

_ISO_RE = regex.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[t ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?)?",
    regex.IGNORECASE,
)
_EMBEDDED_ISO_RE = regex.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?(?![\w:])"
)
_RFC822_RE = regex.compile(
    r"(?:[a-z]{3},?\s*)?\d{1,2}\s+(?P<mon>[a-z]{3})\s+\d{2}(?:\d{2})?\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?P<tz>[+-]\d{4}|gmt|ut|utc|z|ist|[ecmp][sd]t))?",
    regex.IGNORECASE,
)

_DATE_RE = regex.compile(
    # 13 सितंबर 2023 / 13th September, 2023 / 13-Sep-2023
    r"(?<![\d:.])(?P<d1>\d{1,2})(?:st|nd|rd|th)?[\s.,/-]*(?:of\s+)?"
    rf"(?P<mon1>{_MONTH_RE})(?!\w)\.?[\s.,/-]*(?P<y1>\d{{4}})(?!\d)"
    # September 13, 2023 / सितम्बर 13, 2023
    rf"|(?<!\w)(?P<mon2>{_MONTH_RE})(?!\w)\.?[\s.,/-]*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    r"[\s.,/-]*(?P<y2>\d{4})(?!\d)"
    # 2023-09-13 / 2023/09/13
    r"|(?<![\d:.])(?P<y3>\d{4})(?P<sep3>[-/.])(?P<m3>\d{1,2})(?P=sep3)(?P<d3>\d{1,2})(?![\d])"
    # 13/09/2023, 13-09-2023, 13.09.2023: Indian sites write day first
    r"|(?<![\d:.])(?P<d4>\d{1,2})(?P<sep4>[-/.])(?P<m4>\d{1,2})(?P=sep4)(?P<y4>\d{4})(?!\d)"
)

_PERIOD = r"(?:(?P<period>सुबह|दोपहर|शाम|रात|तडके|भोर)\s*)?"
_CLOCK = r"(?<![\d:.])(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<mi>\d{2})(?::(?P<s>\d{2}))?)?(?![\d])"
_AMPM = r"(?:\s*(?P<ampm>[ap])\.?\s?m(?!\w)\.?)?"
_BAJE = r"(?:\s*(?P<baje>बजे))?"
_HRS = r"(?:\s*hrs?(?!\w)\.?)?"
_ZONE = (
    r"(?:\s*\(?\s*(?P<zone>(?:gmt|utc)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
    r"|ist|gmt|utc|भारतीय\s*समय(?:ानुसार|\s*अनुसार)?)(?!\w)\s*\)?)?"
)
_TIME = _PERIOD + _CLOCK + _AMPM + _BAJE + _HRS + _ZONE

_TIME_AFTER_RE = regex.compile(r"[\s,|:;(/-]*(?:(?:at|on|को|@)(?!\w)[\s,|:;(-]*)?" + _TIME)
_TIME_BEFORE_RE = regex.compile(_TIME + rf"[\s,|;()-]*(?:(?:{_WEEKDAY_RE})(?!\w)[\s,]*)?(?:on\s+)?$")
_FOREIGN_ZONE_RE = regex.compile(rf"\s*\(?\s*(?:{_alternation(_FOREIGN_ZONES)})(?!\w)")

_AGO_RE = regex.compile(
    rf"(?<!\w)(?P<n>\d+|{_alternation(list(_NUMBER_WORDS))}|(?:a\s+)?few|कुछ)\s*"
    rf"(?P<unit>{_alternation(list(_UNITS))})(?!\w)\s*(?:ago|पहले|पूर्व|पहिले)(?!\w)"
)
_DAYWORD_RE = regex.compile(
    r"(?<!\w)(?P<dayword>कल|yesterday|परसों|आज|today)(?!\w)"
    r"(?:[\s,]*(?:(?:at|को)(?!\w)\s*)?" + _TIME + r")?\s*(?=$|[|,;()])"
)
_DAYWORD_OFFSET = {"आज": 0, "today": 0, "कल": 1, "yesterday": 1, "परसों": 2}
_JUST_NOW_RE = regex.compile(r"just now|right now|now|moments? ago|अभी|अभी-अभी|अभी अभी")

_BYLINE_RE = regex.compile(r"(?<!\w)(?:by|द्वारा)\s*:?[^|\d]{0,80}\|")
_LABEL_RE = regex.compile(rf"(?<!\w)(?:{_alternation([_fold(w) for w in _LABELS])})(?!\w)\s*:?")
_WEEKDAY_WORD_RE = regex.compile(rf"(?<!\w)(?:{_WEEKDAY_RE})(?!\w)\.?")
_SEPARATOR_RE = regex.compile(r"[|,;()\[\]]+|(?<!\d):|:(?!\d)")
_IST_WORD_RE = regex.compile(r"\(?\s*(?<!\w)(?:ist|भारतीय\s*समय(?:ानुसार|\s*अनुसार)?)(?!\w)\s*\)?")
_MONTH_WORD_RE = regex.compile(rf"(?<!\w)(?:{_MONTH_RE})(?!\w)")
_DAY_NEAR_MONTH_RE = regex.compile(
    rf"(?<![\d:.])(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?:{_MONTH_RE})(?!\w)"
    rf"|(?<!\w)(?:{_MONTH_RE})(?!\w)\.?\s*(?P<d2>\d{{1,2}})(?![\d:.])"
)
_YEAR_RE = regex.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _aware(dt: datetime) -> datetime:
    """A naive datetime is read as India time."""
    return dt if dt.tzinfo is not None and dt.utcoffset() is not None else dt.replace(tzinfo=IST)


def _now_ist(now: datetime | None) -> datetime:
    current = datetime.now(UTC) if now is None else _aware(now)
    return current.astimezone(IST)


def _offset(sign: str, hours: int, minutes: int) -> tzinfo:
    if hours > 14 or minutes > 59:
        raise _Unsure(f"offset {sign}{hours}:{minutes} out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    if delta == timedelta(hours=5, minutes=30) and sign == "+":
        return IST
    return timezone(-delta if sign == "-" else delta)


def _zone(token: str | None) -> tzinfo:
    """Turn a zone token from a visible date into a tzinfo; no token means India."""
    if token is None or token == "ist" or token.startswith("भारतीय"):
        return IST
    if token in ("gmt", "utc", "z"):
        return UTC
    m = regex.fullmatch(r"(?:gmt|utc)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2}):?(?P<m>\d{2})?", token)
    if m is None:
        raise _Unsure(f"zone {token!r}")
    return _offset(m["sign"], int(m["h"]), int(m["m"] or 0))


# ---------------------------------------------------------------------------
# Machine dates
# ---------------------------------------------------------------------------


def parse_iso(value: str) -> datetime | None:
    """Read an ISO 8601 / RFC 3339 date or an RFC 822 (RSS pubDate) date.

    The result is always aware; a value without an offset is India time. Never calls
    dateparser, so it is safe and fast for JSON-LD, meta tags and ``<time datetime>``.
    """
    if not value:
        return None
    text = value.strip()
    try:
        m = _ISO_RE.fullmatch(text)
        if m is not None:
            return _from_iso_match(m)
        m = _RFC822_RE.fullmatch(text)
        if m is not None and m["mon"].lower() in _MONTHS:
            return _from_rfc822(text, m["tz"])
    except (ValueError, OverflowError, _Unsure) as exc:
        log.debug("not a valid machine date %r: %s", value, exc)
    return None


def _from_iso_match(m: regex.Match[str]) -> datetime:
    day = date(int(m["y"]), int(m["mo"]), int(m["d"]))
    if m["h"] is None:
        return datetime.combine(day, time(), tzinfo=IST)
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    clock = time(int(m["h"]), int(m["mi"]), int(m["s"] or 0), micro)
    return datetime.combine(day, clock, tzinfo=_iso_zone(m["tz"]))


def _iso_zone(token: str | None) -> tzinfo:
    if token is None:
        return IST
    token = token.lower()
    if token in ("z", "utc", "gmt"):
        return UTC
    digits = token[1:].replace(":", "")
    return _offset(token[0], int(digits[:2]), int(digits[2:4] or 0))


def _from_rfc822(text: str, zone: str | None) -> datetime:
    # email.utils does not know IST; RSS feeds from India use it for +05:30.
    if zone is not None and zone.lower() == "ist":
        text = text[: -len(zone)] + "+0530"
    parsed = email.utils.parsedate_to_datetime(text)
    if parsed.tzinfo is not None:
        return parsed
    # Naive means either no zone (India) or '-0000' (UTC, origin unknown).
    return parsed.replace(tzinfo=UTC if zone == "-0000" else IST)


# ---------------------------------------------------------------------------
# Visible dates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    at: time
    tz: tzinfo


def parse_visible(text: str, *, now: datetime | None = None) -> datetime | None:
    """Read a date as a page prints it, in English or Hindi.

    Absolute dates are read by Khabar's own patterns; then relative ones ('2 घंटे पहले',
    'कल 4:28 PM', '3 days ago') counted back from ``now`` (default: the current time);
    dateparser only sees what is left, and its answer is kept only if it agrees with the
    day, month and year written in the text.
    """
    if not text:
        return None
    folded = _fold(text)
    if not folded:
        return None
    try:
        found = _parse_absolute(folded)
        if found is None:
            found = _parse_relative(folded, _now_ist(now))
    except (_Unsure, ValueError, OverflowError) as exc:
        log.debug("refusing to guess a date from %r: %s", text, exc)
        return None
    if found is not None:
        return found
    return _fallback(folded, now)


def _parse_absolute(folded: str) -> datetime | None:
    iso = _EMBEDDED_ISO_RE.search(folded)
    if iso is not None:
        return parse_iso(iso.group())
    candidates: list[tuple[date, _Clock | None]] = []
    consumed = 0
    for m in _DATE_RE.finditer(folded):
        day = _date_of(m)
        clock, end = _time_after(folded, m.end())
        if clock is None:
            clock = _time_before(folded, consumed, m.start())
        candidates.append((day, clock))
        consumed = max(end, m.end())
    if not candidates:
        return None
    return _combine(*_choose(candidates))


def _choose(candidates: list[tuple[date, _Clock | None]]) -> tuple[date, _Clock | None]:
    """The first date, with the time of a later mention of the same day if it has none.

    Aaj Tak prints '13 सितंबर 2023, (अपडेटेड 13 सितंबर 2023, 4:28 PM IST)': the first
    mention gives the day and the second the only clock time on the page.
    """
    day, clock = candidates[0]
    if clock is None:
        clock = next((c for d, c in candidates[1:] if d == day and c is not None), None)
    return day, clock


def _combine(day: date, clock: _Clock | None) -> datetime:
    if clock is None:
        return datetime.combine(day, time(), tzinfo=IST)
    return datetime.combine(day, clock.at, tzinfo=clock.tz)


def _date_of(m: regex.Match[str]) -> date:
    if m["d1"] is not None:
        return date(int(m["y1"]), _MONTHS[m["mon1"]], int(m["d1"]))
    if m["d2"] is not None:
        return date(int(m["y2"]), _MONTHS[m["mon2"]], int(m["d2"]))
    if m["y3"] is not None:
        return date(int(m["y3"]), int(m["m3"]), int(m["d3"]))
    return date(int(m["y4"]), int(m["m4"]), int(m["d4"]))


def _time_after(folded: str, pos: int) -> tuple[_Clock | None, int]:
    m = _TIME_AFTER_RE.match(folded, pos)
    if m is None:
        return None, pos
    clock = _clock_of(m)
    if clock is None:
        return None, pos
    if _FOREIGN_ZONE_RE.match(folded, m.end()):
        raise _Unsure("time in a foreign zone")
    return clock, m.end()


def _time_before(folded: str, start: int, end: int) -> _Clock | None:
    """A time printed just before the date ('04:28 PM IST, 13 Sep 2023')."""
    if end <= start:
        return None
    m = _TIME_BEFORE_RE.search(folded, start, end)
    return None if m is None else _clock_of(m)


def _clock_of(m: regex.Match[str]) -> _Clock | None:
    """The clock time in a _TIME match, or None if the digits are not a time after all."""
    ampm, baje = m["ampm"], m["baje"]
    # '4', '4.28' are only times with am/pm or बजे next to them ('13 Sep 2023, 4 min read').
    if (m["sep"] != ":") and not (ampm or baje):
        return None
    hour = _hour24(int(m["h"]), ampm, m["period"])
    minute, second = int(m["mi"] or 0), int(m["s"] or 0)
    if minute > 59 or second > 59:
        raise _Unsure(f"clock {m.group()!r}")
    return _Clock(time(hour, minute, second), _zone(m["zone"]))


def _hour24(hour: int, ampm: str | None, period: str | None) -> int:
    if hour > 23:
        raise _Unsure(f"hour {hour}")
    if ampm is not None:
        return _hour_from_ampm(hour, ampm)
    if period is not None and hour <= 12:
        return _hour_from_period(hour, period)
    return hour


def _hour_from_ampm(hour: int, ampm: str) -> int:
    if hour >= 13:
        # Zee prints '16:28 PM': a 24-hour clock with a stray PM. '16:28 AM' is nonsense.
        if ampm == "a":
            raise _Unsure(f"{hour} AM")
        return hour
    if hour == 0:
        if ampm == "p":
            raise _Unsure("0 PM")
        return 0
    return hour % 12 + (12 if ampm == "p" else 0)


def _hour_from_period(hour: int, period: str) -> int:
    """Hindi time of day words: सुबह 9 बजे is 09:00, शाम 4 बजे is 16:00, रात 2 बजे is 02:00."""
    if period in ("सुबह", "तडके", "भोर") and hour < 12:
        return hour
    if period == "दोपहर" and (hour == 12 or 9 <= hour <= 11):
        return hour
    if period == "दोपहर" and 1 <= hour <= 5:
        return hour + 12
    if period == "शाम" and 1 <= hour <= 11:
        return hour + 12
    if period == "रात" and 6 <= hour <= 11:
        return hour + 12
    if period == "रात" and 1 <= hour <= 5:
        return hour
    raise _Unsure(f"{period} {hour}")


# ---------------------------------------------------------------------------
# Relative dates
# ---------------------------------------------------------------------------


def _strip_labels(folded: str) -> str:
    """Drop bylines, labels ('Published:', 'अपडेटेड'), weekday names and separators."""
    text = _BYLINE_RE.sub(" ", folded)
    text = _LABEL_RE.sub(" ", text)
    text = _WEEKDAY_WORD_RE.sub(" ", text)
    text = _SEPARATOR_RE.sub(" ", text)
    return " ".join(text.split())


def _parse_relative(folded: str, now: datetime) -> datetime | None:
    now = now.replace(microsecond=0)
    if _JUST_NOW_RE.fullmatch(_strip_labels(folded)):
        return now
    m = _AGO_RE.search(folded)
    if m is not None:
        return now - _ago(m["n"], m["unit"])
    m = _DAYWORD_RE.search(folded)
    if m is not None:
        return _from_dayword(m, now)
    return None


def _ago(number: str, unit: str) -> timedelta:
    seconds = _UNITS[unit]
    if seconds is None:
        raise _Unsure(f"'{unit} ago' is too coarse to date")
    if number in ("few", "a few", "कुछ"):
        if seconds != 1:
            raise _Unsure(f"a few {unit}")
        return timedelta()
    count = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    return timedelta(seconds=count * seconds)


def _from_dayword(m: regex.Match[str], now: datetime) -> datetime:
    """कल / yesterday / आज / today, at the printed time or else at now's clock time."""
    day = (now - timedelta(days=_DAYWORD_OFFSET[m["dayword"]])).date()
    if m["h"] is None:
        return datetime.combine(day, now.timetz())
    clock = _clock_of(m)
    if clock is None:
        raise _Unsure(f"not a clock time: {m.group()!r}")
    return datetime.combine(day, clock.at, tzinfo=clock.tz)


# ---------------------------------------------------------------------------
# dateparser fallback
# ---------------------------------------------------------------------------


def _fallback(folded: str, now: datetime | None) -> datetime | None:
    """Ask dateparser, but keep only an answer that agrees with the words in the text.

    Only text naming a month with a day next to it gets here (typically a year-less
    '13 सितंबर, 4:28 PM'); bare numbers would let dateparser invent a day.
    """
    months = {_MONTHS[w] for w in _MONTH_WORD_RE.findall(folded)}
    days = {int(d) for m in _DAY_NEAR_MONTH_RE.finditer(folded) for d in (m["d1"], m["d2"]) if d}
    if len(months) != 1 or len(days) != 1:
        return None
    cleaned = _strip_labels(_IST_WORD_RE.sub(" ", folded))
    result = _call_dateparser(cleaned, _now_ist(now))
    if result is None:
        return None
    years = {int(y) for y in _YEAR_RE.findall(folded)}
    agrees = result.month in months and result.day in days and (not years or result.year in years)
    if not agrees or not is_plausible(result, now=now):
        log.debug("dropping dateparser's %s for %r", result, folded)
        return None
    return result


def _call_dateparser(text: str, now: datetime) -> datetime | None:
    global DATEPARSER_CALLS
    DATEPARSER_CALLS += 1
    settings = {
        "TIMEZONE": "Asia/Kolkata",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        # dateparser wants a naive base in the TIMEZONE above.
        "RELATIVE_BASE": now.replace(tzinfo=None),
    }
    try:
        result = _dateparser().parse(text, languages=_DATEPARSER_LANGUAGES, settings=settings)
    except Exception as exc:  # dateparser raises assorted errors on odd input
        log.debug("dateparser failed on %r: %s", text, exc)
        return None
    return None if result is None else _aware(result)


def _dateparser() -> Any:
    # Imported on first use: it is slow to import and most dates never need it.
    global _dateparser_module
    if _dateparser_module is None:
        _dateparser_module = importlib.import_module("dateparser")
    return _dateparser_module


# ---------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Any date a page gives: machine formats first, then visible text."""
    if value is None or not value.strip():
        return None
    return parse_iso(value) or parse_visible(value, now=now)


def is_plausible(dt: datetime, *, now: datetime | None = None) -> bool:
    """False for dates before 1990 or more than a day after ``now`` (a misparse, surely)."""
    aware = _aware(dt)
    return _EARLIEST <= aware <= _now_ist(now) + _MAX_FUTURE


def to_iso(dt: datetime) -> str:
    """'2023-09-13T16:28:00+05:30': seconds always present, the page's offset kept."""
    return _aware(dt).isoformat(timespec="seconds")


def to_utc_iso(dt: datetime) -> str:
    """'2023-09-13T10:58:00Z', for sorting and ranges."""
    return _aware(dt).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"

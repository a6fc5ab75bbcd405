"""Tests for crawler.text.dates: the date strings Hindi news sites print, and machine dates.

Every expected value below was worked out by hand from what the string means, not by
running the parser. The seed article (Lokmat) was published 2023-09-13 16:28 IST.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.text import dates
from crawler.text.dates import (
    IST,
    dateparser_calls,
    is_plausible,
    parse_date,
    parse_iso,
    parse_visible,
    to_iso,
    to_utc_iso,
)

# Relative dates count back from this fixed moment.
NOW = datetime(2023, 9, 13, 12, 0, tzinfo=IST)
SEED = "2023-09-13T16:28:00+05:30"

# (site style / id, text as printed, expected to_iso)
CASES: list[tuple[str, str, str]] = [
    # Lokmat
    ("lokmat-published", "Published: September 13, 2023 4:28 PM", SEED),
    ("lokmat-byline", "By शिवेन्द्र कुमार राय | Published: September 13, 2023 4:28 PM", SEED),
    ("lokmat-updated-padded", "Updated: September 13, 2023 04:28 PM", SEED),
    ("lokmat-morning", "Published: September 1, 2023 9:05 AM", "2023-09-01T09:05:00+05:30"),
    ("lokmat-noon", "Published: September 13, 2023 12:10 PM", "2023-09-13T12:10:00+05:30"),
    ("lokmat-after-midnight", "Published: September 13, 2023 12:10 AM", "2023-09-13T00:10:00+05:30"),
    # Dainik Bhaskar
    ("bhaskar-english", "Sep 13, 2023, 04:28 PM IST", SEED),
    ("bhaskar-hindi", "13 सितंबर 2023, 04:28 PM IST", SEED),
    ("bhaskar-hindi-october", "1 अक्टूबर 2023, 10:05 AM IST", "2023-10-01T10:05:00+05:30"),
    ("bhaskar-new-year-eve", "Dec 31, 2022, 11:59 PM IST", "2022-12-31T23:59:00+05:30"),
    # Amar Ujala
    (
        "amarujala-published-by",
        "Published by: अमर उजाला ब्यूरो Updated Wed, 13 Sep 2023 04:28 PM IST",
        SEED,
    ),
    ("amarujala-hindi-label", "अपडेटेड Wed, 13 Sep 2023 04:28 PM IST", SEED),
    ("amarujala-morning", "Updated Sat, 02 Mar 2024 09:15 AM IST", "2024-03-02T09:15:00+05:30"),
    ("amarujala-year-end", "अपडेटेड Sun, 31 Dec 2023 11:45 PM IST", "2023-12-31T23:45:00+05:30"),
    # Navbharat Times
    ("nbt-updated", "Updated: 13 Sep 2023, 4:28 pm", SEED),
    ("nbt-ist", "13 Sep 2023, 4:28 pm IST", SEED),
    ("nbt-morning", "Updated: 5 Feb 2024, 7:03 am", "2024-02-05T07:03:00+05:30"),
    # Aaj Tak
    (
        "aajtak-dateline-updated",
        "नई दिल्ली, 13 सितंबर 2023, (अपडेटेड 13 सितंबर 2023, 4:28 PM IST)",
        SEED,
    ),
    ("aajtak-dateline-only", "नई दिल्ली, 13 सितंबर 2023", "2023-09-13T00:00:00+05:30"),
    ("aajtak-updated", "अपडेटेड 13 सितंबर 2023, 4:28 PM IST", SEED),
    (
        "aajtak-brand-name",
        "आज तक ब्यूरो, नई दिल्ली, 13 सितंबर 2023, (अपडेटेड 13 सितंबर 2023, 4:28 PM IST)",
        SEED,
    ),
    # ABP
    ("abp-updated-at", "Updated at : 13 Sep 2023 04:28 PM (IST)", SEED),
    ("abp-morning", "Updated at : 02 Jan 2024 08:07 AM (IST)", "2024-01-02T08:07:00+05:30"),
    # Zee News
    ("zee-24h-with-pm", "Last Updated: Sep 13, 2023, 16:28 PM IST", SEED),
    ("zee-12h", "Last Updated: Sep 13, 2023, 04:28 PM IST", SEED),
    ("zee-zero-am", "Last Updated: Jan 5, 2024, 00:15 AM IST", "2024-01-05T00:15:00+05:30"),
    # ETV Bharat
    ("etv-published", "Published : Sep 1, 2021, 5:25 AM IST", "2021-09-01T05:25:00+05:30"),
    ("etv-updated", "Updated : Sep 13, 2023, 4:28 PM IST", SEED),
    # Live Hindustan
    ("livehindustan-plain", "Wed, 13 Sep 2023 04:28 PM", SEED),
    (
        "livehindustan-byline",
        "लाइव हिन्दुस्तान, नई दिल्ली Published By: सुनील कुमार Wed, 13 Sep 2023 04:28 PM",
        SEED,
    ),
    ("livehindustan-last-updated", "Last updated: Wed, 13 Sep 2023 04:28 PM", SEED),
    # Devanagari digits
    ("devanagari-digits-pm", "१३ सितंबर २०२३, ०४:२८ PM", SEED),
    ("devanagari-digits-24h", "अपडेटेड: १३ सितम्बर २०२३, १६:२८ IST", SEED),
    ("devanagari-digits-date", "१ जनवरी २०२४", "2024-01-01T00:00:00+05:30"),
    # (IST) in parentheses, 24-hour clock
    ("paren-ist-24h", "Updated: 13 Sep 2023 16:28 (IST)", SEED),
    # Hindi month that fuzzy parsers misread as April
    ("hindi-september-not-april", "4 सितंबर 2024", "2024-09-04T00:00:00+05:30"),
    # Hindi time-of-day words and बजे
    ("hindi-shaam-baje", "13 सितंबर 2023 शाम 4:28 बजे", SEED),
    ("hindi-subah-ko", "13 सितंबर 2023 को सुबह 9:15 बजे", "2023-09-13T09:15:00+05:30"),
    ("hindi-raat-hour", "13 सितंबर 2023 रात 10 बजे", "2023-09-13T22:00:00+05:30"),
    ("hindi-dopahar", "13 सितंबर 2023 दोपहर 2:05 बजे", "2023-09-13T14:05:00+05:30"),
    # भारतीय समय
    ("bhartiya-samay", "13 सितंबर 2023, 4:28 PM भारतीय समय", SEED),
    ("bhartiya-samayanusar", "13 सितंबर 2023 शाम 4:28 बजे (भारतीय समयानुसार)", SEED),
    # Weekday-prefixed Hindi
    ("weekday-hindi-date", "बुधवार, 13 सितंबर 2023", "2023-09-13T00:00:00+05:30"),
    ("weekday-hindi-time", "बुधवार, 13 सितंबर 2023, 04:28 PM IST", SEED),
    ("webdunia-weekday-paren", "गुरुवार, 14 सितम्बर 2023 (16:28 IST)", "2023-09-14T16:28:00+05:30"),
    # Hindi month spellings
    ("month-aktoobar", "13 अक्तूबर 2023", "2023-10-13T00:00:00+05:30"),
    ("month-farvari-nukta", "5 फ़रवरी 2024", "2024-02-05T00:00:00+05:30"),
    ("month-farvari", "5 फरवरी 2024", "2024-02-05T00:00:00+05:30"),
    ("month-aprel", "7 अप्रेल 2023", "2023-04-07T00:00:00+05:30"),
    ("month-april", "7 अप्रैल 2023", "2023-04-07T00:00:00+05:30"),
    ("month-julai", "20 जुलाइ 2023", "2023-07-20T00:00:00+05:30"),
    ("month-disambar", "25 दिसम्बर 2023", "2023-12-25T00:00:00+05:30"),
    ("month-navambar", "11 नवम्बर 2023", "2023-11-11T00:00:00+05:30"),
    ("month-agast", "15 अगस्त 2023", "2023-08-15T00:00:00+05:30"),
    ("month-mai", "2 मई 2023", "2023-05-02T00:00:00+05:30"),
    ("month-joon", "30 जून 2023", "2023-06-30T00:00:00+05:30"),
    ("month-march", "31 मार्च 2024", "2024-03-31T00:00:00+05:30"),
    ("month-janvari", "26 जनवरी 2024", "2024-01-26T00:00:00+05:30"),
    # Other Hindi sites
    ("ndtvindia-month-first", "अपडेटेड: सितम्बर 13, 2023 4:28 PM IST", SEED),
    ("news18-caps-24h", "LAST UPDATED : SEPTEMBER 13, 2023, 16:28 IST", SEED),
    ("indiatv-24h", "Published : September 13, 2023 16:28 IST", SEED),
    ("tv9-pipe", "Updated on: Sep 13, 2023 | 4:28 PM", SEED),
    ("jagran-publish-date", "Publish Date: Wed, 13 Sep 2023 04:28 PM (IST)", SEED),
    ("patrika-seconds", "Published: 13 Sep 2023, 04:28:10 PM", "2023-09-13T16:28:10+05:30"),
    ("prabhatkhabar-comma", "13 Sep, 2023 4:28 pm", SEED),
    ("ordinal-english", "13th September 2023, 4:28 pm", SEED),
    ("time-before-date", "04:28 PM IST, 13 Sep 2023", SEED),
    ("hrs-ist", "Updated: 13 Sep 2023 16:28 hrs IST", SEED),
    # Zones other than India are honoured, not overwritten with IST
    ("visible-gmt", "13 Sep 2023 10:58 GMT", "2023-09-13T10:58:00+00:00"),
    ("visible-utc", "Sep 13, 2023 10:58 UTC", "2023-09-13T10:58:00+00:00"),
    ("visible-gmt-plus-530", "13 Sep 2023 4:28 PM GMT+5:30", SEED),
    # Numeric dates: Indian sites write the day first
    ("numeric-day-first", "13/09/2023 16:28", SEED),
    ("numeric-dashes", "13-09-2023", "2023-09-13T00:00:00+05:30"),
    ("numeric-year-first-ist", "2023-09-13 16:28:00 IST", SEED),
    # ISO 8601 / RFC 3339 (JSON-LD, article:published_time, <time datetime>)
    ("iso-offset-colon", "2023-09-13T16:28:00+05:30", SEED),
    ("iso-offset-compact", "2023-09-13T16:28:00+0530", SEED),
    ("iso-naive-space", "2023-09-13 16:28:00", SEED),
    ("iso-zulu", "2023-09-13T10:58:00Z", "2023-09-13T10:58:00+00:00"),
    ("iso-millis", "2023-09-13T16:28:00.000+05:30", SEED),
    ("iso-date-only", "2023-09-13", "2023-09-13T00:00:00+05:30"),
    ("iso-no-seconds", "2023-09-13T16:28+05:30", SEED),
    ("iso-negative-offset", "2023-09-13T05:28:00-05:00", "2023-09-13T05:28:00-05:00"),
    ("iso-embedded-in-text", "Published: 2023-09-13T16:28:00+05:30", SEED),
    # RSS pubDate (RFC 822)
    ("rss-offset", "Wed, 13 Sep 2023 16:28:00 +0530", SEED),
    ("rss-gmt", "Wed, 13 Sep 2023 10:58:00 GMT", "2023-09-13T10:58:00+00:00"),
    ("rss-ist", "Wed, 13 Sep 2023 16:28:00 IST", SEED),
    ("rss-no-weekday", "13 Sep 2023 16:28:00 +0530", SEED),
    # Relative dates, counted back from NOW = 2023-09-13 12:00 IST
    ("relative-ghante", "2 घंटे पहले", "2023-09-13T10:00:00+05:30"),
    ("relative-minat", "5 मिनट पहले", "2023-09-13T11:55:00+05:30"),
    ("relative-din", "1 दिन पहले", "2023-09-12T12:00:00+05:30"),
    ("relative-kal", "कल", "2023-09-12T12:00:00+05:30"),
    ("relative-kal-shaam", "कल शाम 4:28 बजे", "2023-09-12T16:28:00+05:30"),
    ("relative-kal-pm-ist", "कल 4:28 PM IST", "2023-09-12T16:28:00+05:30"),
    ("relative-aaj", "आज", "2023-09-13T12:00:00+05:30"),
    ("relative-aaj-time", "आज 09:30 AM", "2023-09-13T09:30:00+05:30"),
    ("relative-days-ago", "3 days ago", "2023-09-10T12:00:00+05:30"),
    ("relative-hours-ago", "2 hours ago", "2023-09-13T10:00:00+05:30"),
    ("relative-an-hour-ago", "an hour ago", "2023-09-13T11:00:00+05:30"),
    ("relative-just-now", "just now", "2023-09-13T12:00:00+05:30"),
    ("relative-abhi", "अभी", "2023-09-13T12:00:00+05:30"),
    ("relative-second-label", "अपडेटेड 30 सेकंड पहले", "2023-09-13T11:59:30+05:30"),
    ("relative-number-word", "दो घंटे पहले", "2023-09-13T10:00:00+05:30"),
    ("relative-mins-label", "Updated: 45 mins ago", "2023-09-13T11:15:00+05:30"),
    ("relative-yesterday-at", "yesterday at 4:28 PM", "2023-09-12T16:28:00+05:30"),
    ("relative-devanagari-ghanta", "१ घंटा पहले", "2023-09-13T11:00:00+05:30"),
    ("relative-hafte", "1 हफ्ते पहले", "2023-09-06T12:00:00+05:30"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_site_date_table(text: str, expected: str) -> None:
    parsed = parse_date(text, now=NOW)
    assert parsed is not None, text
    assert to_iso(parsed) == expected


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES), "ids must be unique"


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "",
        "   ",
        "आज तक",  # the channel's name, not 'today'
        "नई दिल्ली",
        "31 सितंबर 2023",  # no such day
        "2 महीने पहले",  # too coarse to date
        "1 साल पहले",
        "a few minutes ago",
        "13 Sep 2023 4:28 PM EST",  # a foreign zone we do not guess
        "13 Sep 2023 16:28 AM",  # a contradiction
        "2023",
        "September 2023",  # no day
        "4:28 PM IST",  # no date
        "13 सितंबर 2023 25:10",
    ],
)
def test_unreadable_or_unsure_is_none(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_none_is_none() -> None:
    assert parse_date(None) is None


def test_ist_prints_plus_0530() -> None:
    assert datetime(2023, 9, 13, 16, 28, tzinfo=IST).isoformat() == SEED
    assert IST.utcoffset(None) == timedelta(hours=5, minutes=30)


def test_to_utc_iso_of_seed() -> None:
    seed = parse_date(SEED)
    assert seed is not None
    assert to_utc_iso(seed) == "2023-09-13T10:58:00Z"


def test_to_iso_keeps_offset_and_always_has_seconds() -> None:
    minus_five = timezone(timedelta(hours=-5))
    assert to_iso(datetime(2023, 9, 13, 5, 28, tzinfo=minus_five)) == "2023-09-13T05:28:00-05:00"
    assert to_iso(datetime(2023, 9, 13, 16, 28, 0, 123456, tzinfo=IST)) == SEED


def test_naive_datetimes_are_india_time() -> None:
    assert to_iso(datetime(2023, 9, 13, 16, 28)) == SEED
    assert to_utc_iso(datetime(2023, 9, 13, 16, 28)) == "2023-09-13T10:58:00Z"


def test_is_plausible() -> None:
    assert not is_plausible(datetime(1989, 12, 31, 23, 0, tzinfo=IST), now=NOW)
    assert is_plausible(datetime(1990, 1, 1, tzinfo=IST), now=NOW)
    assert not is_plausible(NOW + timedelta(days=2), now=NOW)
    assert is_plausible(NOW + timedelta(hours=12), now=NOW)
    assert is_plausible(NOW - timedelta(days=400), now=NOW)


def test_is_plausible_defaults_to_current_time() -> None:
    assert is_plausible(datetime.now(UTC) - timedelta(hours=1))
    assert not is_plausible(datetime.now(UTC) + timedelta(days=3))


ISO_AND_RSS = [text for case_id, text, _ in CASES if case_id.startswith(("iso-", "rss-")) and "embedded" not in case_id]


def test_parse_iso_never_calls_dateparser() -> None:
    assert len(ISO_AND_RSS) == 12
    before = dateparser_calls()
    for text in ISO_AND_RSS:
        assert parse_iso(text) is not None, text
        assert parse_date(text) is not None, text
    assert dateparser_calls() == before


def test_parse_iso_rejects_visible_text_without_dateparser() -> None:
    before = dateparser_calls()
    assert parse_iso("13 सितंबर 2023, 04:28 PM IST") is None
    assert parse_iso("2023-02-30") is None
    assert parse_iso("Wed, 31 Sep 2023 16:28:00 GMT") is None
    assert parse_iso("") is None
    assert dateparser_calls() == before


def test_dateparser_is_imported_lazily() -> None:
    code = (
        "import sys; import crawler.text.dates as d; "
        "assert d.parse_date('2023-09-13T16:28:00+05:30') is not None; "
        "assert d.parse_date('13 सितंबर 2023, 04:28 PM IST') is not None; "
        "assert 'dateparser' not in sys.modules, 'dateparser imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_known_formats_never_reach_dateparser() -> None:
    before = dateparser_calls()
    for _, text, _ in CASES:
        parse_date(text, now=NOW)
    assert dateparser_calls() == before


def test_fallback_reads_yearless_date_with_dateparser() -> None:
    before = dates.DATEPARSER_CALLS
    parsed = parse_visible("13 सितंबर, 4:28 PM IST", now=datetime(2023, 9, 14, 9, 0, tzinfo=IST))
    assert dates.DATEPARSER_CALLS == before + 1
    assert parsed is not None
    assert to_iso(parsed) == SEED


def test_fallback_keeps_september_september() -> None:
    parsed = parse_visible("4 सितंबर, 10:00 AM", now=datetime(2024, 9, 10, 9, 0, tzinfo=IST))
    assert parsed is not None
    assert to_iso(parsed) == "2024-09-04T10:00:00+05:30"


def test_relative_default_now_is_current_time() -> None:
    parsed = parse_visible("2 घंटे पहले")
    assert parsed is not None
    expected = datetime.now(UTC) - timedelta(hours=2)
    assert abs(parsed - expected) < timedelta(minutes=1)
    assert parsed.utcoffset() == timedelta(hours=5, minutes=30)


def test_relative_now_in_utc_still_counts_days_in_india() -> None:
    # 2023-09-12 20:00 UTC is already 13 September (01:30) in India.
    now = datetime(2023, 9, 12, 20, 0, tzinfo=UTC)
    parsed = parse_visible("कल", now=now)
    assert parsed is not None
    assert to_iso(parsed) == "2023-09-12T01:30:00+05:30"

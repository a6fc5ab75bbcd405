"""Benchmark crawler.text.dates against plain dateparser on the dates Hindi news sites print.

Run: python benchmarks/bench_dates.py

Measures, in one invocation and on the same mixed list (ISO, visible English, visible
Hindi, relative):
  * dates/second for Khabar's parser;
  * dates/second and answers that are wrong or None for dateparser used plainly
    (``languages=['hi', 'en']``) and with Khabar's settings;
  * that ISO and RSS dates never reach dateparser (counter, and not even imported).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crawler.text.dates import IST, dateparser_calls, parse_date, parse_iso

NOW = datetime(2023, 9, 13, 12, 0, tzinfo=IST)
SEED = "2023-09-13T16:28:00+05:30"
KHABAR_MIN_SECONDS = 1.0

# (kind, text, expected instant as ISO); expected values worked out by hand.
MIXED: list[tuple[str, str, str]] = [
    ("iso", "2023-09-13T16:28:00+05:30", SEED),
    ("iso", "2023-09-13T16:28:00+0530", SEED),
    ("iso", "2023-09-13 16:28:00", SEED),
    ("iso", "2023-09-13T10:58:00Z", SEED),
    ("iso", "2023-09-13T16:28:00.000+05:30", SEED),
    ("iso", "2023-09-13", "2023-09-13T00:00:00+05:30"),
    ("iso", "Wed, 13 Sep 2023 16:28:00 +0530", SEED),
    ("iso", "Wed, 13 Sep 2023 10:58:00 GMT", SEED),
    ("iso", "2021-09-01T05:25:00+05:30", "2021-09-01T05:25:00+05:30"),
    ("iso", "2024-01-02T02:37:00Z", "2024-01-02T08:07:00+05:30"),
    ("english", "Published: September 13, 2023 4:28 PM", SEED),
    ("english", "By शिवेन्द्र कुमार राय | Published: September 13, 2023 4:28 PM", SEED),
    ("english", "Sep 13, 2023, 04:28 PM IST", SEED),
    ("english", "Published by: अमर उजाला ब्यूरो Updated Wed, 13 Sep 2023 04:28 PM IST", SEED),
    ("english", "Updated: 13 Sep 2023, 4:28 pm", SEED),
    ("english", "13 Sep 2023, 4:28 pm IST", SEED),
    ("english", "Updated at : 13 Sep 2023 04:28 PM (IST)", SEED),
    ("english", "Last Updated: Sep 13, 2023, 16:28 PM IST", SEED),
    ("english", "Published : Sep 1, 2021, 5:25 AM IST", "2021-09-01T05:25:00+05:30"),
    ("english", "Wed, 13 Sep 2023 04:28 PM", SEED),
    ("english", "Updated: 13 Sep 2023 16:28 (IST)", SEED),
    ("english", "LAST UPDATED : SEPTEMBER 13, 2023, 16:28 IST", SEED),
    ("english", "Updated on: Sep 13, 2023 | 4:28 PM", SEED),
    ("english", "Publish Date: Wed, 13 Sep 2023 04:28 PM (IST)", SEED),
    ("english", "Updated at : 02 Jan 2024 08:07 AM (IST)", "2024-01-02T08:07:00+05:30"),
    ("hindi", "13 सितंबर 2023, 04:28 PM IST", SEED),
    ("hindi", "अपडेटेड Wed, 13 Sep 2023 04:28 PM IST", SEED),
    ("hindi", "नई दिल्ली, 13 सितंबर 2023, (अपडेटेड 13 सितंबर 2023, 4:28 PM IST)", SEED),
    ("hindi", "लाइव हिन्दुस्तान, नई दिल्ली Published By: सुनील कुमार Wed, 13 Sep 2023 04:28 PM", SEED),
    ("hindi", "१३ सितंबर २०२३, ०४:२८ PM", SEED),
    ("hindi", "4 सितंबर 2024", "2024-09-04T00:00:00+05:30"),
    ("hindi", "13 सितंबर 2023 शाम 4:28 बजे", SEED),
    ("hindi", "13 सितंबर 2023, 4:28 PM भारतीय समय", SEED),
    ("hindi", "बुधवार, 13 सितंबर 2023", "2023-09-13T00:00:00+05:30"),
    ("hindi", "अपडेटेड: सितम्बर 13, 2023 4:28 PM IST", SEED),
    ("hindi", "गुरुवार, 14 सितम्बर 2023 (16:28 IST)", "2023-09-14T16:28:00+05:30"),
    ("hindi", "13 अक्तूबर 2023", "2023-10-13T00:00:00+05:30"),
    ("hindi", "5 फ़रवरी 2024", "2024-02-05T00:00:00+05:30"),
    ("hindi", "13 सितंबर 2023 को सुबह 9:15 बजे", "2023-09-13T09:15:00+05:30"),
    ("relative", "2 घंटे पहले", "2023-09-13T10:00:00+05:30"),
    ("relative", "5 मिनट पहले", "2023-09-13T11:55:00+05:30"),
    ("relative", "1 दिन पहले", "2023-09-12T12:00:00+05:30"),
    ("relative", "कल", "2023-09-12T12:00:00+05:30"),
    ("relative", "कल शाम 4:28 बजे", "2023-09-12T16:28:00+05:30"),
    ("relative", "3 days ago", "2023-09-10T12:00:00+05:30"),
    ("relative", "2 hours ago", "2023-09-13T10:00:00+05:30"),
    ("relative", "just now", "2023-09-13T12:00:00+05:30"),
    ("relative", "अभी", "2023-09-13T12:00:00+05:30"),
]

Parser = Callable[[str], datetime | None]


def _khabar(text: str) -> datetime | None:
    return parse_date(text, now=NOW)


def _dateparser_plain() -> Parser:
    import dateparser

    # Only a relative base, so relative answers are comparable with ours.
    settings = {"RELATIVE_BASE": NOW.replace(tzinfo=None)}
    return lambda text: dateparser.parse(text, languages=["hi", "en"], settings=settings)


def _dateparser_tuned() -> Parser:
    import dateparser

    settings = {
        "TIMEZONE": "Asia/Kolkata",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": NOW.replace(tzinfo=None),
    }
    return lambda text: dateparser.parse(text, languages=["hi", "en"], settings=settings)


def _same_instant(got: datetime | None, expected: str) -> bool:
    if got is None:
        return False
    # Generous to dateparser: a naive answer is taken as India time.
    aware = got if got.tzinfo is not None else got.replace(tzinfo=IST)
    return aware == datetime.fromisoformat(expected)


def _score(parse: Parser, cases: list[tuple[str, str, str]]) -> dict[str, Any]:
    """One pass: timing and right / wrong / None counts."""
    right = wrong = none = 0
    failures: list[str] = []
    start = time.perf_counter()
    answers = [parse(text) for _, text, _ in cases]
    elapsed = time.perf_counter() - start
    for (_, text, expected), got in zip(cases, answers, strict=True):
        if got is None:
            none += 1
            failures.append(f"None   {text}")
        elif _same_instant(got, expected):
            right += 1
        else:
            wrong += 1
            failures.append(f"wrong  {text}  ->  {got.isoformat()}")
    rate = len(cases) / elapsed if elapsed else float("inf")
    return {"n": len(cases), "seconds": elapsed, "per_second": rate, "right": right,
            "wrong": wrong, "none": none, "failures": failures}  # fmt: skip


def _throughput(parse: Parser, cases: list[tuple[str, str, str]]) -> float:
    """Dates per second, repeating the list until KHABAR_MIN_SECONDS have passed."""
    texts = [text for _, text, _ in cases]
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < KHABAR_MIN_SECONDS:
        for text in texts:
            parse(text)
        done += len(texts)
    return done / elapsed


def _iso_check() -> dict[str, Any]:
    """Parse every ISO/RSS date and prove dateparser was neither called nor imported."""
    iso = [text for kind, text, _ in MIXED if kind == "iso"]
    before = dateparser_calls()
    parsed = [parse_iso(text) for text in iso] + [parse_date(text) for text in iso]
    return {
        "iso_strings": len(iso),
        "all_parsed": all(p is not None for p in parsed),
        "dateparser_calls": dateparser_calls() - before,
        "dateparser_imported": "dateparser" in sys.modules,
    }


def main() -> dict[str, Any]:
    iso = _iso_check()  # first, before anything imports dateparser
    khabar = _score(_khabar, MIXED)
    calls_before = dateparser_calls()
    khabar["per_second"] = _throughput(_khabar, MIXED)
    khabar["fallback_calls"] = dateparser_calls() - calls_before
    kinds = sorted({kind for kind, _, _ in MIXED})
    khabar["per_second_by_kind"] = {k: _throughput(_khabar, [c for c in MIXED if c[0] == k]) for k in kinds}

    import_start = time.perf_counter()
    plain_parse = _dateparser_plain()
    plain_parse("13 Sep 2023")  # warm-up: language data loads on the first call
    warmup = time.perf_counter() - import_start
    plain = _score(plain_parse, MIXED)
    tuned = _score(_dateparser_tuned(), MIXED)

    figures = {"iso_check": iso, "khabar": khabar, "dateparser_plain": plain,
               "dateparser_tuned": tuned, "dateparser_import_and_warmup_s": warmup}  # fmt: skip
    _print(figures)
    return figures


def _print(figures: dict[str, Any]) -> None:
    rows = [
        ("khabar crawler.text.dates", figures["khabar"]),
        ("dateparser plain (hi, en)", figures["dateparser_plain"]),
        ("dateparser + Khabar settings", figures["dateparser_tuned"]),
    ]
    print(f"{len(MIXED)} date strings (ISO, English, Hindi, relative), now = {NOW.isoformat()}\n")
    print(f"{'parser':<30} {'dates/s':>10} {'right':>6} {'wrong':>6} {'None':>6}")
    for name, row in rows:
        print(f"{name:<30} {row['per_second']:>10,.0f} {row['right']:>6} {row['wrong']:>6} {row['none']:>6}")
    iso = figures["iso_check"]
    print(
        f"\nISO/RSS check: {iso['iso_strings']} strings, all parsed={iso['all_parsed']}, "
        f"dateparser calls={iso['dateparser_calls']}, dateparser imported={iso['dateparser_imported']}"
    )
    print(f"khabar dateparser fallback calls during the run: {figures['khabar']['fallback_calls']}")
    by_kind = ", ".join(f"{k} {v:,.0f}/s" for k, v in figures["khabar"]["per_second_by_kind"].items())
    print(f"khabar by kind: {by_kind}")
    print(f"dateparser import + first call: {figures['dateparser_import_and_warmup_s']:.2f} s")
    for name, row in rows[1:]:
        print(f"\n{name} misses:")
        for line in row["failures"]:
            print(f"  {line}")


if __name__ == "__main__":
    result = main()
    iso_ok = result["iso_check"]["dateparser_calls"] == 0 and not result["iso_check"]["dateparser_imported"]
    sys.exit(0 if iso_ok and result["khabar"]["right"] == len(MIXED) else 1)

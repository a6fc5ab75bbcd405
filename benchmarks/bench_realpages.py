"""Benchmark the generic extractor on real pages nobody here wrote, beside trafilatura when it is installed.

Run: KHABAR_REALPAGES=DIR python benchmarks/bench_realpages.py [--worst N] [--all] [--json FILE]
     (``make bench`` runs it when KHABAR_REALPAGES is set, and says it skipped it otherwise)

DIR is a set in the layout ``../shared/tools/realpages-devset`` writes: ``DIR/pages/*.html`` and
``DIR/gold.json`` = {file: {publisher, country, title, authors, published, summary, paragraphs}}.
The pages are third-party text: they stay outside the repository, and so does this script's output.

Every page goes through ``build_article`` with no site selectors, as the ``article`` and ``feed`` spiders
do, fetched "now" at the URL the page itself declares (canonical link or og:url).

How each field is judged, decided once, here (the same rules for Khabar and for trafilatura):

* **stored**: the page would pass Khabar's validate pipeline (page kind ``article``, a title, a body of
  at least ``KHABAR_MIN_BODY_CHARS``). A page Khabar would not store scores nothing on any field: that is
  what a user gets. trafilatura "stores" a page when it returns a title and that much text.
* **title exact**: NFC, whitespace collapsed, then equal (case and punctuation count).
* **authors exact (people)**: Khabar's ``authors`` are people. The gold lists credits as the page
  prints them, persons mixed with the publisher (``BBC News``), agencies (``dpa``, ``AFP``) and desks
  (``Redaktion``, ``Staff``). So the gold is first reduced to the people in it with one fixed rule
  (``is_credit``: the publisher's own name, a news agency, a desk word); then the two sets of names
  (NFC, whitespace collapsed, order ignored) must be equal. A page whose gold has no person expects no
  author. trafilatura has no separate place for credits, so its answer goes through the same rule
  (in its favour); Khabar's does not: a credit in Khabar's ``authors`` is an error. The row
  "authors as listed" compares the gold unreduced, for reference.
* **published instant**: within 60 seconds of the gold. A gold time with an offset is an instant; a
  naive gold time is the page's wall clock, compared with the wall clock of Khabar's ``published_at``
  (which keeps the page's offset); a naive gold midnight is a date without a time and is judged by
  the day. **published day**: the calendar day in the gold's own offset (naive: as written).
  trafilatura returns a date only: its instant is not scored.
* **body**: the gold paragraphs (section headings included, the summary not) joined, against the
  extracted body; bag-of-words precision/recall/F1 over casefolded NFC words (letters, marks and digits,
  so Devanagari vowel signs stay in their word); Han, kana and Hangul count per character. Averaged per
  page (every page weighs the same); an empty answer scores 0.
* **time**: CPU time of one extraction on one pinned core, median of several runs per page; then the
  median and p95 over pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_extract import pin_to_one_core
from crawler.config import CrawlSettings
from crawler.extract.fields import build_article
from crawler.items import Page
from crawler.text.cleaning import decode_html
from crawler.text.urls import site_key
from pipelines.validate import ValidatePipeline

ENV = "KHABAR_REALPAGES"
KHABAR_REPEATS = 5
TRAFILATURA_REPEATS = 3
WORST = 12
MIN_BODY_CHARS = CrawlSettings().min_body_chars  # the validate pipeline's default

# ---------------------------------------------------------------------------
# The set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    gold: dict[str, Any]
    url: str


_CANONICAL = re.compile(r"""<link\b[^>]*\brel=["']?canonical["']?[^>]*>""", re.IGNORECASE)
_OG_URL = re.compile(r"""<meta\b[^>]*\bproperty=["']?og:url["']?[^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""\b(?:href|content)=["']([^"']+)["']""", re.IGNORECASE)


def page_url(html: str, name: str) -> str:
    """The URL the page says it lives at; a made-up one named after the file when it says nothing."""
    for pattern in (_CANONICAL, _OG_URL):
        for tag in pattern.findall(html[:400_000]):
            found = _HREF.search(tag)
            if found and found.group(1).startswith("http"):
                return found.group(1).strip()
    return f"https://{Path(name).stem.lower()}.example/news/article.html"


def load_set(root: Path) -> list[Case]:
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    cases = []
    for name in sorted(gold):
        path = root / "pages" / name
        if path.is_file():
            html = decode_html(path.read_bytes(), None)
            cases.append(Case(name, html, gold[name], page_url(html, name)))
    return cases


# ---------------------------------------------------------------------------
# Comparison rules
# ---------------------------------------------------------------------------


def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
_WORD = regex.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[\p{{L}}\p{{M}}\p{{N}}])+")


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def body_scores(gold: str, found: str) -> tuple[float, float, float]:
    """Bag-of-words (precision, recall, F1) of ``found`` against ``gold``."""
    expected, got = words(gold), words(found)
    common = sum((expected & got).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(expected.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


AGENCIES = frozenset({
    "dpa", "afp", "ap", "apa", "ansa", "efe", "epd", "kna", "sid", "reuters", "associated press", "pti", "ians",
    "ani", "uni", "xinhua", "tass", "anp", "belga", "ntb", "ritzau", "ctk", "pap", "mti",
    "deutsche presse-agentur", "agence france-presse", "press trust of india", "भाषा", "वार्ता", "एजेंसी",
})
# Acronyms that mark a credit even inside a longer one ("Le Figaro et AFP"); never a person's name.
AGENCY_TOKENS = frozenset({"dpa", "afp", "ap", "apa", "ansa", "efe", "epd", "kna", "reuters", "pti", "ians"})
DESK_WORDS = frozenset({
    "redaktion", "staff", "team", "desk", "newsroom", "editorial", "bureau", "editors", "online", "web", "digital",
    "ब्यूरो", "डेस्क", "टीम",
})
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")


def squash(text: str) -> str:
    """Lower case, accents off, letters and digits only: ``Habertürk`` == ``haberturk``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def is_credit(name: str, publisher_names: list[str]) -> bool:
    """Whether a byline entry is the publisher, an agency or a desk rather than a person."""
    tokens = [token.casefold() for token in _TOKEN.findall(name)]
    if not tokens:
        return True
    whole = {" ".join(tokens), " ".join(name.casefold().split())}  # "deutsche presse-agentur" either way
    if whole & AGENCIES or any(token in AGENCY_TOKENS for token in tokens):
        return True
    if any(token in DESK_WORDS or token.endswith(("redaktion", "desk")) for token in tokens):
        return True
    squashed = squash(name)
    return any(len(own) >= 3 and (own in squashed or (len(squashed) >= 4 and squashed in own))
               for own in publisher_names)


def publisher_names(case: Case) -> list[str]:
    """The publisher as the gold names it, the page's og:site_name, and its host's name."""
    found = [case.gold.get("publisher", "")]
    site_name = re.search(r"""<meta\b[^>]*property=["']og:site_name["'][^>]*content=["']([^"']+)""", case.html)
    if site_name:
        found.append(site_name.group(1))
    host = site_key(urlsplit(case.url).hostname or "")
    found += [host, host.split(".")[0]]
    return [squashed for squashed in map(squash, found) if squashed]


def people(names: list[str], publishers: list[str]) -> set[str]:
    return {norm(name) for name in names if norm(name) and not is_credit(name, publishers)}


def gold_time(raw: str | None) -> tuple[datetime | None, bool]:
    """(the gold time, whether it is a date without a time of day)."""
    if not raw:
        return None, False
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None, False
    date_only = value.tzinfo is None and (value.hour, value.minute, value.second) == (0, 0, 0)
    return value, date_only


def same_instant(gold: datetime, found: datetime | None, date_only: bool) -> bool:
    if found is None:
        return False
    if date_only:
        return same_day(gold, found)
    if gold.tzinfo is None:
        return abs(found.replace(tzinfo=None) - gold) < timedelta(seconds=60)
    return abs(found - gold) < timedelta(seconds=60)


def same_day(gold: datetime, found: datetime | date | None) -> bool:
    if found is None:
        return False
    if not isinstance(found, datetime):
        return found == gold.date()
    if gold.tzinfo is None or found.tzinfo is None:
        return found.date() == gold.date()
    return found.astimezone(gold.tzinfo).date() == gold.date()


# ---------------------------------------------------------------------------
# The extractors
# ---------------------------------------------------------------------------


@dataclass
class Answer:
    """What one extractor made of one page."""

    stored: bool
    reason: str = ""
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | date | None = None
    body: str = ""
    cpu_ms: float = 0.0


_VALIDATE = ValidatePipeline(stats=None, min_body_chars=MIN_BODY_CHARS)  # type: ignore[arg-type]
NOW = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def khabar(case: Case) -> Answer:
    page = Page(url=case.url, html=case.html, site=site_key(urlsplit(case.url).hostname or "") or "article",
                fetched_at=NOW)
    article = build_article(page, None)
    reason = _VALIDATE.reason_to_drop(article)
    published = datetime.fromisoformat(article.published_at) if article.published_at else None
    return Answer(not reason, reason, article.title, article.authors, published, article.body_text)


def trafilatura_extractor() -> tuple[str, Callable[[Case], Answer]] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def extract(case: Case) -> Answer:
        document = trafilatura.bare_extraction(case.html, url=case.url, with_metadata=True)
        if document is None:
            return Answer(False, "nothing extracted")
        found = document if isinstance(document, dict) else document.as_dict()
        text = found.get("text") or ""
        title = found.get("title") or ""
        authors = [name.strip() for name in (found.get("author") or "").split(";") if name.strip()]
        published: date | None = None
        if found.get("date"):
            try:
                published = date.fromisoformat(str(found["date"])[:10])
            except ValueError:
                published = None
        stored = bool(title) and len(text) >= MIN_BODY_CHARS
        return Answer(stored, "" if stored else "no title or text", title, authors, published, text)

    return f"trafilatura {trafilatura.__version__}", extract


def timed_answer(extract: Callable[[Case], Answer], case: Case, repeats: int) -> Answer:
    runs, answer = [], None
    for _ in range(repeats):
        start = time.process_time()
        answer = extract(case)
        runs.append(time.process_time() - start)
    assert answer is not None
    answer.cpu_ms = 1000 * statistics.median(runs)
    return answer


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


@dataclass
class Score:
    """One extractor on one page."""

    stored: bool
    title: bool
    instant: bool | None  # None: the extractor gives no time of day
    day: bool
    authors: bool
    authors_as_listed: bool
    precision: float
    recall: float
    f1: float
    cpu_ms: float
    misses: list[str] = field(default_factory=list)


def score(case: Case, answer: Answer, *, with_time: bool, filter_answer: bool) -> Score:
    gold = case.gold
    if not answer.stored:
        answer = Answer(False, answer.reason, cpu_ms=answer.cpu_ms)
    expected_time, date_only = gold_time(gold.get("published"))
    publishers = publisher_names(case)
    expected_people = people(gold.get("authors") or [], publishers)
    found_people = people(answer.authors, publishers) if filter_answer else {norm(a) for a in answer.authors if norm(a)}
    gold_body = "\n".join(gold.get("paragraphs") or [])
    precision, recall, f1 = body_scores(gold_body, answer.body)
    instant: bool | None = None
    if with_time:
        found_time = answer.published if isinstance(answer.published, datetime) else None
        instant = expected_time is not None and same_instant(expected_time, found_time, date_only)
    result = Score(
        stored=answer.stored,
        title=norm(answer.title) == norm(gold.get("title")),
        instant=instant,
        day=expected_time is not None and same_day(expected_time, answer.published),
        authors=found_people == expected_people,
        authors_as_listed={norm(a) for a in answer.authors} == {norm(a) for a in gold.get("authors") or []},
        precision=precision, recall=recall, f1=f1, cpu_ms=answer.cpu_ms,
    )
    result.misses = _misses(case, answer, result, expected_people, found_people)
    return result


def _short(text: Any, size: int = 70) -> str:
    text = norm(str(text))
    return text if len(text) <= size else text[:size - 1] + "…"


def _misses(case: Case, answer: Answer, result: Score, expected_people: set[str], found: set[str]) -> list[str]:
    gold = case.gold
    misses = [] if result.stored else [f"not stored: {answer.reason}"]
    if result.stored and result.f1 < 0.97:
        kind = "missed text" if result.recall < result.precision else "extra text"
        misses.append(f"body F1 {result.f1:.2f} (P {result.precision:.2f} R {result.recall:.2f}): {kind}")
    if result.stored and not result.title:
        misses.append(f"title {_short(answer.title)!r} != {_short(gold.get('title'))!r}")
    if result.stored and (result.instant is False or not result.day):
        misses.append(f"published {answer.published} != {gold.get('published')}")
    if result.stored and not result.authors:
        misses.append(f"authors {sorted(found)} != {sorted(expected_people)}")
    return misses


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def summary(scores: list[Score]) -> dict[str, Any]:
    n = len(scores) or 1

    def share(name: str) -> float | None:
        values = [getattr(s, name) for s in scores]
        return None if any(v is None for v in values) else sum(map(bool, values)) / n

    return {
        "pages": len(scores), "stored": sum(s.stored for s in scores),
        "title": share("title"), "instant": share("instant"), "day": share("day"),
        "authors": share("authors"), "authors_as_listed": share("authors_as_listed"),
        "precision": sum(s.precision for s in scores) / n, "recall": sum(s.recall for s in scores) / n,
        "f1": sum(s.f1 for s in scores) / n,
        "median_ms": statistics.median([s.cpu_ms for s in scores]) if scores else 0.0,
        "p95_ms": _p95([s.cpu_ms for s in scores]),
    }


ROWS = (("pages stored", "stored"), ("title exact", "title"), ("published instant (±1 min)", "instant"),
        ("published day", "day"), ("authors exact (people)", "authors"),
        ("authors as listed (credits too)", "authors_as_listed"), ("body precision", "precision"),
        ("body recall", "recall"), ("body F1", "f1"), ("time median (ms)", "median_ms"),
        ("time p95 (ms)", "p95_ms"))


def _cell(key: str, value: Any, pages: int) -> str:
    if value is None:
        return "date only" if key == "instant" else "-"
    if key == "stored":
        return f"{value} of {pages}"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}" if key in ("precision", "recall", "f1") else f"{value:.2f}"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    print(f"| {'on ' + str(results[names[0]]['pages']) + ' real pages':<32} | " + " | ".join(f"{n:<18}" for n in names)
          + " |")
    print("|" + "-" * 34 + "|" + "|".join("-" * 20 for _ in names) + "|")
    for label, key in ROWS:
        cells = [_cell(key, results[name][key], results[name]["pages"]) for name in names]
        print(f"| {label:<32} | " + " | ".join(f"{cell:<18}" for cell in cells) + " |")


def print_worst(cases: list[Case], scores: list[Score], limit: int) -> None:
    ranked = sorted(zip(cases, scores, strict=True), key=lambda pair: (pair[1].stored, pair[1].f1
                    - 0.1 * len(pair[1].misses)))
    shown = [(case, s) for case, s in ranked if s.misses][:limit]
    print(f"\nworst pages ({len(shown)} of {sum(bool(s.misses) for s in scores)} with a miss):")
    for case, s in shown:
        print(f"  {case.name}")
        for miss in s.misses:
            print(f"      {miss}")


def run(root: Path, worst: int = WORST, everything: bool = False) -> dict[str, Any]:
    cases = load_set(root)
    pinned = pin_to_one_core()
    extractors: list[tuple[str, Callable[[Case], Answer], int, bool]] = [("Khabar", khabar, KHABAR_REPEATS, True)]
    other = trafilatura_extractor()
    if other is not None:
        extractors.append((other[0], other[1], TRAFILATURA_REPEATS, False))
    khabar(cases[0])  # warm-up: imports, regex compilation
    results, per_page = {}, {}
    for name, extract, repeats, own in extractors:
        scores = [score(case, timed_answer(extract, case, repeats), with_time=own, filter_answer=not own)
                  for case in cases]
        results[name], per_page[name] = summary(scores), scores
    print(f"{len(cases)} pages from {root}; CPU time per page, {pinned}\n")
    print_table(results)
    if other is None:
        print("(trafilatura is not installed: no trafilatura column; pip install trafilatura to compare)")
    print_worst(cases, per_page["Khabar"], len(cases) if everything else worst)
    return {"results": results, "pages": {case.name: {name: vars(per_page[name][i]) for name in per_page}
                                          for i, case in enumerate(cases)}}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=os.environ.get(ENV, ""), help=f"the set (default: ${ENV})")
    parser.add_argument("--worst", type=int, default=WORST, help="how many of the worst pages to list")
    parser.add_argument("--all", action="store_true", help="list every page with a miss")
    parser.add_argument("--json", type=Path, help="write the figures and per-page scores here")
    args = parser.parse_args(argv if argv is not None else [])
    if not args.root:
        print(f"skipped: no set of real pages (set {ENV}=DIR, a folder with pages/*.html and gold.json)")
        return {}
    root = Path(args.root)
    if not (root / "gold.json").is_file():
        raise SystemExit(f"{root}: no gold.json here (expected pages/*.html and gold.json)")
    figures = run(root, args.worst, args.all)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])

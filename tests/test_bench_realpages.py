"""The real-page benchmark's comparison rules, on a tiny set written here (real pages never enter the repository)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_realpages.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_realpages", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_realpages"] = module
    spec.loader.exec_module(module)
    return module


def test_devanagari_words_stay_whole_and_cjk_counts_per_character(bench: ModuleType) -> None:
    assert sorted(bench.words("यूक्रेन पर हमला")) == sorted(["यूक्रेन", "पर", "हमला"])
    assert sum(bench.words("震度5弱").values()) == 4  # 震, 度, 5, 弱
    precision, recall, f1 = bench.body_scores("एक दो तीन चार", "एक दो तीन चार पांच छह सात आठ")
    assert (precision, recall) == (0.5, 1.0) and f1 == pytest.approx(2 / 3)
    assert bench.body_scores("एक दो", "") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("name", "credit"), [
    ("dpa", True), ("Le Figaro et AFP", True), ("MND Staff", True), ("IN-Redaktion", True), ("ORF.at", True),
    ("दिल्ली ब्यूरो", True), ("Birgit Baumann", False), ("Sid Lowe", False), ("अनुराग मिश्रा", False),
])
def test_credits_are_told_from_people(bench: ModuleType, name: str, credit: bool) -> None:
    assert bench.is_credit(name, [bench.squash("ORF")]) is credit


def test_dates_naive_gold_is_wall_clock_and_midnight_is_a_day(bench: ModuleType) -> None:
    found = datetime.fromisoformat("2024-04-24T22:58:30+05:30")
    gold, date_only = bench.gold_time("2024-04-24 22:58:49")
    assert not date_only and bench.same_instant(gold, found, date_only)
    gold, date_only = bench.gold_time("2024-04-24 00:00:00")
    assert date_only and bench.same_instant(gold, found, date_only)
    gold, date_only = bench.gold_time("2024-04-24 17:28:00+00:00")
    assert bench.same_instant(gold, found, date_only)  # 22:58+05:30 is 17:28 UTC
    assert not bench.same_instant(gold, datetime.fromisoformat("2024-04-24T22:58:30+02:00"), date_only)
    late, _ = bench.gold_time("2024-04-24 23:30:00+00:00")
    assert bench.same_day(late, datetime.fromisoformat("2024-04-25T05:00:00+05:30"))  # the 24th in the gold's UTC
    assert not bench.same_day(late, datetime.fromisoformat("2024-04-25T06:00:00+05:30"))


PARAS = ["यूक्रेन की राजधानी कीव में बुधवार सुबह कई धमाके सुने गए और हवाई हमले की चेतावनी जारी की गई।",
         "अधिकारियों ने बताया कि राहत और बचाव का काम रातभर चलता रहा और घायलों को अस्पताल पहुंचाया गया।"]


def test_a_set_is_scored_end_to_end(bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pages").mkdir()
    story = "".join(f"<p>{p}</p>" for p in PARAS)
    (tmp_path / "pages" / "in-One.html").write_text(
        '<html lang="hi"><head><link rel="canonical" href="https://one.example.in/news/a-1.html">'
        '<meta property="article:published_time" content="2024-02-14T10:00:00+05:30"></head>'
        f'<body><h1>कीव में धमाके</h1><article>{story}</article></body></html>', encoding="utf-8")
    (tmp_path / "pages" / "in-Two.html").write_text("<html><body><h1>खाली</h1></body></html>", encoding="utf-8")
    gold = {"in-One.html": {"publisher": "One", "title": "कीव में धमाके", "authors": [], "summary": [],
                            "published": "2024-02-14 04:30:00+00:00", "paragraphs": PARAS},
            "in-Two.html": {"publisher": "Two", "title": "खाली", "authors": ["Two Desk"], "summary": [],
                            "published": None, "paragraphs": PARAS}}
    (tmp_path / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    figures = bench.main([str(tmp_path)])
    khabar = figures["results"]["Khabar"]
    assert khabar["stored"] == 1 and khabar["title"] == 0.5 and khabar["instant"] == 0.5
    assert khabar["f1"] == pytest.approx(0.5)  # the page not stored scores 0
    out = capsys.readouterr().out
    assert "in-Two.html" in out and "not stored: no_body" in out


def test_without_a_set_it_says_it_skipped(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([]) == {}
    assert "skipped" in capsys.readouterr().out

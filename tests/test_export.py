"""`khabar export`: JSON lines and CSV read back equal to the database rows; the filters select the right rows."""

from __future__ import annotations

import codecs
import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import rows, run_khabar

pytestmark = pytest.mark.e2e

JSON_ARRAYS = ("authors", "highlights", "tags", "related", "more_from_section")
# The article columns DESIGN.md promises; an export carries each of them.
PROMISED = ("id", "url", "site", "title", "authors", "published_at", "published_utc", "updated_at", "section",
            "summary", "highlights", "dateline", "body", "tags", "related", "more_from_section", "image_url",
            "language", "content_hash", "first_seen_at", "last_seen_at")


@pytest.fixture
def crawled(crawled_sample: Path) -> Path:
    return crawled_sample  # read only: exports go to each test's own tmp_path


def db_rows(work: Path, where: str = "", params: tuple = ()) -> dict[int, dict]:
    return {row["id"]: dict(row) for row in rows(work / "khabar.db", f"SELECT * FROM articles {where}", params)}


def export(work: Path, out: Path, *args: str) -> tuple[Path, str]:
    result = run_khabar(work, "export", *args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out, result.stderr


def test_jsonl_reads_back_equal_to_the_rows(crawled: Path, tmp_path: Path) -> None:
    out, message = export(crawled, tmp_path / "out.jsonl", "--format", "jsonl")
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = db_rows(crawled)
    assert len(exported) == len(stored) > 10
    assert message.strip() == f"exported {len(stored)} articles"
    for row in exported:
        assert set(PROMISED) <= set(row)
        original = stored[row["id"]]
        for name, value in row.items():
            expected = json.loads(original[name]) if name in JSON_ARRAYS else original[name]
            assert value == expected, name
    assert any("यूक्रेन" in row["title"] for row in exported)


def test_csv_reads_back_equal_to_the_rows(crawled: Path, tmp_path: Path) -> None:
    out, _ = export(crawled, tmp_path / "out.csv", "--format", "csv")
    with out.open(encoding="utf-8", newline="") as file:
        exported = list(csv.DictReader(file))
    stored = db_rows(crawled)
    assert len(exported) == len(stored)
    assert set(PROMISED) <= set(exported[0])
    for row in exported:
        original = stored[int(row["id"])]
        for name, value in row.items():
            assert value == ("" if original[name] is None else str(original[name])), name
    assert any("\n\n" in row["body"] for row in exported)  # paragraphs survive the quoting


def test_filters_select_the_rows_sql_selects(crawled: Path, tmp_path: Path) -> None:
    def exported_ids(*args: str) -> set[int]:
        out, _ = export(crawled, tmp_path / "out.jsonl", "--format", "jsonl", *args)
        return {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()}

    assert exported_ids("--site", "lokmat") == set(db_rows(crawled))
    assert exported_ids("--site", "bhaskar") == set()
    since = exported_ids("--since", "2024-05-01")  # midnight India time, as -a since= reads it
    assert since == set(db_rows(crawled, "WHERE published_utc >= '2024-04-30T18:30:00Z'")) and since
    topic = exported_ids("--topic", "russia-ukraine")
    expected = set(db_rows(crawled, "WHERE id IN (SELECT article_id FROM alerts WHERE topic = 'russia-ukraine')"))
    assert topic == expected and topic


def test_since_takes_the_durations_of_a_since(crawled: Path, tmp_path: Path) -> None:
    days = 1000  # the sample site's stories are from 2023-24: a window that splits them, wherever "now" is
    before = datetime.now(UTC) - timedelta(days=days)
    out, _ = export(crawled, tmp_path / "out.jsonl", "--since", f"{days}d")
    after = datetime.now(UTC) - timedelta(days=days)
    got = {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()}
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    newest = db_rows(crawled, "WHERE published_utc >= ?", (after.strftime(stamp),))
    widest = db_rows(crawled, "WHERE published_utc >= ?", (before.strftime(stamp),))
    assert set(newest) <= got <= set(widest)
    assert export(crawled, tmp_path / "none.jsonl", "--since", "6h")[1].strip() == "exported 0 articles"


def test_a_bad_since_is_refused_with_a_sentence(crawled: Path, tmp_path: Path) -> None:
    result = run_khabar(crawled, "export", "--since", "garbage", "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "must be a duration such as 6h or 2d, or a date such as 2024-06-01, not 'garbage'" in result.stderr


def test_excel_csv_has_a_byte_order_mark_and_the_same_rows(crawled: Path, tmp_path: Path) -> None:
    out, _ = export(crawled, tmp_path / "excel.csv", "--excel")
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # Excel reads UTF-8 only with it; without, Hindi is mojibake
    with out.open(encoding="utf-8-sig", newline="") as file:
        exported = list(csv.DictReader(file))
    assert [int(row["id"]) for row in exported] == sorted(db_rows(crawled))
    assert exported[0]["title"] == db_rows(crawled)[int(exported[0]["id"])]["title"]
    plain, _ = export(crawled, tmp_path / "plain.csv", "--format", "csv")
    assert not plain.read_bytes().startswith(codecs.BOM_UTF8)

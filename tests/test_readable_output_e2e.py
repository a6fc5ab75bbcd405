"""What people read in a terminal (crawler/app/tables.py): a URL on every search and alert row, tables fitted
to the terminal, titles cut between graphemes, times in IST (UTC with --utc), JSON unchanged; names found
across scripts (crawler/text/names.py): Zelensky finds ज़ेलेंस्की and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import regex
from wcwidth import wcswidth

from crawler.app.tables import cut
from tests.conftest import khabar_env, rows, run_khabar

pytestmark = pytest.mark.e2e

IST = timezone(timedelta(hours=5, minutes=30))


def khabar(work: Path, *args: str, columns: int = 200) -> str:
    result = run_khabar(work, *args, env=khabar_env(work, COLUMNS=str(columns)))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result.stdout


def table(text: str) -> list[dict[str, str]]:
    """The rows of a tabulate "simple" table by header name, cells split at the header rule's column starts
    (counted in display columns: Devanagari takes fewer columns than characters)."""
    lines = text.rstrip("\n").splitlines()
    starts = [m.start() for m in regex.finditer(r"-+", lines[1])]

    def cells(line: str) -> list[str]:
        found, position, index, current = [], 0, 0, ""
        bounds = [*starts[1:], 10**6]
        for cluster in regex.findall(r"\X", line):
            if position >= bounds[index]:
                found.append(current.strip())
                current, index = "", index + 1
            current += cluster
            position += max(wcswidth(cluster), 0)
        return [*found, current.strip()]

    names = cells(lines[0])
    return [dict(zip(names, cells(line), strict=True)) for line in lines[2:]]


def graphemes(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def test_search_rows_have_urls_ist_and_fit_the_terminal(crawled_sample: Path) -> None:
    db = crawled_sample / "khabar.db"
    stored = {r["url"]: dict(r) for r in rows(db, "SELECT url, title, published_at FROM articles")}
    for columns, shown in ((260, ["published", "site", "title", "snippet", "url"]),
                           (200, ["published", "site", "title", "url"])):  # narrower: the snippet goes first
        out = khabar(crawled_sample, "search", "यूक्रेन", columns=columns)
        assert all(wcswidth(line) <= columns for line in out.splitlines())
        found = table(out)
        assert found and list(found[0]) == shown
        for row in found:
            assert row["url"] in stored  # the whole URL, never cut
            moment = datetime.fromisoformat(stored[row["url"]]["published_at"])
            assert row["published"] == moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
            assert row["site"] == "lokmat"
            full = stored[row["url"]]["title"]
            if row["title"] != full:  # cut: between graphemes, never inside a conjunct, marked
                assert row["title"].endswith("…") and not row["title"][:-1].endswith("\u094d")
                kept = graphemes(row["title"][:-1])
                assert kept == graphemes(full)[:len(kept)]
        assert any(row["title"].endswith("…") for row in found)  # at these widths some titles had to be cut
    utc = table(khabar(crawled_sample, "search", "यूक्रेन", "--utc", columns=260))
    for row in utc:
        moment = datetime.fromisoformat(stored[row["url"]]["published_at"])
        assert row["published"] == moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def test_json_is_unchanged_by_the_table(crawled_sample: Path) -> None:
    found = json.loads(khabar(crawled_sample, "search", "यूक्रेन", "--json"))
    stored = {r["url"]: r["published_at"] for r in rows(crawled_sample / "khabar.db", "SELECT * FROM articles")}
    assert found and all(row["published_at"] == stored[row["url"]] for row in found)
    alerts = json.loads(khabar(crawled_sample, "alerts", "--json"))
    assert alerts and all(row["created_at"].endswith("Z") and row["url"].startswith("https://") for row in alerts)


def test_alerts_and_runs_show_ist_and_links(crawled_sample: Path) -> None:
    db = crawled_sample / "khabar.db"
    out = khabar(crawled_sample, "alerts", columns=240)
    assert all(wcswidth(line) <= 240 for line in out.splitlines())
    alerted = {r["url"]: r["created_at"] for r in rows(db, "SELECT ar.url, a.created_at FROM alerts a "
                                                         "JOIN articles ar ON ar.id = a.article_id")}
    cells = table(out)
    assert {row["url"] for row in cells} == set(alerted)
    for row in cells:
        created = datetime.fromisoformat(alerted[row["url"]].replace("Z", "+00:00"))
        assert row["raised"] == created.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
    started = rows(db, "SELECT started_at FROM crawl_runs ORDER BY id DESC")[0][0]
    moment = datetime.fromisoformat(started.replace("Z", "+00:00"))
    assert table(khabar(crawled_sample, "runs"))[0]["started"] == moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
    assert table(khabar(crawled_sample, "runs", "--utc"))[0]["started"] == moment.strftime("%Y-%m-%d %H:%M UTC")


@pytest.mark.parametrize(("english", "hindi"), [("Zelensky", "ज़ेलेंस्की"), ("Putin", "पुतिन"), ("Kyiv", "कीव")])
def test_english_names_find_hindi_spellings_and_back(crawled_sample: Path, english: str, hindi: str) -> None:
    by_english = {row["url"] for row in json.loads(khabar(crawled_sample, "search", english, "--json"))}
    by_hindi = {row["url"] for row in json.loads(khabar(crawled_sample, "search", hindi, "--json"))}
    stored = rows(crawled_sample / "khabar.db", "SELECT url, title, body FROM articles")
    written = {r["url"] for r in stored if hindi.replace("ज़", "ज") in (r["title"] + r["body"]).replace("ज़", "ज")}
    assert written and written <= by_english  # the English name finds the stories that spell it in Hindi
    assert by_english == by_hindi


def test_the_config_extends_the_name_list(crawled_sample: Path, tmp_path: Path) -> None:
    config = tmp_path / "khabar.toml"
    config.write_text('[names]\nMeloni = ["मेलोनी"]\n', encoding="utf-8")
    db = str(crawled_sample / "khabar.db")
    plain = run_khabar(crawled_sample, "search", "Meloni", "--json", "--db", db)
    assert json.loads(plain.stdout) == []  # not in the shipped list, and no story spells it in English
    extended = run_khabar(crawled_sample, "search", "Meloni", "--json", "--db", db, "--config", str(config))
    found = json.loads(extended.stdout)
    assert found and all("मेलोनी" in row["title"] + row["snippet"] for row in found)


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("युद्ध", 2, "यु…"),  # never युद…: द्ध is one grapheme (and takes two columns)
    ("युद्ध विराम की घोषणा", 4, "युद्ध…"),
    ("ज़ेलेंस्की ने कहा", 5, "ज़ेलेंस्की…"),
    ("short", 10, "short"),
    ("line\nbreak\tand  tabs", 40, "line break and tabs"),
])
def test_cut_keeps_graphemes_whole(text: str, width: int, expected: str) -> None:
    assert cut(text, width) == expected
    assert wcswidth(cut(text, width)) <= width

"""`khabar coverage`: per-site field coverage of the golden pages and of a database's articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app import golden
from crawler.app.cli import cli
from crawler.app.coverage import FIELDS
from crawler.store.connection import connect


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_golden_coverage_matches_what_the_golden_files_state() -> None:
    code, output = run("coverage", "--json")
    assert code == 0
    table = json.loads(output)["golden"]
    articles = [case for case in golden.cases() if case.expected.get("page_kind") == "article"]
    for site in {case.site for case in articles}:
        mine = [case.expected for case in articles if case.site == site]
        assert table[site]["pages"] == len(mine)
        for field in FIELDS:
            assert table[site][field] == pytest.approx(sum(bool(e[field]) for e in mine) / len(mine)), (site, field)


def test_table_lists_every_site_and_an_all_row() -> None:
    code, output = run("coverage")
    assert code == 0
    lines = output.splitlines()
    assert "published" in lines[1] and "title" in lines[1]
    sites = {line.split()[0] for line in lines[3:] if line.strip()}
    assert {"bhaskar", "zeenews", "lokmat", "all"} <= sites


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "khabar.db"
    db = connect(path)
    base = {"url": "", "site": "", "title": "t", "body": "b", "content_hash": "h", "first_seen_at": "x",
            "last_seen_at": "x", "authors": "[]", "tags": "[]", "highlights": "[]", "related": "[]",
            "more_from_section": "[]", "section": "", "summary": "", "dateline": "", "image_url": ""}
    rows = [
        {**base, "url": "https://a/1", "site": "bhaskar", "authors": '["राम"]', "section": "विदेश"},
        {**base, "url": "https://a/2", "site": "bhaskar", "tags": '["रूस"]', "section": "देश"},
        {**base, "url": "https://a/3", "site": "bhaskar", "authors": '["श्याम"]'},
        {**base, "url": "https://b/1", "site": "jagran", "highlights": '["एक"]', "summary": "सार"},
    ]
    db["articles"].insert_all(rows)
    db.conn.close()
    return path


def test_stored_coverage_from_the_database(database: Path) -> None:
    code, output = run("coverage", "--db", str(database), "--json")
    assert code == 0
    stored = json.loads(output)["stored"]
    assert stored["bhaskar"]["pages"] == 3 and stored["jagran"]["pages"] == 1
    assert stored["bhaskar"]["authors"] == pytest.approx(2 / 3)
    assert stored["bhaskar"]["section"] == pytest.approx(2 / 3)
    assert stored["bhaskar"]["tags"] == pytest.approx(1 / 3)
    assert stored["bhaskar"]["highlights"] == 0 and stored["jagran"]["highlights"] == 1
    assert stored["jagran"]["summary"] == 1 and stored["bhaskar"]["title"] == 1


@pytest.mark.parametrize("args", [["--db", "/no/such/khabar.db"], ["--golden", "/no/such/folder"]])
def test_missing_sources_are_a_plain_error(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["coverage", *args])
    assert result.exit_code == 1
    assert "Error: no " in result.output and "Traceback" not in result.output


def test_a_file_that_is_not_a_database_is_a_plain_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite", encoding="utf-8")
    result = CliRunner().invoke(cli, ["coverage", "--db", str(bogus)])
    assert result.exit_code == 1 and "cannot read articles" in result.output

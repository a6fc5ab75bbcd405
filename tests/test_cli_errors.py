"""User mistakes end with one clear sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import khabar_env, run_khabar


def assert_clean_failure(result, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_unknown_config_key(workdir: Path) -> None:
    (workdir / "khabar.toml").write_text('[storage]\ndb = "x.db"\ncolour = "blue"\n', encoding="utf-8")
    assert_clean_failure(run_khabar(workdir, "runs"), "khabar.toml", "storage.colour", "unknown key")


def test_bad_topic_rule(workdir: Path) -> None:
    (workdir / "khabar.toml").write_text('[topics.x]\nlabel = "X"\nterms = "रूस"\n', encoding="utf-8")
    assert_clean_failure(run_khabar(workdir, "alerts"), "topics.x.terms", "list of non-empty strings")


def test_secret_in_file_is_refused(workdir: Path) -> None:
    (workdir / "khabar.toml").write_text('[notify.slack]\nurl = "slack://secret"\n', encoding="utf-8")
    assert_clean_failure(run_khabar(workdir, "runs"), "notify.slack.url", "url_env")


def test_broken_toml(workdir: Path) -> None:
    (workdir / "khabar.toml").write_text('[storage\n', encoding="utf-8")
    assert_clean_failure(run_khabar(workdir, "runs"), "not valid TOML")


def test_unknown_spider(workdir: Path) -> None:
    assert_clean_failure(run_khabar(workdir, "crawl", "nosuchsite"), "unknown spider 'nosuchsite'", "lokmat")


def test_bad_spider_argument(workdir: Path) -> None:
    assert_clean_failure(run_khabar(workdir, "crawl", "lokmat", "-a", "max_pages=lots"), "max_pages")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; covered by the directory-as-file case")
def test_unwritable_database_path(workdir: Path) -> None:
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    env = khabar_env(workdir, KHABAR_DB=str(locked / "sub" / "k.db"))
    assert_clean_failure(run_khabar(workdir, "crawl", "lokmat", env=env), "cannot")


def test_database_path_that_cannot_be_a_file(workdir: Path) -> None:
    blocker = workdir / "blocker"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    env = khabar_env(workdir, KHABAR_DB=str(blocker / "k.db"))
    assert_clean_failure(run_khabar(workdir, "crawl", "lokmat", env=env), "cannot create the database")


def test_not_a_database(workdir: Path) -> None:
    fake = workdir / "fake.db"
    fake.write_text("this is not sqlite " * 100, encoding="utf-8")
    assert_clean_failure(run_khabar(workdir, "runs", "--db", str(fake)), "not a valid SQLite database")


def test_missing_database_for_reads(workdir: Path) -> None:
    assert_clean_failure(run_khabar(workdir, "search", "रूस", "--db", str(workdir / "none.db")),
                         "no database at", "khabar demo")


def test_help_has_examples(workdir: Path) -> None:
    for command in ("crawl", "search", "alerts", "runs", "export", "demo"):
        result = run_khabar(workdir, command, "--help")
        assert result.returncode == 0
        assert "xample" in result.stdout or "khabar " in result.stdout, command


def test_unreachable_base_url_is_reported_without_tracebacks(workdir: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url=http://127.0.0.1:{port}", "-s", "RETRY_TIMES=0")
    assert "Traceback" not in result.stderr + result.stdout
    assert "Connection was refused" in result.stderr
    assert "crawl health         alert" in result.stdout and "no articles" in result.stdout

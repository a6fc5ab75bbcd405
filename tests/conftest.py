"""Shared fixtures: the sample site on loopback, isolated config and database, real crawls."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crawler.settings as khabar_settings
from crawler.app.sample_server import SAMPLE_SITE, SampleSite

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
SEED_TEXT = TESTS / "seed" / "000_7a121beb77ee4d36.txt"
SEED_SPEC = TESTS / "spec" / "seed-article.json"


@pytest.fixture(autouse=True)
def _without_khabar_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests must not pick up the caller's KHABAR_DB / KHABAR_CONFIG (fresh-clone-check sets them)."""
    for name in [n for n in os.environ if n.startswith("KHABAR_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def sample_site() -> Iterator[SampleSite]:
    with SampleSite(SAMPLE_SITE) as site:
        yield site


@pytest.fixture(scope="session")
def crawled_sample(tmp_path_factory: pytest.TempPathFactory, sample_site: SampleSite) -> Path:
    """A working folder whose khabar.db holds one `scrapy crawl lokmat` of the sample site. READ ONLY:
    shared by every test of a worker (export, serve); a test that writes needs its own crawl."""
    work = tmp_path_factory.mktemp("crawled")
    shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
    result = run_scrapy(work, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    assert result.returncode == 0, result.stderr[-3000:]
    return work


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """A private copy of the sample site that a test may edit."""
    copy = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, copy)
    return copy


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working folder with its own khabar.toml (a copy of the shipped one), so nothing touches the repo."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
    return work


def project_settings(**extra: Any) -> dict[str, Any]:
    """Khabar's Scrapy settings (crawler/settings.py, the add-on included) with ``extra`` on top, for get_crawler."""
    settings = {name: getattr(khabar_settings, name) for name in dir(khabar_settings) if name.isupper()}
    settings.update(extra)
    return settings


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a read-only query on a test database, as plain tuples."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def rows(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Rows of a read-only query on a test database, addressable by column name."""
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def new_workdir(factory: pytest.TempPathFactory, name: str) -> Path:
    """A module-scoped working folder with a copy of the shipped khabar.toml."""
    work = factory.mktemp(name)
    shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
    return work


def khabar_env(work: Path, **extra: str) -> dict[str, str]:
    # Not the caller's terminal width either: tables are fitted only where a test asks (COLUMNS=...).
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_") and k != "COLUMNS"}
    env.update({"KHABAR_CONFIG": str(work / "khabar.toml"), "KHABAR_DB": str(work / "khabar.db"),
                "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def run_scrapy(work: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS`` as a real subprocess from the repository root."""
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO, env=env or khabar_env(work),
                          capture_output=True, text=True, timeout=timeout)


def run_khabar(work: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``khabar ARGS`` as a real subprocess, from ``work``."""
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=work, env=env or khabar_env(work),
                          capture_output=True, text=True, timeout=timeout)

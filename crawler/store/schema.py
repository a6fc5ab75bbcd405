"""What a Khabar database must hold, checked whenever a file is opened.

The expected tables and columns are not written down twice: they are what the migrations make of an empty
database (``expected_tables``, built once per process in memory). A file is refused with one sentence when
it lacks one of them (a column renamed or dropped by hand), or, for writing, when a newer Khabar applied
schema changes this one does not know: the file records which Khabar last upgraded it (``khabar_meta``),
so the sentence can say which version is needed.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from crawler.store.migrations import META_TABLE, khabar_version, migrate, migrations
from crawler.store.search import SEARCH_TABLE
from crawler.store.sqlite import DatabaseError

logger = logging.getLogger(__name__)

MIGRATIONS_TABLE = "_sqlite_migrations"


@lru_cache(maxsize=1)
def known_migrations() -> tuple[str, ...]:
    """Every migration this Khabar knows, in order."""
    empty = sqlite_utils.Database(memory=True)
    return tuple(migration.name for migration in migrations.pending(empty))


@lru_cache(maxsize=1)
def expected_tables() -> dict[str, frozenset[str]]:
    """{table: columns} of a database this Khabar has fully migrated (full-text shadow tables left out)."""
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    shadow = f"{SEARCH_TABLE}_"
    return {name: frozenset(db.table(name).columns_dict) for name in db.table_names()
            if not name.startswith(shadow) and name != MIGRATIONS_TABLE}


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    if MIGRATIONS_TABLE not in db.table_names():
        return []
    return [name for (name,) in db.execute(
        f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid", [migrations.name])]


def written_by(db: sqlite_utils.Database) -> str:
    """The Khabar version that last upgraded the file, if it said."""
    if META_TABLE not in db.table_names():
        return ""
    row = db.execute(f"SELECT value FROM [{META_TABLE}] WHERE key = 'written_by'").fetchone()
    return str(row[0]) if row else ""


def refuse_newer(db: sqlite_utils.Database, file: Path | str) -> None:
    """A file upgraded by a newer Khabar is not written by this one: its schema changes are unknown here."""
    unknown = [name for name in applied_migrations(db) if name not in known_migrations()]
    if not unknown:
        return
    by = written_by(db)
    needed = f"Khabar {by} or newer" if by else "a newer Khabar"
    raise DatabaseError(f"{file} was upgraded by {needed} (schema change {unknown[-1]} is unknown to Khabar "
                        f"{khabar_version()}); this version will not write to it: install {needed}, or use "
                        "another --db")


def check_tables(db: sqlite_utils.Database, file: Path | str, *, writing: bool) -> None:
    """Refuse, with one sentence, a file that is not a Khabar database or lacks a table or column Khabar uses."""
    tables = set(db.table_names())
    if not tables:
        raise DatabaseError(f"{file} is empty, not a Khabar database yet: run `khabar crawl SPIDER` or `khabar demo` "
                            "to fill it (or point --db at your database)")
    if "articles" not in tables:
        raise DatabaseError(f"{file} is an SQLite file but not a Khabar database (it has no articles table)")
    applied = set(applied_migrations(db))
    if not writing and not set(known_migrations()) <= applied:
        return  # an older file, not upgraded yet: readers take it as it is (the next crawl upgrades it)
    for table, columns in sorted(expected_tables().items()):
        if table not in tables:
            raise DatabaseError(f"{file} has no {table} table, which Khabar needs (dropped by hand?); restore it "
                                "from a backup or point --db at another file")
        missing = sorted(columns - set(db.table(table).columns_dict))
        if missing:
            raise DatabaseError(f"{file}: table {table} has no column {missing[0]} (renamed or dropped by hand?); "
                                "Khabar needs it: restore it, or point --db at another file")

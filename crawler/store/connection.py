"""Opening the database: the SQLite file (``crawler.store.sqlite``) with its schema brought up to date."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from crawler.store.migrations import migrate
from crawler.store.sqlite import DatabaseError, explain, open_file


def connect(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open the database at ``path``; with ``create``, create it if missing and apply pending migrations."""
    db = open_file(path, create=create)
    if create:
        try:
            migrate(db)
        except sqlite3.DatabaseError as error:
            db.close()
            raise DatabaseError(explain(Path(path), error)) from None
    return db

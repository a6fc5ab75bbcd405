"""Opening the database: the SQLite file (``crawler.store.sqlite``) with its schema brought up to date and checked.

Every way of opening a file goes through ``connect``: a file that is not whole, empty, lacks a table or column
Khabar uses, or was upgraded by a newer Khabar (for writing) is refused with one sentence (``DatabaseError``),
and a file this call created is removed again when it could not be set up.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from crawler.store.migrations import migrate
from crawler.store.schema import check_tables, refuse_newer
from crawler.store.sqlite import DatabaseError, NewFiles, explain, open_file


def connect(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open the database at ``path``. With ``create`` (the writers), create it if missing and apply pending
    migrations; without (the readers), it must exist."""
    file = Path(path)
    created = NewFiles(file) if create else None
    db = open_file(path, create=create)
    try:
        if create:
            refuse_newer(db, file)
            migrate(db)
        check_tables(db, file, writing=create)
    except (DatabaseError, sqlite3.DatabaseError) as error:
        db.close()
        if created is not None:
            created.remove()
        raise DatabaseError(str(error) if isinstance(error, DatabaseError) else explain(file, error)) from None
    return db

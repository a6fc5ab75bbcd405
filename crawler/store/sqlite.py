"""The SQLite file itself: opened in WAL mode with a busy timeout, problems phrased for the user.

One SQLite file holds everything; WAL and the busy timeout let a crawl, a second crawl and a
reader share it. ``crawler.store.connection.connect`` adds the migrations on top.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

import sqlite_utils

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """A database problem phrased for the user (missing, unwritable, locked, corrupt)."""


def open_file(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open (and, if ``create``, create in WAL mode) the SQLite file at ``path``; no migrations."""
    file = Path(path)
    if not create and not file.is_file():
        raise DatabaseError(f"no database at {file}: run `khabar crawl SPIDER` or `khabar demo` first")
    try:
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(file), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = sqlite_utils.Database(conn)
        if create:
            _enable_wal(db)
            conn.execute("PRAGMA synchronous = NORMAL")
        else:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except PermissionError as error:
        raise DatabaseError(f"cannot write the database at {file}: {error.strerror}") from None
    except OSError as error:
        raise DatabaseError(f"cannot create the database at {file}: {error.strerror or error}") from None
    except sqlite3.DatabaseError as error:
        raise DatabaseError(explain(file, error)) from None
    return db


def _enable_wal(db: sqlite_utils.Database, attempts: int = 100) -> None:
    """Switch a file to WAL (a lasting property of the file). The switch needs the file to itself and can fail
    at once, without the busy timeout, while another process opens the same new file: retry for a while."""
    for attempt in range(attempts):
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if ("locked" not in str(error) and "busy" not in str(error)) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def explain(file: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"the database at {file} is locked by another process (waited {BUSY_TIMEOUT_MS // 1000} s)"
    if "unable to open" in text or "readonly" in text:
        return f"cannot open the database at {file} for writing: {text}"
    if "not a database" in text or "malformed" in text:
        return f"{file} is not a valid SQLite database: {text}"
    return f"database error at {file}: {text}"


def json_list(value: object) -> list[str]:
    """A JSON-array column (highlights, tags ...) as strings; empty for NULL, "" or text that is not an array."""
    if not value:
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []

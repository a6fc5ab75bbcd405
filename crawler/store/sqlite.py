"""The SQLite file itself: opened in WAL mode with a busy timeout, problems phrased for the user.

One SQLite file holds everything; WAL and the busy timeout let a crawl, a second crawl and a
reader share it. ``crawler.store.connection.connect`` adds the migrations on top.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import struct
import time
from collections import Counter
from pathlib import Path

import sqlite_utils

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """A database problem phrased for the user (missing, unwritable, locked, corrupt)."""


# What went wrong with a write, as the last part of a ``khabar/errors/<stage>/<kind>`` stats key.
DISK_FULL, IO_ERROR, LOCKED, SCHEMA, READ_ONLY, CORRUPT = "disk_full", "io_error", "locked", "schema", "read_only", \
    "corrupt"
# Failures after which no later write can be trusted to succeed: the crawl stops and says so.
FATAL_KINDS = frozenset({DISK_FULL, IO_ERROR, READ_ONLY, CORRUPT})


FULL_BELOW_BYTES = 1024 * 1024  # an I/O error on a filesystem with less room than this is a full disk


def disk_nearly_full(file: Path | str) -> bool:
    """Whether the filesystem holding ``file`` (or its nearest existing folder) has almost no room left."""
    folder = Path(file)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        found = os.statvfs(folder)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < FULL_BELOW_BYTES


def error_kind(error: BaseException, file: Path | str | None = None) -> str:
    """A short name for a storage error: disk_full, io_error, locked, schema, read_only, corrupt, else its class.
    SQLite reports some writes on a full disk as I/O errors (creating the WAL, growing the shared memory file):
    given the database ``file``, an I/O error where the disk has no room left is a full disk."""
    if isinstance(error, StoreFailure):
        return error.kind
    kind = _kind(error)
    if kind == IO_ERROR and file is not None and disk_nearly_full(file):
        return DISK_FULL
    return kind


def _kind(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DISK_FULL
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        text = str(error)
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return DISK_FULL
        if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
            return IO_ERROR
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
            return LOCKED
        if name.startswith("SQLITE_READONLY") or "readonly" in text:
            return READ_ONLY
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
            return CORRUPT
        if "no such column" in text or "no such table" in text or "has no column" in text:
            return SCHEMA
    return type(error).__name__


class StoreFailure(DatabaseError):
    """A write that did not reach the file. ``kind`` is ``error_kind``'s name; ``lost`` counts what was rolled back
    with it, as stats keys under ``khabar/`` (``{"articles/new": 12, "alerts": 3}``), so the run can say so."""

    def __init__(self, message: str, kind: str, lost: Counter[str] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.lost: Counter[str] = lost if lost is not None else Counter()

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS


def write_problem(file: Path | str, error: BaseException) -> str:
    """One sentence for a failed write to the database at ``file``."""
    kind = error_kind(error, file)
    if kind == DISK_FULL:
        return f"the disk holding {file} is full"
    if kind == IO_ERROR:
        return f"the disk holding {file} failed to write ({error})"
    if kind == READ_ONLY:
        return f"the database at {file} cannot be written ({error})"
    if kind == CORRUPT:
        return f"{file} is damaged ({error}); restore it from a backup"
    if kind == SCHEMA:
        return f"the database at {file} does not have the tables Khabar expects ({error})"
    return f"database error at {file}: {error}"


SQLITE_MAGIC = b"SQLite format 3\x00"


def file_problem(file: Path) -> str:
    """Why an existing file cannot be a whole SQLite database, from its size and header; "" when it looks whole.
    (A 0-byte file is "" here: SQLite takes it for an empty database; readers check for the tables.)"""
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        return f"cannot read {file}: {error.strerror or error}"
    if size == 0:
        return ""
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return f"{file} is not a valid SQLite database (it does not start with the SQLite header)"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages, valid_for = struct.unpack(">I", header[24:28])[0], struct.unpack(">I", header[28:32])[0], \
        struct.unpack(">I", header[92:96])[0]
    if page_size < 512 or page_size & (page_size - 1):
        return f"{file} is damaged: its header gives an impossible page size ({page_size})"
    if size % page_size:
        return (f"{file} is damaged: {size:,} bytes is not a whole number of {page_size}-byte pages (a copy cut off?); "
                "restore it from a backup")
    wal = Path(f"{file}-wal")
    has_wal = wal.is_file() and wal.stat().st_size > 0  # a checkpoint cut short: the WAL still holds the pages
    if valid_for == change_counter and pages * page_size > size and not has_wal:
        return (f"{file} is cut off: its header says {pages * page_size:,} bytes, the file has {size:,}; "
                "restore it from a backup")
    return ""


def open_file(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open (and, if ``create``, create in WAL mode) the SQLite file at ``path``; no migrations. A file that is not
    whole is refused with a sentence; a file this call created is removed again if it could not be set up."""
    file = Path(path)
    if not create and not file.is_file():
        raise DatabaseError(f"no database at {file}: run `khabar crawl SPIDER` or `khabar demo` first")
    if file.is_file() and (problem := file_problem(file)):
        raise DatabaseError(problem)
    created = NewFiles(file) if create else None
    try:
        return _open(file, create)
    except BaseException:
        if created is not None:
            created.remove()
        raise


class NewFiles:
    """The database file and the folders ``open_file`` is about to create, so a failed first open leaves nothing
    behind (no 0-byte file on a full disk)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.existed = file.exists()
        self.folders: list[Path] = []
        folder = file.parent
        while not folder.exists():
            self.folders.append(folder)
            folder = folder.parent

    def remove(self) -> None:
        if self.existed:
            return
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                Path(f"{self.file}{suffix}").unlink(missing_ok=True)
            except OSError:
                pass  # never there (its folder is a file, or unreadable): nothing to remove
        for folder in self.folders:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break


def _open(file: Path, create: bool) -> sqlite_utils.Database:
    conn: sqlite3.Connection | None = None
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
        return db
    except BaseException as error:
        if conn is not None:
            conn.close()
        if isinstance(error, PermissionError):
            raise DatabaseError(f"cannot write the database at {file}: {error.strerror}") from None
        if isinstance(error, OSError) and error_kind(error, file) == DISK_FULL:
            raise DatabaseError(write_problem(file, error)) from None
        if isinstance(error, OSError):
            raise DatabaseError(f"cannot create the database at {file}: {error.strerror or error}") from None
        if isinstance(error, sqlite3.DatabaseError):
            raise DatabaseError(explain(file, error)) from None
        raise


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
    if error_kind(error, file) in (DISK_FULL, IO_ERROR):
        return write_problem(file, error)
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

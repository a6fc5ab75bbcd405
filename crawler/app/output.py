"""Files the command line writes (``khabar export -o FILE``), written so that a failure never leaves half a file.

A regular file is written to a temporary file in the same folder and renamed over the target only when every
row is written and flushed to disk: a full disk, a killed process or an error leaves the old file as it was
(and no temporary file). Special files (``-`` for stdout, a FIFO, ``/dev/stdout``) cannot be replaced and are
written directly. Every failure is one sentence (``OutputError``). The standard library does this in a few
lines; atomicwrites, the usual package, is archived by its author.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


class OutputError(Exception):
    """A file that could not be written, in one sentence."""


def _replaceable(path: Path) -> bool:
    """A path that names a regular file, or nothing yet: it can be written beside and renamed over."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True


def _problem(target: str, error: OSError, kept: bool) -> OutputError:
    reason = error.strerror or str(error)
    if error.errno == 28:  # ENOSPC
        reason = "the disk is full"
    return OutputError(f"cannot write {target}: {reason}" + (f"; {target} is as it was" if kept else ""))


@contextmanager
def output_file(target: str, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text stream for ``target`` ('-' is stdout) that replaces the file only if the ``with`` block succeeds."""
    if target == "-":
        yield sys.stdout
        return
    path = Path(target)
    if not _replaceable(path):
        try:
            with path.open("w", encoding=encoding, newline="") as out:
                yield out
        except OSError as error:
            raise _problem(target, error, kept=False) from None
        return
    existed = path.exists()
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as error:
        raise _problem(target, error, kept=existed) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if existed:
            shutil.copymode(path, temporary)  # the export keeps the permissions the old file had
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _problem(target, error, kept=existed) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

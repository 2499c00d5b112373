"""How an ``omnicx`` command ends when its inputs or its output let it down.

One place turns the failures a user can cause (an invalid or unreadable
file, a bad database, a closed pipe, Ctrl-C) into one line on standard error
and an exit code (docs/cli.md). Any other exception is a bug in omnicx and
keeps its traceback.

A subcommand declares what it touches with ``set_defaults``:
``reads=("events",)`` names the arguments holding input files, which are
checked before the command starts; ``database="db"`` names the argument
holding a SQLite path, so a database error can say which file it was.
"""

from __future__ import annotations

import argparse
import codecs
import os
import sqlite3
import sys
from pathlib import Path

from omnicx.errors import OmnicxError, ValidationError

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports after Ctrl-C
EXIT_CLOSED_OUTPUT = 141  # 128 + SIGPIPE: what a shell reports for `... | head`

# Failures report() knows how to explain; main() catches exactly these.
EXPECTED: tuple[type[BaseException], ...] = (
    OmnicxError,
    OSError,
    UnicodeDecodeError,
    sqlite3.Error,
    KeyboardInterrupt,
)

# Enough to tell a text file from a database, archive or spreadsheet without
# reading a large contact export twice.
_PROBE_BYTES = 64 * 1024

# sqlite3 gives no path and terse reasons; each says what to do about it.
_DATABASE_HINTS = {
    "file is not a database": "not a SQLite database; pass an omnicx database or a new path",
    "database is locked": "locked by another process; wait for it to finish or close it",
    "unable to open database file": (
        "can't open the database; check that its directory exists and is writable"
    ),
    "attempt to write a readonly database": (
        "the database is read-only; check the file's and its directory's permissions"
    ),
}


def unreadable(path: str | Path, error: OSError) -> ValidationError:
    """The error for an input file the operating system would not give us."""
    return ValidationError.single(str(path), f"can't read the file ({error.strerror})")


def not_text(path: str | Path) -> ValidationError:
    """The error for an input file that is not UTF-8 text (a database, an archive...)."""
    return ValidationError.single(
        str(path), "can't read the file (not UTF-8 text); pass the text file, saved as UTF-8"
    )


def check_readable(path: Path) -> None:
    """Check that ``path`` opens for reading and starts as UTF-8 text.

    Raises:
        ValidationError: naming the path and the reason (missing, a
            directory, no permission, binary content).
    """
    try:
        with path.open("rb") as handle:
            start = handle.read(_PROBE_BYTES)
    except OSError as error:
        raise unreadable(path, error) from None
    try:
        # A short file must decode completely; a long one may end the probe
        # inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(start, final=len(start) < _PROBE_BYTES)
    except UnicodeDecodeError:
        raise not_text(path) from None


def check_inputs(args: argparse.Namespace) -> None:
    """Check every input file the subcommand declared in ``reads``."""
    for name in getattr(args, "reads", ()):
        check_readable(Path(getattr(args, name)))


def report(error: BaseException, args: argparse.Namespace) -> int:
    """Print the one line that explains ``error`` and return the exit code.

    Re-raises an ``OSError`` that names no file (other than a closed pipe):
    that is not something the user passed in, so its traceback matters.
    """
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, BrokenPipeError):
        _silence_stdout()
        return EXIT_CLOSED_OUTPUT
    if isinstance(error, OmnicxError):
        _say(str(error))
    elif isinstance(error, sqlite3.Error):
        _say(_database_line(error, args))
    elif isinstance(error, UnicodeDecodeError):
        _say("an input file is not UTF-8 text; save it as UTF-8")
    elif isinstance(error, OSError) and error.filename is not None:
        _say(f"{error.filename}: {error.strerror}; check the path and its permissions")
    else:
        raise error
    return EXIT_ERROR


def _database_line(error: sqlite3.Error, args: argparse.Namespace) -> str:
    name = getattr(args, "database", None)
    path = getattr(args, name, None) if name else None
    reason = str(error)
    hint = _DATABASE_HINTS.get(reason, f"database error ({reason})")
    return f"{path}: {hint}" if path is not None else f"the database: {hint}"


def _say(line: str) -> None:
    print(f"omnicx: error: {line}", file=sys.stderr)


def _silence_stdout() -> None:
    # Python's recipe (docs: signal, "Note on SIGPIPE"): point stdout at
    # devnull so the flush at interpreter exit does not fail a second time.
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test capture): nothing will flush to the pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)

"""What a database failure under ``DjangoStore`` means, as omnicx's errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, connections

from omnicx.errors import ConflictError, StoreBusyError, StoreError, ValidationError

__all__ = ["database_errors"]

# PostgreSQL's serialization_failure and deadlock_detected: a race lost.
_LOST_RACE_STATES = frozenset({"40001", "40P01"})
# lock_not_available (a lock_timeout ran out): a busy wait that ran out.
_BUSY_STATES = frozenset({"55P03"})
_SQLITE_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (low byte of extended codes)


@contextmanager
def database_errors(using: str, what: str) -> Iterator[None]:
    """Turn the database's failures inside the block into omnicx's errors.

    A unique key taken meanwhile, a serialization failure or a deadlock is
    a ``ConflictError`` (a race lost: reload and retry); SQLite's lock
    still held after the connection's ``timeout`` is a ``StoreBusyError``,
    one refused at once (a write after another connection's) a
    ``ConflictError``; any other failure is a ``StoreError``.
    """
    start = time.monotonic()
    try:
        yield
    except IntegrityError as error:
        raise ConflictError(
            f"a concurrent commit to Django database {using!r} won the race "
            f"({_detail(error)}); reload and retry"
        ) from error
    except DatabaseError as error:
        raise _failure(using, what, error, time.monotonic() - start) from error
    except UnicodeEncodeError:
        raise ValidationError.single(
            "",
            "text holds a lone surrogate (half of a UTF-16 pair), which has no UTF-8 form;"
            " replace it (e.g. text.encode('utf-8', 'replace').decode()) before passing it",
        ) from None


def _failure(using: str, what: str, error: DatabaseError, waited: float) -> Exception:
    cause = error.__cause__
    where = f"Django database {using!r}"
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in _LOST_RACE_STATES:
        return ConflictError(
            f"a concurrent commit to {where} won the race ({_detail(error)}); reload and retry"
        )
    code = getattr(cause, "sqlite_errorcode", None)
    locked = (code is not None and code & 0xFF in _SQLITE_BUSY) or (
        code is None and state is None and "database is locked" in str(error)
    )
    if state in _BUSY_STATES or locked:
        timeout = float(connections[using].settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if state in _BUSY_STATES or waited >= timeout:
            return StoreBusyError(
                where, what, waited=waited, timeout=timeout,
                hint="keep the host's own transactions short, or give the database a longer"
                " wait in its settings (OPTIONS: {'timeout': 30} on SQLite)",
            )  # fmt: skip
        # Refused without waiting: this transaction read before another's write.
        return ConflictError(
            f"{where} was written by another connection since this commit read it "
            f"({_detail(error)}); reload and retry"
        )
    return StoreError(where, what, _detail(error))


def _detail(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__

"""The one exception hierarchy every omnicx module raises from.

```
OmnicxError
├── ValidationError (also ValueError)   a config or value is wrong; every problem, each with its path
│   └── IncompatiblePartialsError       two metrics partials computed with different settings
├── PayloadError    (also ValueError)   the outside world sent junk; carries a reason enum
│   └── SignatureError                  a webhook signature did not verify
├── ConflictError                       a concurrent change or merge protection said no
├── SchemaVersionError                  a database written by a newer omnicx
├── StoreError                          the database itself failed (names the file)
│   └── StoreBusyError                  a bounded wait for a lock ran out
├── NotFoundError   (also LookupError)  an id the host asked for does not exist
└── InvalidTransition (also RuntimeError)  the host asked for something the domain forbids
```

Messages are built from structured attributes, so a host can both show the
message and branch on the attributes. No message ever contains a customer's
text or a secret.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "ConflictError",
    "ForeignAccountError",
    "IncompatiblePartialsError",
    "InvalidTransition",
    "NotFoundError",
    "OmnicxError",
    "PayloadError",
    "PayloadReason",
    "Problem",
    "SchemaVersionError",
    "SignatureError",
    "StoreBusyError",
    "StoreError",
    "ValidationError",
    "suggest",
]


class OmnicxError(Exception):
    """Base class of every exception omnicx raises on purpose.

    Every subclass pickles whole (a worker process can hand one to its
    parent): the copy has the same message, ``args`` and attributes.
    """

    def __reduce__(self) -> tuple[object, ...]:
        # Exception's own reduce calls ``cls(*self.args)``, but a subclass's
        # __init__ takes structured arguments, not its message: ValidationError
        # would read the message as problems, one letter each. Rebuild without
        # __init__ and restore the attributes instead.
        return _rebuild, (type(self), self.args), self.__dict__


def _rebuild(cls: type[OmnicxError], args: tuple[object, ...]) -> OmnicxError:
    """Make an ``OmnicxError`` of ``cls`` with ``args`` and no __init__ run (for pickle)."""
    return cls.__new__(cls, *args)


@attrs.frozen
class Problem:
    """One thing wrong with a value: where (a dotted path) and what.

    ``path`` looks like ``rules[3].when.any[1].op``; an empty path means the
    value as a whole.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def under(self, prefix: str) -> Problem:
        """Return this problem with ``prefix`` put in front of its path."""
        if not prefix:
            return self
        if not self.path:
            return Problem(prefix, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return Problem(f"{prefix}{joiner}{self.path}", self.message)


class ValidationError(OmnicxError, ValueError):
    """A configuration or value is invalid.

    Carries *every* problem found, not only the first, so a user fixes a file
    in one pass. ``str(error)`` lists one ``path: message`` line per problem.
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("ValidationError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, message: str) -> ValidationError:
        """Build an error with exactly one problem."""
        return cls([Problem(path, message)])

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths of all problems, in order."""
        return tuple(p.path for p in self.problems)

    def under(self, prefix: str) -> ValidationError:
        """Return a copy whose problem paths are nested under ``prefix``."""
        return ValidationError(p.under(prefix) for p in self.problems)


class IncompatiblePartialsError(ValidationError):
    """Two metrics partials can't be merged: they were computed with different settings.

    Each problem's path names a setting that differs (``by``, ``tz``), and its
    message gives both values. Neither partial is changed.
    """


class PayloadReason(enum.Enum):
    """Why an inbound payload was refused."""

    MALFORMED = "malformed"
    """Not parseable at all: bad JSON, bad MIME, bad form encoding."""
    MISSING_FIELD = "missing_field"
    """A field the format requires is absent."""
    WRONG_TYPE = "wrong_type"
    """A field has the wrong type."""
    INVALID_VALUE = "invalid_value"
    """A field has a value outside what the format allows."""
    UNSUPPORTED = "unsupported"
    """Well-formed, but a kind of payload this adapter does not handle."""
    TOO_LARGE = "too_large"
    """Over a size limit."""
    BAD_SIGNATURE = "bad_signature"
    """The signature header is missing, malformed, stale or wrong."""


class PayloadError(OmnicxError, ValueError):
    """The outside world sent something omnicx cannot accept.

    Attributes:
        reason: what kind of problem, for the host to branch on.
        detail: a human sentence saying what and where (never the payload's text).
        field: the offending field's path in the payload, if one applies.
    """

    reason: PayloadReason
    detail: str
    field: str | None

    def __init__(self, reason: PayloadReason, detail: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.field = field
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{detail}")


class SignatureError(PayloadError):
    """A webhook signature did not verify; ``header`` names the header checked."""

    header: str

    def __init__(self, header: str, detail: str) -> None:
        self.header = header
        super().__init__(PayloadReason.BAD_SIGNATURE, detail, field=header)


class ForeignAccountError(PayloadError):
    """An authentic webhook for a page or number the adapter does not own.

    Meta sends every page and number of an app to one callback URL; an
    adapter configured for one page refuses another's events instead of
    taking them as its own. The reason is ``UNSUPPORTED``: authentic, so the
    provider is answered 2xx and stops retrying.

    Attributes:
        account: the page id or phone-number id the webhook was for.
    """

    account: str

    def __init__(self, account: str, *, field: str) -> None:
        self.account = account
        super().__init__(
            PayloadReason.UNSUPPORTED,
            f"the webhook is for account {account!r}, which this adapter does not own "
            "(configure an adapter for it, or set foreign=ForeignAccounts.MARK)",
            field=field,
        )


class ConflictError(OmnicxError):
    """A concurrent change or a protection rule refused the operation.

    A host that sees this for a lost optimistic-concurrency race reloads and
    retries; for merge protection, a human decides.
    """


class NotFoundError(OmnicxError, LookupError):
    """Something looked up by id does not exist.

    Attributes:
        kind: what was looked up (``"customer"``, ``"conversation"``...).
        id: the id asked for.
    """

    kind: str
    id: str

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"no {kind} with id {id!r}")


class InvalidTransition(OmnicxError, RuntimeError):
    """The host asked for a move the domain forbids.

    Attributes:
        state: the current state (as its string value).
        target: what was asked for.
        hint: how to get what was wanted instead, if there is a way.
    """

    state: str
    target: str
    hint: str

    def __init__(self, what: str, state: str, target: str, hint: str = "") -> None:
        self.state = state
        self.target = target
        self.hint = hint
        message = f"can't {what} in state {state}"
        super().__init__(f"{message}: {hint}" if hint else message)


def suggest(word: str, choices: Sequence[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``.

    Used by every "unknown name" message so typos come with their fix.
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class SchemaVersionError(OmnicxError):
    """A store's database holds a schema newer than this omnicx knows.

    Attributes:
        found: the schema version in the database.
        supported: the newest version this omnicx writes.
        where: the database (a file path, a PostgreSQL schema name).
    """

    def __init__(self, where: str, found: int, supported: int) -> None:
        self.where = where
        self.found = found
        self.supported = supported
        super().__init__(
            f"{where}: database schema version {found} is newer than this omnicx "
            f"supports ({supported}); upgrade omnicx"
        )


class StoreError(OmnicxError):
    """The database under a store failed: a statement of the store's own did not run.

    Attributes:
        where: the database (a file path).
        what: what the store was doing (the kind of statement, never its values).
        detail: the database's own reason.
    """

    where: str
    what: str
    detail: str

    def __init__(self, where: str, what: str, detail: str, *, hint: str = "") -> None:
        self.where = where
        self.what = what
        self.detail = detail
        message = f"{where}: {what} failed: {detail}"
        super().__init__(f"{message}; {hint}" if hint else message)


class StoreBusyError(StoreError):
    """Another connection held the database's lock for longer than the store waits.

    Nothing of the call that waited was written; the call may be run again.

    Attributes:
        waited: how long the store waited, in seconds.
        timeout: the store's bound on a wait, in seconds (``busy_timeout``).
    """

    waited: float
    timeout: float

    def __init__(
        self, where: str, what: str, *, waited: float, timeout: float, hint: str = ""
    ) -> None:
        self.waited = waited
        self.timeout = timeout
        super().__init__(
            where,
            what,
            f"the database stayed locked by another connection for {waited:.3g} s"
            f" (busy_timeout={timeout:g} s)",
            hint=hint
            or "keep the host's own transactions on this file short, or open the store"
            " with a longer busy_timeout, e.g. SqliteStore(path, busy_timeout=30)",
        )

"""The listening state as the desk's store keeps it: one versioned row per listener name."""

from __future__ import annotations

from typing import Protocol

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import ConflictError

__all__ = ["ListeningRecord", "ListeningStore", "listening_conflict"]


@attrs.frozen(kw_only=True)
class ListeningRecord:
    """One listener's stored state, and the alerts it has yet to act on.

    Attributes:
        name: the listener's name (a desk may run several).
        state: the ``omnicx.listening.ListeningState`` JSON text.
        pending: alerts (JSON text each) whose actions have not all been
            taken yet: a worker that stops between storing the state and
            opening the cases leaves them here for the next call to finish.
        version: the stored version; 0 for a record never stored. Each
            ``put_listening`` stores ``version + 1``.
    """

    name: str
    state: str
    pending: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    version: int = 0


def listening_conflict(record: ListeningRecord, stored: int) -> ConflictError:
    """The error a store raises when the record changed since it was read."""
    return ConflictError(
        f"listening state {record.name!r} changed since it was read "
        f"(read version {record.version}, stored {stored}); reload and retry"
    )


class ListeningStore(Protocol):
    """What a store offers to keep listening state (``Desk.listen``).

    Contract (checked by ``omnicx.testing.StoreContract``): ``put_listening``
    is one atomic compare-and-set: it raises the ``ConflictError`` of
    ``listening_conflict`` when the stored version differs from the
    record's ``version`` (0: none stored), and otherwise stores the record
    at ``version + 1``.
    """

    def listening(self, name: str) -> ListeningRecord | None:
        """Return the stored listening record named ``name``, or None."""
        ...

    def put_listening(self, record: ListeningRecord) -> None:
        """Store ``record`` at ``version + 1`` if the stored version is ``record.version``."""
        ...

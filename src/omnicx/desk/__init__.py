"""The desk: where a host application meets omnicx.

One call per inbound event (``Desk.receive``), one per agent action
(``reply``, ``note``, ``assign``, ``set_status``, ``solve``, ``reopen``,
``set_priority``, ``tag``, ``record_survey``); all state in the host's store;
every call atomic and idempotent; the receipt's outbox holds what to send.
"""

from omnicx.desk._desk import Desk, ErasedCustomerError, ErasedPolicy
from omnicx.desk._receipt import (
    CollisionError,
    ConversationErasedError,
    OutboxKind,
    Outgoing,
    Receipt,
    SlaLine,
)

__all__ = [
    "CollisionError",
    "ConversationErasedError",
    "Desk",
    "ErasedCustomerError",
    "ErasedPolicy",
    "OutboxKind",
    "Outgoing",
    "Receipt",
    "SlaLine",
]

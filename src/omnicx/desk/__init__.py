"""The desk: where a host application meets omnicx.

One call per inbound event (``Desk.receive``), one per agent action
(``reply``, ``note``, ``assign``, ``set_status``, ``solve``, ``reopen``,
``set_priority``, ``tag``, ``set_fields``, ``snooze``, ``record_survey``,
``apply_macro``, ``mark_suggestion_used``, ``rate_answer``, and with
``assignment`` ``accept`` and ``decline`` of offers), one per bot step
(``give_to_bot``, ``bot_reply``, ``bot_resolve``, ``hand_off``), one for scheduled
work (``tick``: SLA thresholds, snoozes ending, auto-solve, delayed
surveys); all state in the host's store;
every call atomic and idempotent; the receipt's outbox holds what to send.
Email replies thread by the desk's own Message-IDs (``EmailIdentity``,
``outbound_email``).
"""

from omnicx.desk._assignment import AgentAtCapacityError, OfferNotOpenError, UnknownAgentError
from omnicx.desk._bots import HandoffPolicy
from omnicx.desk._calls import CallReceipt
from omnicx.desk._desk import Desk, ErasedCustomerError, ErasedPolicy
from omnicx.desk._email_thread import EmailIdentity, UnthreadedOwnMailError, outbound_email
from omnicx.desk._fields import FieldSchema, FieldSpec, FieldType
from omnicx.desk._listen import LISTENING_CHANNEL, AlertOutcome, Listening, ListenReport
from omnicx.desk._private_reply import outbound_private_reply
from omnicx.desk._receipt import (
    CollisionError,
    ConversationErasedError,
    OutboxKind,
    Outgoing,
    Receipt,
    SlaLine,
    Withheld,
    WithheldReason,
)
from omnicx.desk._tick import TickReport

__all__ = [
    "LISTENING_CHANNEL",
    "AgentAtCapacityError",
    "AlertOutcome",
    "CallReceipt",
    "CollisionError",
    "ConversationErasedError",
    "Desk",
    "EmailIdentity",
    "ErasedCustomerError",
    "ErasedPolicy",
    "FieldSchema",
    "FieldSpec",
    "FieldType",
    "HandoffPolicy",
    "ListenReport",
    "Listening",
    "OfferNotOpenError",
    "OutboxKind",
    "Outgoing",
    "Receipt",
    "SlaLine",
    "TickReport",
    "UnknownAgentError",
    "UnthreadedOwnMailError",
    "Withheld",
    "WithheldReason",
    "outbound_email",
    "outbound_private_reply",
]

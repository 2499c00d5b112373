"""Storage: the store protocol the desk needs, and two reference stores.

``DeskStore`` is the protocol a host implements (Django ORM, SQLAlchemy...);
``MemoryStore`` and ``SqliteStore`` implement it, and
``omnicx.testing.StoreContract`` checks any implementation.
"""

from omnicx.storage._agents import AgentRecord, AgentStore, WaitingWork, waiting_order
from omnicx.storage._memory import MemoryStore, check_versions
from omnicx.storage._protocol import DeskStore
from omnicx.storage._records import (
    ActionMark,
    Activity,
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    Erasure,
)
from omnicx.storage._schema import MIGRATIONS, SCHEMA_VERSION, migrate
from omnicx.storage._sqlite import SqliteStore
from omnicx.storage._staged import StagedIdentityStore

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ActionMark",
    "Activity",
    "AgentRecord",
    "AgentStore",
    "AuditAction",
    "AuditEntry",
    "Changes",
    "ConversationRecord",
    "DeskStore",
    "Erasure",
    "MemoryStore",
    "SqliteStore",
    "StagedIdentityStore",
    "WaitingWork",
    "check_versions",
    "migrate",
    "waiting_order",
]

"""Storage: the store protocol the desk needs, and two reference stores.

``DeskStore`` is the protocol a host implements (Django ORM, SQLAlchemy...);
``MemoryStore`` and ``SqliteStore`` implement it, and
``omnicx.testing.StoreContract`` checks any implementation.
"""

from omnicx.storage._inbox import (
    MAX_LIMIT,
    UNASSIGNED,
    InboxCounts,
    InboxFilter,
    InboxPage,
    InboxSort,
    Unassigned,
    inbox_matches,
    search_terms,
)
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
    "MAX_LIMIT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "UNASSIGNED",
    "ActionMark",
    "Activity",
    "AuditAction",
    "AuditEntry",
    "Changes",
    "ConversationRecord",
    "DeskStore",
    "Erasure",
    "InboxCounts",
    "InboxFilter",
    "InboxPage",
    "InboxSort",
    "MemoryStore",
    "SqliteStore",
    "StagedIdentityStore",
    "Unassigned",
    "check_versions",
    "inbox_matches",
    "migrate",
    "search_terms",
]

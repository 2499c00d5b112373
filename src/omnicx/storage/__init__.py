"""Storage: the store protocol the desk needs, and two reference stores.

``DeskStore`` is the protocol a host implements (Django ORM, SQLAlchemy...);
``MemoryStore``, ``SqliteStore`` and ``PostgresStore`` (the ``postgres``
extra, imported on first use) implement it, and
``omnicx.testing.StoreContract`` checks any implementation.
"""

from typing import TYPE_CHECKING, Any

from omnicx.storage._agents import AgentRecord, AgentStore, WaitingWork, waiting_order
from omnicx.storage._inbox import (
    ANY_BOT,
    MAX_LIMIT,
    NO_BOT,
    UNASSIGNED,
    BotOwnership,
    InboxCounts,
    InboxFilter,
    InboxPage,
    InboxSort,
    Unassigned,
    inbox_matches,
    search_terms,
)
from omnicx.storage._listening import ListeningRecord, ListeningStore
from omnicx.storage._memory import MemoryStore, check_reads, check_versions
from omnicx.storage._orders import check_orders, order_key
from omnicx.storage._protocol import DeskStore, DueClaimStore
from omnicx.storage._records import (
    ActionMark,
    Activity,
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    Erasure,
)
from omnicx.storage._retry import retry_on_conflict
from omnicx.storage._schema import MIGRATIONS, SCHEMA_VERSION, migrate
from omnicx.storage._sqlite import SqliteStore
from omnicx.storage._staged import StagedIdentityStore

__all__ = [
    "ANY_BOT",
    "MAX_LIMIT",
    "MIGRATIONS",
    "NO_BOT",
    "SCHEMA_VERSION",
    "UNASSIGNED",
    "ActionMark",
    "Activity",
    "AgentRecord",
    "AgentStore",
    "AuditAction",
    "AuditEntry",
    "BotOwnership",
    "Changes",
    "ConversationRecord",
    "DeskStore",
    "DueClaimStore",
    "Erasure",
    "InboxCounts",
    "InboxFilter",
    "InboxPage",
    "InboxSort",
    "ListeningRecord",
    "ListeningStore",
    "MemoryStore",
    "PostgresStore",
    "SqliteStore",
    "StagedIdentityStore",
    "Unassigned",
    "WaitingWork",
    "check_orders",
    "check_reads",
    "check_versions",
    "inbox_matches",
    "migrate",
    "order_key",
    "retry_on_conflict",
    "search_terms",
    "waiting_order",
]

if TYPE_CHECKING:
    from omnicx.storage._postgres import PostgresStore


def __getattr__(name: str) -> Any:
    # PostgresStore needs the ``postgres`` extra: imported on first use only.
    if name == "PostgresStore":
        try:
            from omnicx.storage._postgres import PostgresStore
        except ImportError as error:
            raise ImportError(
                f"omnicx.storage.PostgresStore needs psycopg 3 and psycopg-pool ({error}); "
                'install them with: pip install "omnicx[postgres]"'
            ) from error
        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

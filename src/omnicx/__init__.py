"""omnicx: an embeddable, sans-IO domain core for omnichannel customer service.

The top level re-exports the types a host touches most; each subpackage
(``omnicx.model``, ``omnicx.identity``, ``omnicx.routing``...) has its own
public surface.
"""

from omnicx._version import __version__
from omnicx.clock import Clock, FixedClock, SystemClock
from omnicx.errors import (
    ConflictError,
    InvalidTransition,
    NotFoundError,
    OmnicxError,
    PayloadError,
    PayloadReason,
    Problem,
    SignatureError,
    ValidationError,
)
from omnicx.model import (
    Agent,
    AgentStatus,
    Attachment,
    Author,
    AuthorKind,
    Channel,
    Conversation,
    Customer,
    Direction,
    Event,
    Identifier,
    IdentifierKind,
    Message,
    Priority,
    Queue,
    Status,
    Team,
    ThreadRefs,
)

__all__ = [
    "Agent",
    "AgentStatus",
    "Attachment",
    "Author",
    "AuthorKind",
    "Channel",
    "Clock",
    "ConflictError",
    "Conversation",
    "Customer",
    "Direction",
    "Event",
    "FixedClock",
    "Identifier",
    "IdentifierKind",
    "InvalidTransition",
    "Message",
    "NotFoundError",
    "OmnicxError",
    "PayloadError",
    "PayloadReason",
    "Priority",
    "Problem",
    "Queue",
    "SignatureError",
    "Status",
    "SystemClock",
    "Team",
    "ThreadRefs",
    "ValidationError",
    "__version__",
]

"""The vocabulary every omnicx module shares: frozen, slotted attrs values."""

from omnicx.model._channel import WELL_KNOWN_CHANNELS, Channel, Direction
from omnicx.model._conversation import Conversation, FieldValue, Priority, Status
from omnicx.model._events import (
    EVENT_TYPES,
    Assigned,
    CallEvent,
    CustomEvent,
    DetailsChanged,
    Event,
    MessageEvent,
    NoteEvent,
    OrderEvent,
    PaymentEvent,
    PaymentKind,
    PriorityChanged,
    StatusChanged,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
)
from omnicx.model._identifier import Identifier, IdentifierKind
from omnicx.model._lifecycle import LIFECYCLE, can_transition, is_reopen, transition
from omnicx.model._message import Attachment, Author, AuthorKind, Message, ThreadRefs
from omnicx.model._people import Agent, AgentStatus, Customer, Queue, Team

__all__ = [
    "EVENT_TYPES",
    "LIFECYCLE",
    "WELL_KNOWN_CHANNELS",
    "Agent",
    "AgentStatus",
    "Assigned",
    "Attachment",
    "Author",
    "AuthorKind",
    "CallEvent",
    "Channel",
    "Conversation",
    "CustomEvent",
    "Customer",
    "DetailsChanged",
    "Direction",
    "Event",
    "FieldValue",
    "Identifier",
    "IdentifierKind",
    "Message",
    "MessageEvent",
    "NoteEvent",
    "OrderEvent",
    "PaymentEvent",
    "PaymentKind",
    "Priority",
    "PriorityChanged",
    "Queue",
    "Status",
    "StatusChanged",
    "SurveyKind",
    "SurveyResponse",
    "TagsChanged",
    "Team",
    "ThreadRefs",
    "can_transition",
    "is_reopen",
    "transition",
]

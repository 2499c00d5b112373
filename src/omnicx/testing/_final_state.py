"""A desk's outcome as one id-independent value, to compare two runs of one stream.

Two runs of the same stream (in order and shuffled, one worker and eight)
mint different customer, conversation and event ids. ``final_state`` names
everything by what the stream itself carries instead: a customer by its
identifiers, a conversation by the ids of the messages it holds, a timeline
entry by its message id or its content. Two runs with equal final states
gave every customer the same conversations, routed, assigned and clocked
alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import frozen_json, frozen_map, frozen_seq, frozen_set
from omnicx.identity import current_profile, match_key
from omnicx.model import (
    Assigned,
    ConversationCreated,
    CustomEvent,
    DetailsChanged,
    Event,
    MessageEvent,
    PriorityChanged,
    QueueChanged,
    StatusChanged,
    TagsChanged,
)
from omnicx.storage import MAX_LIMIT, ConversationRecord, DeskStore, InboxFilter

CustomerKey = frozenset[str]
"""A customer as the match keys of its identifiers (``email:a@b.example``...)."""

ConversationKey = tuple[str, ...]
"""A conversation as the sorted ids of the messages it holds."""

# The desk's own decision log: what it decided when. The decisions' net
# effect is in ``ConversationOutcome``; when each was taken depends on what
# had arrived by then, so the log itself is left out.
_DECISION_LOG = (
    ConversationCreated, StatusChanged, Assigned, QueueChanged, PriorityChanged, TagsChanged,
    DetailsChanged,
)  # fmt: skip
_IDS = ("id", "customer_id", "conversation_id")


@attrs.frozen(kw_only=True)
class ConversationOutcome:
    """One conversation's outcome, without any id the desk minted.

    Attributes:
        messages: the ids of its messages, sorted; a message stored twice
            appears twice.
        customer: its customer's identifiers.
        follow_up_of: the conversation it follows up, by its messages.
        sla: the stored SLA state as canonical JSON ("" without one): the
            policy, its history, the facts and every clock, without the
            fold's note of the latest instant it saw.
    """

    messages: ConversationKey = attrs.field(converter=frozen_seq)
    customer: CustomerKey = attrs.field(converter=frozen_set)
    channel: str
    created_at: datetime
    status: str
    queue: str | None
    priority: str
    assignee: str | None
    skills: frozenset[str] = attrs.field(converter=frozen_set)
    tags: frozenset[str] = attrs.field(converter=frozen_set)
    language: str | None
    sla_policy: str | None
    fields: str
    follow_up_of: ConversationKey | None = attrs.field(
        converter=attrs.converters.optional(frozen_seq)
    )
    sla: str


@attrs.frozen(kw_only=True)
class FinalState:
    """What a desk holds, named by the stream's own ids (``final_state``).

    Attributes:
        customers: each live customer with an event, as its identifiers.
        conversations: every conversation with a message, by its messages.
        timelines: each customer's timeline in order, one entry per event:
            ``("message", message id, instant)`` for a message, else
            ``(kind tag, canonical JSON of the event without its ids)``.
            The desk's decision log (status, assignment, priority, tag and
            detail changes, SLA warnings and breaches as announced) is left
            out: its net effect is in ``conversations``.
    """

    customers: frozenset[CustomerKey] = attrs.field(converter=frozen_set)
    conversations: Mapping[ConversationKey, ConversationOutcome] = attrs.field(converter=frozen_map)
    timelines: Mapping[CustomerKey, tuple[tuple[Any, ...], ...]] = attrs.field(
        converter=frozen_json
    )

    def differences(self, other: FinalState, *, limit: int = 5) -> list[str]:
        """Up to ``limit`` lines saying where ``other`` differs, for a test's failure message."""
        lines: list[str] = []
        for key in sorted(self.customers ^ other.customers, key=sorted):
            side = "first" if key in self.customers else "second"
            lines.append(f"customer {sorted(key)} only in the {side}")
        for messages in sorted(set(self.conversations) ^ set(other.conversations)):
            side = "first" if messages in self.conversations else "second"
            lines.append(f"conversation {list(messages)} only in the {side}")
        for messages in sorted(set(self.conversations) & set(other.conversations)):
            mine, theirs = self.conversations[messages], other.conversations[messages]
            for field in attrs.fields(ConversationOutcome):
                a, b = getattr(mine, field.name), getattr(theirs, field.name)
                if a != b:
                    lines.append(f"conversation {list(messages)}: {field.name} {a!r} != {b!r}")
        for customer in sorted(set(self.timelines) & set(other.timelines), key=sorted):
            if self.timelines[customer] != other.timelines[customer]:
                lines.append(f"timeline of {sorted(customer)} differs")
        return lines[:limit]


def final_state(store: DeskStore) -> FinalState:
    """The store's customers, conversations and timelines as an id-independent value.

    Reads through the ``DeskStore`` protocol only (every event once, every
    conversation once by inbox pages, each customer's live profile once),
    so it serves any store and stays linear in the stream's size. Equal
    values mean two runs agree on every customer's identifiers, which
    messages share a conversation, each conversation's status, queue,
    priority, skills, tags, assignee and SLA state, and each timeline's
    order. Compare two with ``==``; ``FinalState.differences`` says where
    they part.
    """
    events = store.events()
    live: dict[str, str] = {}
    identifiers: dict[str, CustomerKey] = {}
    for event in events:
        customer_id = event.customer_id
        if customer_id is not None and customer_id not in live:
            profile = current_profile(store, customer_id)
            live[customer_id] = profile.id
            if profile.id not in identifiers:
                identifiers[profile.id] = frozenset(match_key(i) for i in profile.identifiers)
    messages: dict[str, list[str]] = {}
    for event in events:
        if isinstance(event, MessageEvent) and event.conversation_id is not None:
            messages.setdefault(event.conversation_id, []).append(event.message.id)
    keys = {cid: tuple(sorted(ids)) for cid, ids in messages.items()}
    outcomes: dict[ConversationKey, ConversationOutcome] = {}
    for record in _every_conversation(store):
        key = keys.get(record.id)
        if key is None:
            continue
        owner = live.get(record.conversation.customer_id)
        if owner is None:
            owner = current_profile(store, record.conversation.customer_id).id
        outcomes[key] = _outcome(record, key, identifiers.get(owner, frozenset()), keys)
    timelines: dict[CustomerKey, list[tuple[Any, ...]]] = {}
    for event in events:
        if event.customer_id is None or _logged(event):
            continue
        customer = identifiers[live[event.customer_id]]
        timelines.setdefault(customer, []).append(_entry(event))
    return FinalState(
        customers=frozenset(identifiers.values()),
        conversations=outcomes,
        timelines={k: tuple(sorted(v, key=_order)) for k, v in timelines.items()},
    )


def _logged(event: Event) -> bool:
    # SLA warnings and breaches are announced when the desk learnt of them;
    # the clocks in ``ConversationOutcome.sla`` hold when each was due.
    return isinstance(event, _DECISION_LOG) or (
        isinstance(event, CustomEvent) and event.source == "sla"
    )


def _every_conversation(store: DeskStore) -> Iterable[ConversationRecord]:
    cursor: str | None = None
    while True:
        page = store.inbox(InboxFilter(), limit=MAX_LIMIT, cursor=cursor)
        yield from page.records
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _outcome(
    record: ConversationRecord,
    key: ConversationKey,
    customer: CustomerKey,
    keys: Mapping[str, ConversationKey],
) -> ConversationOutcome:
    conversation = record.conversation
    follow = conversation.follow_up_of
    return ConversationOutcome(
        messages=key,
        customer=customer,
        channel=conversation.channel.name,
        created_at=conversation.created_at.astimezone(UTC),
        status=conversation.status.value,
        queue=conversation.queue,
        priority=conversation.priority.value,
        assignee=conversation.assignee,
        skills=conversation.skills,
        tags=conversation.tags,
        language=conversation.language,
        sla_policy=conversation.sla_policy,
        fields=_canonical(conversation.fields),
        follow_up_of=None if follow is None else keys.get(follow, (follow,)),
        sla=_sla(record.sla_state),
    )


def _sla(stored: Mapping[str, Any]) -> str:
    if not stored:
        return ""
    data = _plain(stored)
    # The latest instant the fold saw is its own bookkeeping (a decision
    # logged again at a later message moves it), not a clock's state.
    data.get("state", {}).pop("time", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def _entry(event: Event) -> tuple[Any, ...]:
    at = event.at.astimezone(UTC)
    if isinstance(event, MessageEvent):
        return ("message", at, event.message.id)
    data = {k: v for k, v in serde.event_to_dict(event).items() if k not in _IDS}
    return (data.get("type", type(event).__name__), at, _canonical(data))


def _order(entry: tuple[Any, ...]) -> tuple[datetime, str, str]:
    return entry[1], str(entry[0]), str(entry[2])


def _canonical(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), default=str)


def _plain(value: Any) -> Any:
    # Stored values come back frozen (read-only mappings, tuples).
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value

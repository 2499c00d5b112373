"""Bots on the desk: giving a conversation to a bot, its turns, and the handoff to people.

Each step is a ``Change`` (see ``_agent_changes``) or a helper the inbound
path calls, so the desk runs it with its usual idempotency, permission
checks, SLA clocks and one commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import FrozenMap
from omnicx.desk._agent_changes import Change
from omnicx.desk._email_thread import EmailIdentity, agent_reply, index, sent_refs
from omnicx.desk._outbox import to_customer, to_target
from omnicx.desk._receipt import OutboxKind
from omnicx.desk._record_steps import caused_at, change_conversation, set_status
from omnicx.desk._schedule import Schedule, request_survey
from omnicx.desk._unit import SYSTEM, Unit
from omnicx.errors import InvalidTransition, ValidationError
from omnicx.model import (
    Author,
    AuthorKind,
    BotOwned,
    BotOwner,
    Channel,
    Direction,
    Event,
    HandedOff,
    HandoffReason,
    Message,
    MessageEvent,
    Status,
    Transcript,
    TranscriptLine,
)
from omnicx.routing import PERSON_PHRASES, Decision, asks_for_person, person_phrases
from omnicx.storage import ConversationRecord
from omnicx.timeline import own_keys

DEFAULT_HANDOFF_TAG = "bot-handoff"


def _phrases(value: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    return FrozenMap({str(k): tuple(v) for k, v in value.items()})


def _positive_or_none(what: str) -> Callable[[Any, Any, int | None], None]:
    def check(_instance: Any, _attribute: Any, value: int | None) -> None:
        if value is not None and (type(value) is not int or value < 1):
            raise ValidationError.single(
                f"HandoffPolicy.{what}", f"expected a positive whole number, got {value!r}"
            )

    return check


@attrs.frozen(kw_only=True)
class HandoffPolicy:
    """When and how a bot's conversation goes to people (``Desk.bots``).

    Attributes:
        max_turns: hand off when the customer writes again after the bot
            has sent this many messages; None never counts turns.
        phrases: language -> phrases by which a customer asks for a person
            (``omnicx.routing.PERSON_PHRASES`` by default: English, Spanish,
            Portuguese and German); an empty mapping turns that off.
        queue: the queue a handoff goes to when neither the caller nor a
            rule names one; None keeps the conversation's queue.
        tag: the tag every handoff adds; None adds none.
        transcript_lines: the handoff's transcript keeps at most this many
            of the latest messages (``Transcript.omitted`` counts the rest).
        notify: a target told of each handoff (a ``NOTIFICATION`` outbox
            item, e.g. ``"queue:returns"``); None tells nobody.
    """

    max_turns: int | None = attrs.field(default=None, validator=_positive_or_none("max_turns"))
    phrases: Mapping[str, tuple[str, ...]] = attrs.field(default=PERSON_PHRASES, converter=_phrases)
    queue: str | None = None
    tag: str | None = DEFAULT_HANDOFF_TAG
    transcript_lines: int = attrs.field(default=50, validator=_positive_or_none("transcript_lines"))
    notify: str | None = None
    _compiled: frozenset[str] = attrs.field(init=False, repr=False, eq=False)

    @_compiled.default
    def _compile(self) -> frozenset[str]:
        return person_phrases(self.phrases)

    def asks_for_person(self, text: str) -> bool:
        """True when ``text`` asks for a person in one of ``phrases``."""
        return asks_for_person(text, self._compiled)


DEFAULT_POLICY = HandoffPolicy()


def owner_of(record: ConversationRecord, bot_id: str | None, what: str) -> BotOwner:
    """The conversation's bot; ``InvalidTransition`` unless a bot (``bot_id``, if given) owns it."""
    owner = record.conversation.bot
    if owner is None:
        raise InvalidTransition(
            what, "people", "bot", "no bot owns this conversation; give it to one with "
            "Desk.give_to_bot first",
        )  # fmt: skip
    if bot_id is not None and owner.id != bot_id:
        raise InvalidTransition(
            what, f"bot:{owner.id}", f"bot:{bot_id}",
            f"bot {owner.id!r} owns this conversation, not {bot_id!r}",
        )  # fmt: skip
    return owner


def give(
    unit: Unit,
    record: ConversationRecord,
    bot_id: str,
    *,
    name: str | None,
    actor: Author,
    since: datetime,
    at: datetime | None = None,
) -> ConversationRecord:
    """``record`` owned by ``bot_id`` from ``since`` (the agent holding it lets go)."""
    conversation = record.conversation
    current = conversation.bot
    if current is not None and current.id == bot_id:
        return record  # it has it already: giving it again changes nothing
    at = unit.now if at is None else at
    if conversation.assignee is not None:
        released = attrs.evolve(conversation, assignee=None)
        record = change_conversation(unit, record, released, actor, at=at)
        conversation = record.conversation
    unit.events.append(
        BotOwned(id=unit.event_id(), at=at, customer_id=conversation.customer_id,
                 conversation_id=conversation.id, bot=bot_id, name=name, actor=actor)
    )  # fmt: skip
    owner = BotOwner(id=bot_id, name=name, since=since)
    return attrs.evolve(record, conversation=attrs.evolve(conversation, bot=owner))


def give_change(*, bot_id: str, name: str | None, actor_id: str) -> Change:
    """``Desk.give_to_bot``: the bot owns the conversation from now."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        if not record.conversation.status.is_active:
            raise InvalidTransition(
                "give a conversation to a bot", record.conversation.status.value, "bot",
                "reopen it first",
            )  # fmt: skip
        actor = Author(kind=AuthorKind.AGENT, id=actor_id)
        return give(unit, record, bot_id, name=name, actor=actor, since=unit.now)

    return change


def bot_reply(*, bot_id: str, text: str, email: EmailIdentity | None) -> Change:
    """``Desk.bot_reply``: the bot's message, recorded as a bot's (no human SLA target)."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        owner = owner_of(record, bot_id, "send a bot reply")
        conversation = record.conversation
        item = to_customer(record, OutboxKind.BOT_REPLY, text=text)
        channel = item.channel or conversation.channel
        if email is not None and channel == Channel.EMAIL:
            item = agent_reply(
                item, record, email, email.message_id(unit.key, len(unit.outbox) + 1)
            )
        message = Message(id=unit.key, channel=channel, direction=Direction.OUTBOUND,
                          author=owner.author, sent_at=unit.now, text=text,
                          external_id=item.message_id, thread=sent_refs(item))  # fmt: skip
        unit.events.append(
            MessageEvent(id=f"msg:{unit.key}", at=unit.now, customer_id=conversation.customer_id,
                         conversation_id=conversation.id, source=channel.name, message=message)
        )  # fmt: skip
        index(unit, record, own_keys(message))
        unit.outbox.append(item)
        turned = attrs.evolve(owner, turns=owner.turns + 1)
        return attrs.evolve(
            record,
            conversation=attrs.evolve(conversation, bot=turned),
            summary=record.summary.with_message(message),
        )

    return change


def resolve_change(*, bot_id: str, schedule: Schedule) -> Change:
    """``Desk.bot_resolve``: the bot solved it; people never had to (a bot deflection)."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        owner = owner_of(record, bot_id, "resolve as the bot")
        record = set_status(unit, record, Status.SOLVED, unit.now, owner.author)
        return request_survey(unit, record, unit.now, schedule)

    return change


def hand_off(
    unit: Unit,
    record: ConversationRecord,
    policy: HandoffPolicy,
    *,
    reason: HandoffReason,
    actor: Author,
    queue: str | None = None,
    summary: str = "",
    at: datetime | None = None,
) -> ConversationRecord:
    """``record`` handed from its bot to people: tagged, queued, with the transcript.

    The ``HandedOff`` event carries the transcript of every public message
    since the bot took the conversation (the latest ``transcript_lines``);
    human SLA clocks start or resume at it. A new conversation opens.
    """
    owner = owner_of(record, None, "hand off")
    conversation = record.conversation
    if not conversation.status.is_active:
        raise InvalidTransition("hand off", conversation.status.value, "handoff", "reopen it first")
    at = unit.now if at is None else at
    target = queue or policy.queue or conversation.queue
    tags = frozenset() if policy.tag is None else frozenset({policy.tag})
    unit.events.append(
        HandedOff(id=unit.event_id(), at=at, customer_id=conversation.customer_id,
                  conversation_id=conversation.id, bot=owner.id, reason=reason, queue=target,
                  tags=tags, turns=owner.turns, summary=summary,
                  transcript=transcript(unit, record, owner, policy.transcript_lines),
                  actor=actor)
    )  # fmt: skip
    moved = attrs.evolve(conversation, queue=target, tags=conversation.tags | tags)
    record = change_conversation(unit, record, moved, actor, at=at)
    record = attrs.evolve(record, conversation=attrs.evolve(record.conversation, bot=None))
    if record.conversation.status is Status.NEW:
        record = set_status(unit, record, Status.OPEN, at, actor)
    if policy.notify is not None:
        unit.outbox.append(to_target(record, OutboxKind.NOTIFICATION, policy.notify))
    return record


def handoff_change(
    *,
    policy: HandoffPolicy,
    bot_id: str | None,
    reason: HandoffReason,
    actor_id: str | None,
    queue: str | None,
    summary: str,
) -> Change:
    """``Desk.hand_off``: the bot (or an agent taking over) hands the conversation to people."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        owner = owner_of(record, bot_id, "hand off")
        actor = Author(kind=AuthorKind.AGENT, id=actor_id) if actor_id else owner.author
        return hand_off(unit, record, policy, reason=reason, actor=actor, queue=queue,
                        summary=summary)  # fmt: skip

    return change


def transcript(unit: Unit, record: ConversationRecord, owner: BotOwner, limit: int) -> Transcript:
    """The public messages since ``owner`` took the conversation, oldest first, at most ``limit``."""
    stored: list[Event] = []
    if record.id in unit.read:  # a conversation this call created has no stored events
        stored = list(unit.store.events(conversation_id=record.id))
    seen: set[str] = set()
    lines: list[TranscriptLine] = []
    for event in (*stored, *unit.events):
        if (
            not isinstance(event, MessageEvent)
            or event.conversation_id != record.id
            or event.id in seen
            or not event.message.public
            or event.message.sent_at < owner.since
        ):
            continue
        seen.add(event.id)
        message = event.message
        lines.append(TranscriptLine(message_id=message.id, at=message.sent_at,
                                    author=message.author, text=message.text))  # fmt: skip
    # By instant; at one instant in the order stored (the timeline's).
    lines.sort(key=lambda line: line.at)
    kept = lines[-limit:]
    return Transcript(lines=tuple(kept), omitted=len(lines) - len(kept))


def after_inbound(
    unit: Unit,
    record: ConversationRecord,
    message: Message,
    decision: Decision | None,
    policy: HandoffPolicy,
    *,
    fresh: bool,
) -> ConversationRecord:
    """An inbound message's bot steps: a rule's ``bot`` or ``handoff``, a customer's ask, turns.

    Stamped at the instant the message causes (``caused_at``), so the SLA
    fold sees them right after the message that caused them.
    """
    at = caused_at(message)
    owner = record.conversation.bot
    if owner is None:
        if decision is not None and decision.bot is not None and fresh:
            # The bot's time starts with the message that brought it.
            return give(unit, record, decision.bot, name=None, actor=SYSTEM,
                        since=message.sent_at, at=at)  # fmt: skip
        return record
    if not record.conversation.status.is_active:
        return record
    reason: HandoffReason | None = None
    if message.author.kind is AuthorKind.CUSTOMER and policy.asks_for_person(message.text):
        reason = HandoffReason.CUSTOMER
    elif decision is not None and decision.handoff:
        reason = HandoffReason.RULE
    elif policy.max_turns is not None and owner.turns >= policy.max_turns:
        reason = HandoffReason.TURNS
    if reason is None:
        return record
    queue = decision.queue if decision is not None else None
    return hand_off(unit, record, policy, reason=reason, actor=SYSTEM, queue=queue, at=at)

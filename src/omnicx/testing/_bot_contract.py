"""The store contract's bot half: a bot's conversation and its handoff, kept whole.

``StoreContract`` includes these tests; a host's store passes them when it
keeps what the desk writes for bots (the owner on the conversation, the
``BotOwned`` and ``HandedOff`` events with their transcript) and keeps a
redelivered message from handing a conversation over twice.
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk, HandoffPolicy
from omnicx.identity import email_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    BotOwned,
    BotOwner,
    Channel,
    Conversation,
    Direction,
    HandedOff,
    HandoffReason,
    Message,
    Status,
    Transcript,
    TranscriptLine,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import Changes, ConversationRecord, DeskStore
from omnicx.testing._erasure import T0
from omnicx.timeline import ConversationSummary

_BOT = Author(kind=AuthorKind.BOT, id="returns-bot", name="Robin")
_CUSTOMER = Author(kind=AuthorKind.CUSTOMER)


def _inbound(n: int, text: str, minutes: int) -> MessageReceived:
    message = Message(id=f"chat:b{n}", channel=Channel.CHAT, direction=Direction.INBOUND,
                      author=_CUSTOMER, sent_at=T0 + timedelta(minutes=minutes), text=text,
                      external_id=f"b{n}")  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier("bo@example.com"),))


class BotContract:
    """What a store keeps for bots; mixed into ``StoreContract``."""

    def make_store(self) -> DeskStore:
        """Return a new, empty store. Override this."""
        raise NotImplementedError

    def test_a_bot_owned_conversation_and_its_handoff_read_back_as_written(self) -> None:
        """The bot owner, ``BotOwned`` and ``HandedOff`` with its transcript round-trip."""
        store = self.make_store()
        owner = BotOwner(id="returns-bot", name="Robin", since=T0, turns=2)
        conversation = Conversation(id="c1", customer_id="p1", channel=Channel.CHAT,
                                    created_at=T0, bot=owner)  # fmt: skip
        summary = ConversationSummary(id="c1", customer_id="p1", channel=Channel.CHAT,
                                      status=Status.NEW, last_activity_at=T0)  # fmt: skip
        record = ConversationRecord(conversation=conversation, summary=summary)
        lines = (
            TranscriptLine(message_id="m1", at=T0, author=_CUSTOMER, text="Where is my refund?"),
            TranscriptLine(message_id="m2", at=T0 + timedelta(seconds=5), author=_BOT,
                           text="Refunds take 5 days."),
        )  # fmt: skip
        given = BotOwned(id="e1", at=T0, customer_id="p1", conversation_id="c1",
                         bot="returns-bot", name="Robin", actor=_BOT)  # fmt: skip
        handed = HandedOff(id="e2", at=T0 + timedelta(minutes=1), customer_id="p1",
                           conversation_id="c1", bot="returns-bot", reason=HandoffReason.CUSTOMER,
                           queue="returns", tags=frozenset({"bot-handoff"}), turns=2,
                           summary="wants a person", transcript=Transcript(lines=lines, omitted=1))  # fmt: skip
        store.commit(Changes(conversations=(record,), events=(given, handed)))
        assert store.conversation("c1") == attrs.evolve(record, version=1)
        assert store.events(conversation_id="c1") == [given, handed]

    def test_a_redelivered_message_hands_a_conversation_over_once(self) -> None:
        """The customer's ask for a person, delivered twice, makes one handoff."""
        rules = RuleEngine.compile(load_rules({"rules": [
            {"id": "bot", "when": {"field": "channel", "op": "eq", "value": "chat"},
             "then": {"bot": "returns-bot"}},
        ]}))  # fmt: skip
        clock = FixedClock(T0)
        desk = Desk(store=self.make_store(), clock=clock, rules=rules,
                    bots=HandoffPolicy(queue="returns"))  # fmt: skip
        first = desk.receive(_inbound(1, "my parcel never came", 0))
        clock.advance(timedelta(minutes=1))
        desk.bot_reply(first.conversation_id, bot_id="returns-bot", text="Let me check.",
                       request_id="bot-1")  # fmt: skip
        clock.advance(timedelta(minutes=1))
        asked = _inbound(2, "I want to talk to a person", 2)
        handed = desk.receive(asked)
        again = desk.receive(asked)
        assert again.replayed
        assert again.queue == handed.queue == "returns"
        (handoff,) = desk.handoffs(first.conversation_id)
        assert handoff.reason is HandoffReason.CUSTOMER
        assert [line.text for line in handoff.transcript.lines] == [
            "my parcel never came", "Let me check.", "I want to talk to a person",
        ]  # fmt: skip
        assert desk.conversation(first.conversation_id).conversation.bot is None

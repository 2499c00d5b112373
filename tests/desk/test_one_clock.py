"""Events a message causes follow it on the timeline, whatever clock the desk runs on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    MessageEvent,
    PriorityChanged,
    QueueChanged,
    TagsChanged,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {"id": "refund", "when": {"field": "message.text", "op": "contains_any", "value": ["refund"]},
                 "then": {"queue": "billing", "priority": "high", "add_tags": ["refund"]}},
                {"id": "urgent", "when": {"field": "message.text", "op": "contains_any", "value": ["now"]},
                 "then": {"priority": "urgent", "add_tags": ["urgent"]}},
            ],
        }
    )
)  # fmt: skip
CAUSED = (Assigned, QueueChanged, PriorityChanged, TagsChanged)


def _message(n: int, text: str, sent_at: datetime) -> MessageReceived:
    message = Message(
        id=f"whatsapp:{n}", channel=Channel("whatsapp"), direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=sent_at, text=text, external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier("ada@example.com"),))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["hi", "refund", "refund now", "now"]), min_size=2, max_size=6),
    st.integers(min_value=0, max_value=3 * 3600),
)
def test_routing_events_sit_between_their_message_and_the_next(
    texts: list[str], delay: int
) -> None:
    """Webhooks delayed by up to 3 hours: each message's routing still follows it directly."""
    clock = FixedClock(T0)
    desk = Desk(store=MemoryStore(), clock=clock, rules=RULES)
    customer = ""
    for n, text in enumerate(texts):
        clock.set(T0 + timedelta(seconds=delay + n))  # the desk sees each one late
        customer = desk.receive(_message(n, text, T0 + timedelta(minutes=n))).customer_id
    timeline = desk.timeline(customer)
    owner = None
    for event in timeline:
        if isinstance(event, MessageEvent):
            owner = event.message.id
        elif isinstance(event, CAUSED):
            # The nearest message before it is the one whose receive made it.
            assert owner is not None
            assert event.id.startswith(f"in:{owner}#")

"""``Desk.explain`` routes exactly as ``Desk.receive`` does, and stores nothing.

Both build the routing context through one function (``desk._inbound``): the
customer lifted from the resolved profile (enrichment included), the
conversation the message threads into, and the customer's open count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import Enrichment, MessageReceived
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {"id": "vip", "when": {"field": "customer.lifetime_value", "op": "gte", "value": 500},
                 "then": {"queue": "vip", "add_tags": ["vip"]}},
                {"id": "busy", "when": {"field": "customer.open_conversations", "op": "gte", "value": 2},
                 "then": {"add_tags": ["busy"]}},
                {"id": "refund", "when": {"field": "message.text", "op": "contains_any", "value": ["refund"]},
                 "then": {"queue": "billing", "priority": "high"}},
                {"id": "reopened", "when": {"field": "conversation.status", "op": "eq", "value": "open"},
                 "then": {"add_tags": ["seen"]}},
                {"id": "rest", "then": {"queue": "general"}},
            ],
        }
    )
)  # fmt: skip

CUSTOMERS = ["ada@example.com", "bo@example.com"]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("message"), st.sampled_from(CUSTOMERS), st.sampled_from(["hi", "refund please"])),
        st.tuples(st.just("enrich"), st.sampled_from(CUSTOMERS), st.sampled_from([100, 1500])),
        st.tuples(st.just("solve"), st.sampled_from(CUSTOMERS), st.none()),
        st.tuples(st.just("wait"), st.none(), st.sampled_from([1, 30, 60 * 24 * 8])),
    ),
    min_size=1,
    max_size=12,
)  # fmt: skip


def _message(n: int, email: str, text: str, at: datetime) -> MessageReceived:
    message = Message(
        id=f"email:{n}", channel=Channel("email"), direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text, external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(email),))


@settings(max_examples=60, deadline=None)
@given(steps)
def test_explain_predicts_what_receive_does(plan: list[tuple[str, object, object]]) -> None:
    """For enriched, returning and reopened customers, explain's decision is receive's."""
    clock = FixedClock(T0)
    store = MemoryStore()
    desk = Desk(store=store, clock=clock, rules=RULES)
    latest: dict[str, str] = {}
    for n, (kind, who, value) in enumerate(plan):
        if kind == "wait":
            clock.advance(timedelta(minutes=int(value)))  # type: ignore[call-overload]
        elif kind == "enrich":
            enrichment = Enrichment(identifiers=(email_identifier(str(who)),),
                                    attributes={"lifetime_value": str(Decimal(int(value)))})  # type: ignore[call-overload]  # fmt: skip
            desk.enrich(enrichment, key=f"e{n}")
        elif kind == "solve" and who in latest:
            record = desk.conversation(latest[str(who)])
            if record.conversation.status.value in {"new", "open", "pending"}:
                desk.solve(record.id, actor_id="lead")
        elif kind == "message":
            event = _message(n, str(who), str(value), clock.now())
            before = _data(store)
            trace = desk.explain(event)
            assert trace is not None
            assert _data(store) == before
            receipt = desk.receive(event)
            assert trace.decision.fired == receipt.fired
            if receipt.conversation_id not in latest.values() and trace.decision.queue:
                assert receipt.queue == trace.decision.queue
            latest[str(who)] = receipt.conversation_id


def _data(store: MemoryStore) -> str:
    # Everything the store holds except its id counters (explain may reserve ids).
    fields = [f.name for f in attrs.fields(type(store)) if "counter" not in f.name]
    return repr([(name, getattr(store, name)) for name in fields])

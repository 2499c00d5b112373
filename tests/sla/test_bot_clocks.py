"""The engine and bots: a bot's time is not the team's; human clocks run from the handoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnicx.model import (
    Author,
    AuthorKind,
    BotOwned,
    Channel,
    Direction,
    Event,
    HandedOff,
    HandoffReason,
    Message,
    MessageEvent,
    Priority,
)
from omnicx.sla import ClockState, Metric, Policy, SlaEngine, Target

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ENGINE = SlaEngine(policies=[Policy(name="p", targets={
    Metric.FIRST_REPLY: {p: Target(seconds=600, business=False) for p in Priority},
})])  # fmt: skip


def _message(n: int, minutes: int, kind: AuthorKind) -> MessageEvent:
    inbound = kind is AuthorKind.CUSTOMER
    message = Message(id=f"m{n}", channel=Channel.CHAT, sent_at=T0 + timedelta(minutes=minutes),
                      direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                      author=Author(kind=kind, id=None if inbound else "bot"), text="x")  # fmt: skip
    return MessageEvent(id=f"e{n}", at=message.sent_at, customer_id="p", conversation_id="c",
                        message=message)  # fmt: skip


def _first_reply(events: list[Event], minutes: int) -> tuple[ClockState, int, datetime | None]:
    report = ENGINE.status(events, T0 + timedelta(minutes=minutes))
    (status,) = [t for t in report.targets if t.metric is Metric.FIRST_REPLY]
    return status.state, status.elapsed, status.due


OWNED = BotOwned(id="o", at=T0, customer_id="p", conversation_id="c", bot="bot")


def test_a_bot_reply_fulfils_nothing_and_the_clock_waits_for_the_handoff() -> None:
    events: list[Event] = [_message(1, 0, AuthorKind.CUSTOMER), OWNED,
                           _message(2, 1, AuthorKind.BOT), _message(3, 5, AuthorKind.CUSTOMER),
                           _message(4, 6, AuthorKind.BOT)]  # fmt: skip
    assert _first_reply(events, 30) == (ClockState.PAUSED, 0, None)
    handoff = HandedOff(id="h", at=T0 + timedelta(minutes=30), customer_id="p",
                        conversation_id="c", bot="bot", reason=HandoffReason.BOT)  # fmt: skip
    events.append(handoff)
    assert _first_reply(events, 34) == (ClockState.ACTIVE, 240, T0 + timedelta(minutes=40))
    assert _first_reply(events, 41)[0] is ClockState.BREACHED


def test_the_same_timeline_without_the_bot_breaches_at_ten_minutes() -> None:
    events: list[Event] = [_message(1, 0, AuthorKind.CUSTOMER), _message(2, 1, AuthorKind.BOT)]
    assert _first_reply(events, 11)[0] is ClockState.BREACHED


def test_bot_reply_clears_keeps_a_first_reply_for_the_handoff() -> None:
    """With ``bot_reply_clears`` the bot cancels the waiting clock; the handoff opens a new one."""
    engine = SlaEngine(policies=ENGINE.policies, bot_reply_clears=True)
    handoff = HandedOff(id="h", at=T0 + timedelta(minutes=30), customer_id="p",
                        conversation_id="c", bot="bot", reason=HandoffReason.TURNS)  # fmt: skip
    events = [_message(1, 0, AuthorKind.CUSTOMER), OWNED, _message(2, 1, AuthorKind.BOT), handoff]
    report = engine.status(events, T0 + timedelta(minutes=31))
    states = [(t.occurrence, t.state) for t in report.targets if t.metric is Metric.FIRST_REPLY]
    assert states[-1] == (1, ClockState.ACTIVE)

"""The engine orders and times events by UTC instant, never by wall clock.

Two aware datetimes sharing one tzinfo compare and subtract by wall time,
fold ignored (PEP 495), so events in a fall-back repeated hour must be
turned into UTC instants before the engine orders or times them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Event,
    Message,
    MessageEvent,
    Priority,
    PriorityChanged,
)
from omnicx.sla import ClockState, Metric, Policy, SlaEngine, SlaReport, Target

NY = ZoneInfo("America/New_York")
N = Priority.NORMAL


def policy(**targets: int) -> Policy:
    return Policy(
        name="basic",
        targets={
            Metric(k): {p: Target(seconds=v * 60, business=False) for p in Priority}
            for k, v in targets.items()
        },
    )


def message(at: datetime, kind: AuthorKind, n: int = 0, *, public: bool = True) -> MessageEvent:
    direction = Direction.INBOUND if kind is AuthorKind.CUSTOMER else Direction.OUTBOUND
    msg = Message(
        id=f"m{n}-{kind.value}",
        channel=Channel.EMAIL,
        direction=direction,
        author=Author(kind=kind),
        sent_at=at,
        public=public,
    )
    return MessageEvent(id=f"e{n}-{kind.value}", at=at, customer_id="c1", message=msg)


def first_reply(report: SlaReport) -> tuple[ClockState, int]:
    line = next(t for t in report.targets if t.metric is Metric.FIRST_REPLY)
    return line.state, line.elapsed


# 2026-11-01 01:50 EDT (05:50 UTC) and 01:30 EST (06:30 UTC): 40 minutes apart,
# though 01:30 reads earlier on the wall clock.
ASKED = datetime(2026, 11, 1, 1, 50, tzinfo=NY, fold=0)
REPLIED = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1)
LATER = datetime(2026, 11, 1, 4, 50, tzinfo=NY)


def test_fold_instants_are_utc() -> None:
    assert ASKED.astimezone(UTC) == datetime(2026, 11, 1, 5, 50, tzinfo=UTC)
    assert REPLIED.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_reply_in_repeated_hour_is_ordered_and_timed_by_instant() -> None:
    """A reply 40 minutes after the message, in the repeated hour, is achieved in 2400 s."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    events = [message(ASKED, AuthorKind.CUSTOMER), message(REPLIED, AuthorKind.AGENT)]
    assert first_reply(engine.status(events, LATER)) == (ClockState.ACHIEVED, 2400)
    assert first_reply(engine.status(events[::-1], LATER)) == (ClockState.ACHIEVED, 2400)


def test_apply_in_repeated_hour_times_by_instant() -> None:
    """Folding event by event (the host path) also subtracts UTC instants."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    state = engine.start()
    state, _ = engine.apply(state, message(ASKED, AuthorKind.CUSTOMER), ASKED)
    state, _ = engine.apply(state, message(REPLIED, AuthorKind.AGENT), REPLIED)
    assert first_reply(engine.report(state, LATER)) == (ClockState.ACHIEVED, 2400)


def test_clock_running_across_repeated_hour_counts_elapsed_time() -> None:
    """From 01:50 EDT to 01:10 EST is 20 minutes: no breach of a 30-minute target."""
    engine = SlaEngine(policies=[policy(first_reply=30)])
    now = datetime(2026, 11, 1, 1, 10, tzinfo=NY, fold=1)
    report = engine.status([message(ASKED, AuthorKind.CUSTOMER)], now)
    assert first_reply(report) == (ClockState.ACTIVE, 1200)


def test_same_instant_events_keep_input_order() -> None:
    """Events at one instant fold in input order (the documented rule), in any zone."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    events = [message(t, AuthorKind.CUSTOMER), message(t.astimezone(NY), AuthorKind.AGENT)]
    assert first_reply(engine.status(events, t + timedelta(hours=3))) == (ClockState.ACHIEVED, 0)


@given(st.booleans(), st.booleans(), st.sampled_from([UTC, NY]))
def test_a_reply_in_the_same_second_answers_the_message_in_either_order(
    reply_first: bool, breach_on_reply: bool, zone: object
) -> None:
    """Listing the reply before the message it answers never starts a breaching clock."""
    engine = SlaEngine(
        policies=[policy(first_reply=60, next_reply=60)], breach_on_reply=breach_on_reply
    )
    t = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)  # the repeated fall-back hour
    opened = message(t - timedelta(hours=2), AuthorKind.CUSTOMER, 0)
    answered = message(t - timedelta(hours=1, minutes=59), AuthorKind.AGENT, 1)
    customer = message(t, AuthorKind.CUSTOMER, 2)
    reply = message(t.astimezone(zone), AuthorKind.AGENT, 3)  # type: ignore[arg-type]
    pair = [reply, customer] if reply_first else [customer, reply]
    report = engine.status([opened, answered, *pair], t + timedelta(hours=3))
    lines = {(x.metric, x.occurrence): x for x in report.targets}
    second = lines[(Metric.NEXT_REPLY, 0)]
    assert (second.state, second.elapsed) == (ClockState.ACHIEVED, 0)
    assert all(x.state is not ClockState.BREACHED for x in report.targets)


KINDS = [
    (AuthorKind.CUSTOMER, True),
    (AuthorKind.AGENT, True),
    (AuthorKind.AGENT, False),
    (AuthorKind.BOT, True),
    (AuthorKind.AUTOMATION, True),
]
BASE = datetime(2026, 11, 1, 0, 30, tzinfo=NY)


@st.composite
def timelines(draw: st.DrawFn) -> list[Event]:
    # Minutes from 00:30 EDT; several events may share an instant, and the
    # run crosses the fall-back repeat (in local, fold-aware datetimes).
    size = draw(st.integers(1, 10))
    events: list[Event] = []
    for n in range(size):
        minute = draw(st.sampled_from([0, 30, 70, 100, 130]))
        instant = (BASE.astimezone(UTC) + timedelta(minutes=minute)).astimezone(NY)
        kind, public = draw(st.sampled_from(KINDS))
        events.append(message(instant, kind, n, public=public))
    if draw(st.booleans()):
        minute = draw(st.sampled_from([0, 30, 70]))
        instant = (BASE.astimezone(UTC) + timedelta(minutes=minute)).astimezone(NY)
        events.append(
            PriorityChanged(
                id="p", at=instant, customer_id="c1", previous=None, priority=Priority.HIGH
            )
        )
    return events


@given(timelines(), st.randoms(use_true_random=False), st.booleans())
def test_permuting_across_instants_gives_the_same_report(
    events: list[Event], rnd: object, bot_clears: bool
) -> None:
    engine = SlaEngine(
        policies=[policy(first_reply=45, next_reply=45, resolution=240)],
        bot_reply_clears=bot_clears,
    )
    # Any order across instants; input order kept among equal instants.
    groups: dict[datetime, list[Event]] = {}
    for event in events:
        groups.setdefault(event.at.astimezone(UTC), []).append(event)
    order = list(groups)
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = [e for instant in order for e in groups[instant]]
    now = (BASE.astimezone(UTC) + timedelta(hours=4)).astimezone(NY)
    assert engine.status(shuffled, now) == engine.status(events, now)

"""Agent actions without a request id: a retry happens once, a new action happens."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.desk._retry import digest
from omnicx.errors import InvalidTransition
from omnicx.model import Channel, MessageEvent, Priority, Status, SurveyKind, TagsChanged
from omnicx.privacy import erase_customer
from omnicx.storage import DeskStore, MemoryStore

from .test_desk import T0, inbound


@pytest.fixture
def desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock)


def _replies(desk: Desk, conversation_id: str) -> list[str]:
    return [
        e.message.text or ""
        for e in desk.store.events(conversation_id=conversation_id)
        if isinstance(e, MessageEvent) and e.message.author.id == "a1"
    ]


def test_a_retried_reply_without_request_id_sends_once(desk: Desk, clock: FixedClock) -> None:
    """The host retries a timed-out reply: the first receipt comes back, nothing is sent twice."""
    cid = desk.receive(inbound(1)).conversation_id
    first = desk.reply(cid, agent_id="a1", text="On its way")
    clock.advance(seconds=30)
    again = desk.reply(cid, agent_id="a1", text="On its way")
    assert again.replayed
    assert again.key == first.key
    assert [i.id for i in again.outbox] == [i.id for i in first.outbox]
    desk.handed_over(*(i.id for i in first.outbox))
    assert desk.reply(cid, agent_id="a1", text="On its way").outbox == ()
    assert _replies(desk, cid) == ["On its way"]


def test_a_different_action_in_between_makes_the_repeat_new(desk: Desk) -> None:
    """Tag, untag, tag again: the last one is not a retry of the first."""
    cid = desk.receive(inbound(1)).conversation_id
    desk.tag(cid, actor_id="a1", add=["vip"])
    desk.tag(cid, actor_id="a1", remove=["vip"])
    final = desk.tag(cid, actor_id="a1", add=["vip"])
    assert not final.replayed
    assert "vip" in final.tags
    changes = [e for e in desk.store.events(conversation_id=cid) if isinstance(e, TagsChanged)]
    assert len(changes) == 3


def test_a_customer_message_in_between_makes_the_repeat_new(desk: Desk) -> None:
    """Something else changed the conversation: the same reply again is sent again."""
    cid = desk.receive(inbound(1)).conversation_id
    desk.reply(cid, agent_id="a1", text="Any news?")
    desk.receive(inbound(2, "not yet"))
    assert not desk.reply(cid, agent_id="a1", text="Any news?").replayed
    assert _replies(desk, cid) == ["Any news?", "Any news?"]


def test_another_agent_or_other_arguments_are_not_a_retry(desk: Desk) -> None:
    """Only the same actor's same action repeats; anything else is a new action."""
    cid = desk.receive(inbound(1)).conversation_id
    desk.set_priority(cid, Priority.HIGH, actor_id="a1")
    assert not desk.set_priority(cid, Priority.HIGH, actor_id="a2").replayed
    assert not desk.set_priority(cid, Priority.URGENT, actor_id="a2").replayed


def test_after_the_window_the_same_action_is_new(desk: Desk, clock: FixedClock) -> None:
    """A reminder sent again a day later is meant: it is sent."""
    cid = desk.receive(inbound(1)).conversation_id
    desk.reply(cid, agent_id="a1", text="Any news?")
    clock.advance(desk.retry_window + timedelta(seconds=1))
    assert not desk.reply(cid, agent_id="a1", text="Any news?").replayed
    assert _replies(desk, cid) == ["Any news?", "Any news?"]


def test_a_zero_window_turns_retry_recognition_off(store: DeskStore, clock: FixedClock) -> None:
    desk = Desk(store=store, clock=clock, retry_window=timedelta(0))
    cid = desk.receive(inbound(1)).conversation_id
    clock.advance(seconds=1)
    desk.note(cid, agent_id="a1", text="check the carrier")
    clock.advance(seconds=1)
    assert not desk.note(cid, agent_id="a1", text="check the carrier").replayed


def test_a_new_request_id_repeats_on_purpose(desk: Desk) -> None:
    cid = desk.receive(inbound(1)).conversation_id
    desk.reply(cid, agent_id="a1", text="Thanks!")
    assert not desk.reply(cid, agent_id="a1", text="Thanks!", request_id="r2").replayed
    assert _replies(desk, cid) == ["Thanks!", "Thanks!"]


def test_retried_status_survey_and_record_sent_happen_once(desk: Desk) -> None:
    cid = desk.receive(inbound(1)).conversation_id
    solved = desk.solve(cid, actor_id="a1")
    assert desk.solve(cid, actor_id="a1").key == solved.key
    desk.record_survey(cid, survey=SurveyKind.CSAT, score=5)
    assert desk.record_survey(cid, survey=SurveyKind.CSAT, score=5).replayed
    sent = desk.record_sent(cid, channel=Channel.EMAIL, external_id="p-1")
    assert desk.record_sent(cid, channel=Channel.EMAIL, external_id="p-1").key == sent.key
    assert desk.conversation(cid).conversation.status is Status.SOLVED


def test_erasure_forgets_the_latest_action(desk: Desk) -> None:
    """The mark holds a hash of what the agent wrote: erasure drops it."""
    receipt = desk.receive(inbound(1))
    desk.reply(receipt.conversation_id, agent_id="a1", text="Hello Ada")
    assert desk.conversation(receipt.conversation_id).last_action is not None
    erase_customer(desk.store, receipt.customer_id, actor="dpo", reason="request", now=T0)
    assert desk.conversation(receipt.conversation_id).last_action is None


@given(st.frozensets(st.text(max_size=5), max_size=6), st.randoms())
def test_the_digest_ignores_set_order(tags: frozenset[str], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(tags)
    rnd.shuffle(shuffled)
    assert digest("tag", "c1", tags) == digest("tag", "c1", frozenset(shuffled))
    assert digest("tag", "c1", {"k": tags}) == digest("tag", "c1", {"k": set(shuffled)})


def test_the_digest_is_the_same_in_every_process() -> None:
    """Two worker processes must see one retry: no hash randomisation in the digest."""
    code = (
        "from omnicx.desk._retry import digest;"
        "print(digest('tag', 'c1', frozenset({'a', 'b', 'c', 'vip'}), {'x': 1}))"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # fmt: skip
        outputs.add(run.stdout)
    assert len(outputs) == 1


class _StaleReceipts(MemoryStore):
    """Answers the next ``stale`` receipt reads with None: a copy committing in between."""

    stale = 0

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        if self.stale and key.startswith("act:"):
            self.stale -= 1
            return None
        return super().receipt(key)


def test_a_copy_of_an_action_that_lost_the_receipt_read_replays(clock: FixedClock) -> None:
    """A redelivered status change reads no receipt, then the first copy's state: it replays.

    Another worker's copy committed between this call's receipt read and its
    record read; the record is already on hold, so the change itself would
    be refused (InvalidTransition), but the call was done: its receipt returns.
    """
    store = _StaleReceipts()
    desk = Desk(store=store, clock=clock)
    cid = desk.receive(inbound(1)).conversation_id
    first = desk.set_status(cid, Status.ON_HOLD, actor_id="a1", request_id="r1")
    store.stale = 1
    again = desk.set_status(cid, Status.ON_HOLD, actor_id="a1", request_id="r1")
    assert again.replayed
    assert again.key == first.key
    # Without a request id the refusal stands: nothing says the call was done.
    with pytest.raises(InvalidTransition):
        desk.set_status(cid, Status.ON_HOLD, actor_id="a2")

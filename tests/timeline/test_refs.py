"""Thread reference keys: Message-IDs are global, provider ids are per channel."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Author, AuthorKind, Channel, Direction, Message, ThreadRefs
from omnicx.timeline import (
    MAX_REFERENCES,
    external_key,
    lookup_keys,
    message_id_key,
    own_keys,
    referenced_keys,
    reply_references,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _message(channel: str, **thread: object) -> Message:
    return Message(
        id=f"{channel}:1", channel=Channel(channel), direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text="hi", external_id="42",
        thread=ThreadRefs(**thread),  # type: ignore[arg-type]
    )  # fmt: skip


def test_provider_ids_are_scoped_by_channel() -> None:
    """The same provider id on SMS and WhatsApp names two different messages."""
    sms, whatsapp = _message("sms"), _message("whatsapp")
    assert set(own_keys(sms)).isdisjoint(own_keys(whatsapp))
    assert external_key(Channel("sms"), "42") in own_keys(sms)


def test_an_email_is_found_by_its_own_id_and_the_ids_it_answers() -> None:
    """Own Message-ID first, then In-Reply-To and References, all global keys."""
    email = _message("email", message_id="b@x", in_reply_to=("a@x",), references=("r@x", "a@x"))
    assert own_keys(email)[0] == message_id_key("b@x")
    assert referenced_keys(email) == [message_id_key(m) for m in ("a@x", "r@x", "a@x")]
    assert lookup_keys(email) == own_keys(email) + referenced_keys(email)


def test_a_provider_thread_is_a_key_of_its_own() -> None:
    """A chat session id finds the conversation without any message id."""
    chat = _message("webchat", provider_thread_id="s1")
    assert "thread:webchat:s1" in own_keys(chat)
    assert referenced_keys(chat) == []


def test_reply_references_follow_rfc_5322() -> None:
    """The parent's References then its Message-ID; without References, a lone In-Reply-To."""
    full = ThreadRefs(message_id="c@x", in_reply_to=("b@x",), references=("a@x", "b@x"))
    assert reply_references(full) == ("a@x", "b@x", "c@x")
    assert reply_references(ThreadRefs(message_id="c@x", in_reply_to=("b@x",))) == ("b@x", "c@x")
    # Two In-Reply-To ids say nothing about order: neither is taken.
    both = ThreadRefs(message_id="c@x", in_reply_to=("a@x", "b@x"))
    assert reply_references(both) == ("c@x",)
    assert reply_references(ThreadRefs()) == ()


@given(st.lists(st.from_regex(r"[a-z0-9]{1,6}@x", fullmatch=True), max_size=40, unique=True))
def test_reply_references_are_capped_keeping_the_first(chain: list[str]) -> None:
    """At most MAX_REFERENCES ids: the thread's first, then the newest, ending with the parent."""
    refs = reply_references(ThreadRefs(message_id="parent@y", references=tuple(chain)))
    assert len(refs) == min(len(chain) + 1, MAX_REFERENCES)
    assert refs[-1] == "parent@y"
    assert refs[0] == (chain[0] if chain else "parent@y")

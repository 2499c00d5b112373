"""Thread reference keys: Message-IDs are global, provider ids are per channel."""

from __future__ import annotations

from datetime import UTC, datetime

from omnicx.model import Author, AuthorKind, Channel, Direction, Message, ThreadRefs
from omnicx.timeline import external_key, lookup_keys, message_id_key, own_keys, referenced_keys

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

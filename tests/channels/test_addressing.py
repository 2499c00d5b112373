"""Where a reply goes: the channel the customer last wrote on, the address it delivers to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnicx.channels import reply_address, reply_channel
from omnicx.model import Channel, Identifier

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = (
    Identifier.handle("instagram", "ig-7"),
    Identifier.email("ada@example.com"),
    Identifier.phone("+14155550100"),
)


def test_each_channel_delivers_to_its_own_kind_of_address() -> None:
    """Email to the address, SMS/WhatsApp/voice to the number, others to their handle."""
    assert reply_address(Channel("email"), SENDER) == "ada@example.com"
    for name in ("sms", "whatsapp", "voice"):
        assert reply_address(Channel(name), SENDER) == "+14155550100"
    assert reply_address(Channel("instagram"), SENDER) == "ig-7"


def test_without_a_matching_identifier_the_first_is_used() -> None:
    """A Messenger sender known only by email still gets an address; none without ids."""
    assert reply_address(Channel("messenger"), SENDER[1:]) == "ada@example.com"
    assert reply_address(Channel("sms"), ()) is None


def test_replies_go_where_the_customer_last_wrote() -> None:
    """The latest inbound channel wins; before any, the channel the conversation began on."""
    later = {"email": T0, "whatsapp": T0 + timedelta(minutes=5)}
    assert reply_channel(later, Channel("email")) == Channel("whatsapp")
    assert reply_channel({}, Channel("sms")) == Channel("sms")

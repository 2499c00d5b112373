"""Channel rules before sending: reply windows, template, text limits and splitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.channels import (
    Capabilities,
    LongText,
    OutboundMessage,
    RenderRefused,
    SendCheck,
    Template,
    check_send,
    split_text,
)
from omnicx.model import Attachment

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOWED = Capabilities(
    max_text_length=10,
    attachments=False,
    templates=True,
    reply_window=timedelta(hours=24),
    human_agent_window=timedelta(days=7),
)


def _out(**changes: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "to": "x",
        "now": NOW,
        "text": "hello",
        "last_inbound_at": NOW - timedelta(hours=1),
    }
    fields.update(changes)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("last_inbound", "expected"),
    [
        (timedelta(hours=23, minutes=59), SendCheck.OK),
        (timedelta(hours=24), SendCheck.WINDOW_CLOSED),
        (timedelta(days=2), SendCheck.WINDOW_CLOSED),
        (None, SendCheck.WINDOW_CLOSED),
    ],
)
def test_window_is_24_hours_after_last_inbound(
    last_inbound: timedelta | None, expected: SendCheck
) -> None:
    """Free-form text is allowed while now < last inbound + 24 h; never-wrote customers need a template."""
    last = NOW - last_inbound if last_inbound is not None else None
    assert check_send(_out(last_inbound_at=last), WINDOWED, LongText.SPLIT) is expected


def test_template_is_allowed_after_the_window() -> None:
    """A template goes out whatever the window says."""
    outbound = _out(last_inbound_at=None, text="", template=Template(name="order_update"))
    assert check_send(outbound, WINDOWED, LongText.SPLIT) is SendCheck.OK
    assert check_send(outbound, Capabilities(), LongText.SPLIT) is SendCheck.NO_TEMPLATES


def test_human_agent_window_is_seven_days() -> None:
    """A human agent's reply gets the 7-day window where the channel has one."""
    late = _out(last_inbound_at=NOW - timedelta(days=6), human_agent=True)
    assert check_send(late, WINDOWED, LongText.SPLIT) is SendCheck.OK
    too_late = _out(last_inbound_at=NOW - timedelta(days=7), human_agent=True)
    assert check_send(too_late, WINDOWED, LongText.SPLIT) is SendCheck.WINDOW_CLOSED


def test_a_future_last_inbound_is_not_an_open_window() -> None:
    """A last-inbound instant after now is a caller mistake, not an open window."""
    assert (
        check_send(_out(last_inbound_at=NOW + timedelta(minutes=1)), WINDOWED, LongText.SPLIT)
        is SendCheck.WINDOW_CLOSED
    )


def test_empty_attachments_and_length() -> None:
    """Empty messages, unsupported attachments and refused long text are outcomes."""
    assert check_send(_out(text=""), WINDOWED, LongText.SPLIT) is SendCheck.EMPTY
    assert (
        check_send(_out(attachments=(Attachment(url="u"),)), WINDOWED, LongText.SPLIT)
        is SendCheck.NO_ATTACHMENTS
    )
    assert check_send(_out(text="x" * 11), WINDOWED, LongText.REFUSE) is SendCheck.TOO_LONG
    assert check_send(_out(text="x" * 11), WINDOWED, LongText.SPLIT) is SendCheck.OK


def test_render_refused_message() -> None:
    """RenderRefused carries the outcome and a message without the customer's text."""
    error = RenderRefused("whatsapp", SendCheck.WINDOW_CLOSED)
    assert error.check is SendCheck.WINDOW_CLOSED
    assert str(error) == (
        "can't send on whatsapp: free-form replies are only allowed inside the customer-service "
        "window after the customer's last message; send a template instead"
    )


def test_split_prefers_whitespace() -> None:
    """Parts are cut after a space where one is in reach, hard at the limit otherwise."""
    assert split_text("hello world again", 12) == ("hello world ", "again")
    assert split_text("abcdefghij", 4) == ("abcd", "efgh", "ij")
    assert split_text("short", None) == ("short",)


def test_split_by_bytes() -> None:
    """A byte limit counts UTF-8 bytes: four 3-byte characters per 12 bytes."""
    assert split_text("€€€€€€", None, max_bytes=12) == ("€€€€", "€€")
    byte_caps = Capabilities(max_text_bytes=4)
    assert check_send(_out(text="€€"), byte_caps, LongText.REFUSE) is SendCheck.TOO_LONG
    assert check_send(_out(text="ab"), byte_caps, LongText.REFUSE) is SendCheck.OK


@given(
    text=st.text(max_size=300), limit=st.integers(1, 50), max_bytes=st.none() | st.integers(4, 60)
)
def test_split_parts_fit_and_join_back(text: str, limit: int, max_bytes: int | None) -> None:
    """Every part fits both limits and the parts join back to the text exactly."""
    parts = split_text(text, limit, max_bytes=max_bytes)
    assert "".join(parts) == text
    assert all(len(part) <= limit for part in parts)
    if max_bytes is not None:
        assert all(len(p.encode("utf-8", "surrogatepass")) <= max_bytes for p in parts)

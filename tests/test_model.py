"""Model invariants: validators refuse what can never be right."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from omnicx.errors import ValidationError
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Conversation,
    Direction,
    Identifier,
    IdentifierKind,
    Message,
    Priority,
    SurveyKind,
    SurveyResponse,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_well_known_channels_are_class_attributes() -> None:
    assert Channel("whatsapp") == Channel.WHATSAPP
    assert Channel.EMAIL.is_well_known
    assert not Channel("line").is_well_known
    assert str(Channel.SMS) == "sms"


@pytest.mark.parametrize("name", ["", "Email", "9lives", "has space", "x" * 41])
def test_channel_names_are_slugs(name: str) -> None:
    with pytest.raises(ValidationError, match="invalid channel name"):
        Channel(name)


def test_values_are_frozen() -> None:
    conv = Conversation(id="c", customer_id="p", channel=Channel.SMS, created_at=NOW)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        conv.status = None  # type: ignore[misc]


def test_naive_datetimes_are_refused_on_construction() -> None:
    with pytest.raises(ValidationError, match="created_at: naive datetime"):
        Conversation(id="c", customer_id="p", channel=Channel.SMS, created_at=datetime(2026, 1, 1))


def test_blank_ids_are_refused() -> None:
    with pytest.raises(ValidationError, match="id: must not be empty"):
        Conversation(id=" ", customer_id="p", channel=Channel.SMS, created_at=NOW)


def test_identifier_namespaces() -> None:
    assert Identifier.handle("instagram", "1784").key == "handle:instagram:1784"
    assert Identifier.email("ada@example.com").key == "email:ada@example.com"
    assert Identifier.external("shopify:customer", "42").verified
    assert Identifier.phone("+14155550100").kind is IdentifierKind.PHONE
    with pytest.raises(ValidationError, match="takes no namespace"):
        Identifier(kind=IdentifierKind.EMAIL, value="a@b.c", namespace="x")


def test_only_public_outbound_human_agent_messages_are_replies() -> None:
    def msg(kind: AuthorKind, direction: Direction, public: bool = True) -> Message:
        return Message(
            id="m",
            channel=Channel.CHAT,
            direction=direction,
            author=Author(kind=kind),
            sent_at=NOW,
            public=public,
        )

    assert msg(AuthorKind.AGENT, Direction.OUTBOUND).is_public_human_reply
    assert not msg(AuthorKind.AGENT, Direction.OUTBOUND, public=False).is_public_human_reply
    assert not msg(AuthorKind.BOT, Direction.OUTBOUND).is_public_human_reply
    assert not msg(AuthorKind.AUTOMATION, Direction.OUTBOUND).is_public_human_reply
    assert not msg(AuthorKind.CUSTOMER, Direction.INBOUND).is_public_human_reply


def test_priority_rank_orders_urgency() -> None:
    assert sorted(Priority, key=lambda p: p.rank) == [
        Priority.LOW,
        Priority.NORMAL,
        Priority.HIGH,
        Priority.URGENT,
    ]


def test_survey_score_must_be_inside_its_scale() -> None:
    base = {"id": "s", "at": NOW, "customer_id": "p"}
    assert SurveyResponse(**base, survey=SurveyKind.NPS, scale_min=0, scale_max=10, score=0)
    with pytest.raises(ValidationError, match="score: 6 is outside the scale 1-5"):
        SurveyResponse(**base, survey=SurveyKind.CSAT, score=6)

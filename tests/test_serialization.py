"""Every public model type survives a trip through the converter and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import serde
from omnicx.errors import ValidationError
from omnicx.model import (
    EVENT_TYPES,
    Agent,
    Attachment,
    Author,
    Channel,
    Conversation,
    Customer,
    Event,
    Identifier,
    Message,
    MessageEvent,
    Queue,
    Team,
    ThreadRefs,
)
from omnicx.testing import strategies as oxs

ROUND_TRIPS: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (Agent, oxs.agents()),
    (Attachment, oxs.attachments()),
    (Author, oxs.authors()),
    (Conversation, oxs.conversations()),
    (Customer, oxs.customers()),
    (Identifier, oxs.identifiers()),
    (Message, oxs.messages()),
    (Queue, oxs.queues()),
    (Team, oxs.teams()),
    (ThreadRefs, oxs.thread_refs()),
]


@pytest.mark.parametrize(("cls", "strategy"), ROUND_TRIPS, ids=lambda v: getattr(v, "__name__", ""))
@given(data=st.data())
def test_model_round_trips_through_json(
    cls: type[Any], strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    value = data.draw(strategy)
    assert serde.from_json(cls, serde.to_json(value)) == value


@given(oxs.events())
def test_events_round_trip_with_their_tag(event: Any) -> None:
    wire = serde.event_to_dict(event)
    assert wire["type"] == event.TAG
    assert serde.event_from_dict(json.loads(json.dumps(wire))) == event
    # A concrete class structures its own tagged dict too.
    assert serde.from_dict(type(event), wire) == event


def test_every_event_kind_has_a_distinct_explicit_tag() -> None:
    tags = [cls.TAG for cls in EVENT_TYPES]
    # Every member of the Event union, each with its own tag.
    assert len(set(tags)) == len(tags) == len(get_args(Event))
    assert all("TAG" in vars(cls) for cls in EVENT_TYPES)  # each its own, none inherited
    assert set(serde.EVENT_TAGS) == set(tags)
    assert "message" in tags
    assert "status.changed" in tags
    assert "subscription" in tags


def test_datetimes_serialize_as_utc_iso_8601() -> None:
    berlin_summer = timezone(timedelta(hours=2))
    when = datetime(2026, 6, 1, 11, 30, tzinfo=berlin_summer)
    conv = Conversation(id="c1", customer_id="p1", channel=Channel.CHAT, created_at=when)
    assert serde.to_dict(conv)["created_at"] == "2026-06-01T09:30:00Z"


def test_sets_serialize_sorted_and_decimals_as_strings() -> None:
    customer = Customer(id="p1", lifetime_value=Decimal("120.50"))
    agent = Agent(id="a1", skills=frozenset({"refunds", "billing"}))
    assert serde.to_dict(customer)["lifetime_value"] == "120.50"
    assert serde.to_dict(agent)["skills"] == ["billing", "refunds"]


def test_naive_datetime_is_refused_naming_the_field() -> None:
    data = {"id": "c1", "customer_id": "p1", "channel": "sms", "created_at": "2026-01-01T10:00:00"}
    with pytest.raises(ValidationError) as caught:
        serde.from_dict(Conversation, data)
    assert (
        str(caught.value) == "created_at: naive datetime; add a UTC offset (e.g. 'Z' or '+02:00')"
    )
    assert caught.value.paths == ("created_at",)


def test_unknown_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValidationError) as caught:
        serde.from_dict(Customer, {"id": "p1", "nmae": "Ada"})
    assert str(caught.value) == "nmae: unknown field (did you mean 'name'?)"


def test_every_problem_is_reported_with_its_nested_path() -> None:
    data = {
        "type": "message",
        "id": "e1",
        "at": "2026-01-01T00:00:00Z",
        "customer_id": "p1",
        "message": {
            "id": "m1",
            "channel": "email",
            "direction": "inbond",
            "author": {"kind": "customer"},
            "sent_at": "yesterday",
            "attachments": [{"size": "big"}],
        },
    }
    with pytest.raises(ValidationError) as caught:
        serde.event_from_dict(data)
    assert set(caught.value.paths) == {
        "message.direction",
        "message.sent_at",
        "message.attachments[0].size",
    }
    assert (
        "message.direction: unknown value 'inbond' (did you mean 'inbound'?); "
        "expected one of: inbound, outbound"
    ) in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "p1", "vip": "yes"}, "vip: expected true or false, got str"),
        ({"id": 7}, "id: expected a string, got int"),
        ({"name": "Ada"}, "id: missing required field"),
        ({"id": "p1", "lifetime_value": "ten"}, "lifetime_value: invalid decimal 'ten'"),
        ({"id": "p1", "lifetime_value": "-3"}, "lifetime_value: must be >= 0, got -3"),
        (
            {"id": "p1", "attributes": []},
            "attributes: expected an object with string keys, got list",
        ),
        (
            {"id": "p1", "identifiers": [{"kind": "handle", "value": "ada"}]},
            "identifiers[0].namespace: a handle identifier needs a namespace "
            "(the network, e.g. 'instagram', or the system, e.g. 'shopify:customer')",
        ),
    ],
)
def test_wrong_values_get_precise_messages(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        serde.from_dict(Customer, data)
    assert str(caught.value) == message


def test_unknown_event_type_suggests_the_closest() -> None:
    with pytest.raises(ValidationError) as caught:
        serde.event_from_dict({"type": "nope"})
    assert str(caught.value).startswith(
        "type: unknown or missing event type 'nope' (did you mean 'note'?)"
    )


def test_concrete_event_refuses_a_foreign_tag() -> None:
    wire = {"type": "note", "id": "e", "at": "2026-01-01T00:00:00Z", "customer_id": "p"}
    with pytest.raises(ValidationError, match="type: expected 'message', got 'note'"):
        serde.from_dict(MessageEvent, wire)


def test_malformed_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="malformed JSON"):
        serde.from_json(Customer, "{not json")


def test_channel_names_are_checked_at_the_edge() -> None:
    with pytest.raises(ValidationError, match="channel: invalid channel name 'Bad Name'"):
        serde.from_dict(
            Conversation,
            {
                "id": "c",
                "customer_id": "p",
                "channel": "Bad Name",
                "created_at": "2026-01-01T00:00:00Z",
            },
        )


def test_datetime_objects_are_accepted_when_aware() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    wire = {"id": "c", "customer_id": "p", "channel": "sms", "created_at": when}
    assert serde.from_dict(Conversation, wire).created_at == when


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]),
    ),
    st.sampled_from([UTC, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]),
)
def test_an_instant_formats_the_same_whichever_zone_came_first(
    moment: datetime, other: ZoneInfo
) -> None:
    """Formatted instants are remembered; the same instant seen in another zone, even
    first, gives the same UTC string, and that string parses back to the instant."""
    expected = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert serde.to_dict(moment.astimezone(other)) == expected
    assert serde.to_dict(moment) == expected
    assert serde.from_dict(datetime, expected).timestamp() == moment.timestamp()


def test_the_two_readings_of_a_fall_back_hour_serialize_apart() -> None:
    """01:30 in New York on 2026-11-01 happens twice; the datetime cache keys on ``fold``."""
    from zoneinfo import ZoneInfo

    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second  # same zone: Python compares wall clocks
    assert serde.to_dict(first) == "2026-11-01T05:30:00Z"
    assert serde.to_dict(second) == "2026-11-01T06:30:00Z"

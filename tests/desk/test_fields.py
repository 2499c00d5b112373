"""Custom fields: the declared schema, agents setting fields, metrics grouping by them."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.cli._demo import _describe
from omnicx.desk import Desk, FieldSchema, FieldSpec, FieldType
from omnicx.desk._fields import checked_fields
from omnicx.errors import ValidationError
from omnicx.identity import email_identifier
from omnicx.metrics import compute_metrics
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    DetailsChanged,
    Direction,
    Message,
)
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied
from omnicx.routing import RuleEngine, apply_fields, load_rules
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEMA = FieldSchema.from_data(
    {
        "plan": {"type": "choice", "choices": ["free", "pro"], "description": "billing plan"},
        "seats": "int",
        "ratio": {"type": "float"},
        "vip_case": "bool",
        "topic": "string",
    }
)


def _received(n: int, who: str = "ada@example.com") -> MessageReceived:
    message = Message(
        id=f"email:m{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0 + timedelta(minutes=n),
        text="hello", external_id=f"m{n}",
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(who),))


def _desk(**extra: object) -> Desk:
    return Desk(store=MemoryStore(), clock=FixedClock(T0 + timedelta(hours=1)), **extra)  # type: ignore[arg-type]


def test_a_schema_from_data_declares_typed_fields() -> None:
    """Type names or objects; a choice keeps its allowed values."""
    assert SCHEMA.specs["plan"] == FieldSpec(
        name="plan", type=FieldType.CHOICE, choices={"free", "pro"}, description="billing plan"
    )
    assert SCHEMA.specs["seats"].type is FieldType.INT
    assert SCHEMA.problems({"plan": "pro", "seats": 3, "ratio": 2, "vip_case": False}) == []
    assert SCHEMA.problems({"topic": None}) == []  # None clears any field


@pytest.mark.parametrize(
    ("values", "path", "message"),
    [
        ({"seats": True}, "fields.seats", "expected a whole number, got bool"),
        ({"seats": 1.5}, "fields.seats", "expected a whole number, got float"),
        ({"ratio": "1"}, "fields.ratio", "expected a number, got str"),
        ({"ratio": True}, "fields.ratio", "expected a number, got bool"),
        ({"vip_case": 1}, "fields.vip_case", "expected true or false, got int"),
        ({"topic": 3}, "fields.topic", "expected a string, got int"),
        ({"plan": "fre"}, "fields.plan", "'fre' is not one of free, pro (did you mean 'free'?)"),
        ({"plan": 2}, "fields.plan", "2 is not one of free, pro"),
        ({"seets": 2}, "fields.seets", "unknown field 'seets' (did you mean 'seats'?)"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_their_path(
    values: dict[str, object], path: str, message: str
) -> None:
    """Each wrong value is named by its field's path and says what was expected."""
    with pytest.raises(ValidationError) as caught:
        checked_fields(values, SCHEMA)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert message in problem.message


def test_without_a_schema_any_json_scalar_is_allowed() -> None:
    """Strings, numbers, booleans and null pass; containers and non-finite numbers do not."""
    assert checked_fields({"a": "x", "b": 1, "c": 1.5, "d": True, "e": None}, None)["b"] == 1
    with pytest.raises(ValidationError) as caught:
        checked_fields({"a": [1], "b": math.nan, "": 1, "ok": 1}, None)
    assert [p.path for p in caught.value.problems] == ["fields.a", "fields.b", "fields"]
    with pytest.raises(ValidationError, match="expected an object"):
        checked_fields([("a", 1)], None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not a finite number"):
        checked_fields({"ratio": math.inf}, SCHEMA)
    # A rule file in YAML can hold .inf: a desk refuses it, with or without a schema.
    inf = RuleEngine.compile(load_rules("rules: [{id: x, then: {set_fields: {ratio: .inf}}}]",
                                        format="yaml"))  # fmt: skip
    with pytest.raises(ValidationError, match=r"rules\[0\]\.then\.set_fields\.ratio: inf is not"):
        _desk(rules=inf)
    (problem,) = SCHEMA.problems({"ratio": math.inf}, "rules[0].then.set_fields")
    assert problem.path == "rules[0].then.set_fields.ratio"
    assert "not a finite number" in problem.message


def test_schema_data_errors_carry_paths() -> None:
    """Every problem at once, each at the field's path."""
    with pytest.raises(ValidationError) as caught:
        FieldSchema.from_data(
            {
                "plan": {"type": "choice"},
                "seats": {"type": "integer", "choices": "x", "size": 1, "description": 3},
                "topic": {"type": "string", "choices": ["a"]},
                "bad": 3,
                "": "string",
            }
        )
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        "plan.choices", "seats.size", "seats.type", "seats.choices", "seats.description",
        "topic.choices", "bad", "",
    ]  # fmt: skip
    messages = {p.path: p.message for p in caught.value.problems}
    assert "needs choices" in messages["plan.choices"]
    assert "did you mean 'int'?" in messages["seats.type"]
    assert "takes no choices" in messages["topic.choices"]
    with pytest.raises(ValidationError, match="expected an object"):
        FieldSchema.from_data(["plan"])


def test_schemas_load_from_json_yaml_and_files(tmp_path: Path) -> None:
    """Text in JSON (default) or YAML, a file by its suffix, or a mapping."""
    assert FieldSchema.load('{"seats": "int"}').specs["seats"].type is FieldType.INT
    assert FieldSchema.load("seats: int\n", format="yaml").specs.keys() == {"seats"}
    path = tmp_path / "fields.yml"
    path.write_text("plan: {type: choice, choices: [free, pro]}\n", encoding="utf-8")
    assert FieldSchema.load(path).specs["plan"].choices == {"free", "pro"}
    assert FieldSchema.load({"x": "bool"}).specs["x"].type is FieldType.BOOL
    with pytest.raises(ValidationError, match="invalid JSON"):
        FieldSchema.load("{")


def test_a_schema_of_specs_refuses_a_name_twice() -> None:
    """FieldSchema.of builds from specs; a repeated name is an error."""
    spec = FieldSpec(name="seats", type=FieldType.INT)
    assert FieldSchema.of(spec).specs == {"seats": spec}
    with pytest.raises(ValidationError, match="declared twice"):
        FieldSchema.of(spec, spec)
    with pytest.raises(ValidationError, match="keyed 'count' but named 'seats'"):
        FieldSchema({"count": spec})


def test_an_agent_sets_and_clears_fields_on_the_timeline() -> None:
    """Desk.set_fields: stored, on the receipt, one DetailsChanged by the agent; None clears."""
    desk = _desk(fields=SCHEMA)
    conversation_id = desk.receive(_received(1)).conversation_id
    receipt = desk.set_fields(conversation_id, {"plan": "pro", "seats": 4}, actor_id="ann")
    assert receipt.fields == {"plan": "pro", "seats": 4}
    receipt = desk.set_fields(conversation_id, {"seats": None, "vip_case": True}, actor_id="ann")
    assert receipt.fields == {"plan": "pro", "vip_case": True}
    assert desk.conversation(conversation_id).conversation.fields == receipt.fields
    changes = [e for e in desk.timeline(receipt.customer_id) if isinstance(e, DetailsChanged)]
    assert [dict(e.fields) for e in changes] == [
        {"plan": "pro", "seats": 4},
        {"seats": None, "vip_case": True},
    ]
    assert changes[0].actor == Author(kind=AuthorKind.AGENT, id="ann")
    assert (changes[0].skills, changes[0].language, changes[0].sla_policy) == (None, None, None)
    assert _describe(changes[1]) == "details seats=None, vip_case=True"
    # Setting what is already there records nothing.
    version = receipt.conversation_version
    again = desk.set_fields(conversation_id, {"plan": "pro"}, actor_id="ann")
    assert (
        len([e for e in desk.timeline(receipt.customer_id) if isinstance(e, DetailsChanged)]) == 2
    )
    assert again.conversation_version == version + 1


def test_a_refused_set_fields_records_nothing() -> None:
    """A wrong value fails before anything is read or written; a retry by request id is idempotent."""
    desk = _desk(fields=SCHEMA)
    conversation_id = desk.receive(_received(1)).conversation_id
    before = desk.conversation(conversation_id)
    with pytest.raises(ValidationError, match=r"fields\.seats: expected a whole number"):
        desk.set_fields(conversation_id, {"plan": "pro", "seats": "4"}, actor_id="ann")
    assert desk.conversation(conversation_id) == before
    first = desk.set_fields(conversation_id, {"plan": "pro"}, actor_id="ann", request_id="r1")
    replay = desk.set_fields(conversation_id, {"plan": "free"}, actor_id="ann", request_id="r1")
    assert replay.replayed
    assert replay.fields == first.fields == {"plan": "pro"}


def test_setting_fields_is_the_edit_fields_action() -> None:
    """Agents may; a read-only seat may not."""
    actors = {
        "ann": Actor(id="ann", role=BUILTIN_ROLES["agent"]),
        "rex": Actor(id="rex", role=BUILTIN_ROLES["read_only"]),
    }
    desk = _desk(actors=actors)
    conversation_id = desk.receive(_received(1)).conversation_id
    assert desk.set_fields(conversation_id, {"x": 1}, actor_id="ann").fields == {"x": 1}
    with pytest.raises(PermissionDenied, match="edit_fields"):
        desk.set_fields(conversation_id, {"x": 2}, actor_id="rex")


def test_the_desk_refuses_something_else_as_its_schema() -> None:
    """Desk.fields takes a FieldSchema, and says how to build one."""
    with pytest.raises(ValidationError, match=r"Desk\.fields: expected a FieldSchema"):
        _desk(fields={"plan": "string"})


def test_metrics_group_by_a_custom_field() -> None:
    """attr.<name> breaks metrics down by a field; booleans read true/false; cleared is none."""
    desk = _desk()
    first = desk.receive(_received(1, "ada@example.com"))
    second = desk.receive(_received(2, "bob@example.com"))
    third = desk.receive(_received(3, "cy@example.com"))
    desk.set_fields(first.conversation_id, {"plan": "pro", "vip_case": True}, actor_id="ann")
    desk.set_fields(second.conversation_id, {"plan": "free"}, actor_id="ann")
    desk.set_fields(third.conversation_id, {"plan": "free"}, actor_id="ann")
    desk.set_fields(third.conversation_id, {"plan": None}, actor_id="ann")
    events = [e for r in (first, second, third) for e in desk.timeline(r.customer_id)]
    report = compute_metrics(events, now=T0 + timedelta(hours=2), by=("attr.plan",))
    assert {key: group.conversations for key, group in report.groups.items()} == {
        ("pro",): 1, ("free",): 1, ("(none)",): 1,
    }  # fmt: skip
    report = compute_metrics(events, now=T0 + timedelta(hours=2), by=("attr.vip_case",))
    assert set(report.groups) == {("true",), ("(none)",)}


def test_apply_fields_compares_values_with_their_type() -> None:
    """1 and True are different values; an equal value changes nothing (the same mapping)."""
    current = {"a": 1}
    assert apply_fields(current, {"a": 1}) is current
    assert apply_fields(current, {"a": True}) == {"a": True}
    assert apply_fields(current, {"b": None}) is current
    assert apply_fields(current, {"a": None}) == {}

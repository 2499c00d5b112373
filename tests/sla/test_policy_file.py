"""``load_policies``: SLA policies and calendars from a file, validated like a rule file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import Channel, Priority, Status
from omnicx.sla import (
    ALWAYS_OPEN,
    DEFAULT_PAUSES,
    NO_PAUSES,
    BusinessCalendar,
    Escalation,
    Match,
    Metric,
    Policy,
    SlaEngine,
    SlaFacts,
    Target,
    load_calendar,
    load_policies,
)

YAML = """
calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {monday: ["09:00-17:00"], friday: ["09:00-15:30"]}
policies:
  - name: vip-email
    version: 3
    when: {channel: email, tags: [vip]}
    calendar: berlin
    targets:
      first_reply: {time: 1h, warn_percent: 80}
      resolution: {urgent: {time: 8h, business: false}, normal: 2d}
    pauses: none
    escalations:
      - {percent: 80, action: notify_lead}
      - {percent: 100, action: raise_priority, metrics: [first_reply]}
  - name: chat
    when: {channel: [chat, line], priority: [high, urgent], queue: billing}
    targets: {first_reply: 90, next_reply: "1h 30m"}
    pauses: {agent_work: [pending]}
default:
  name: standard
  calendar: {timezone: UTC, hours: {monday: ["08:00-18:00"]}}
  targets: {first_reply: 8h}
channels: [line]
breach_on_reply: true
"""


def test_a_yaml_file_gives_the_engine_built_in_code(tmp_path: Path) -> None:
    """Every field of the file lands where the Python API puts it."""
    path = tmp_path / "sla.yaml"
    path.write_text(YAML, encoding="utf-8")
    engine = load_policies(path)
    berlin = load_calendar(
        {
            "timezone": "Europe/Berlin",
            "hours": {"monday": ["09:00-17:00"], "friday": ["09:00-15:30"]},
        }
    )
    hour = 3600
    vip = Policy(
        name="vip-email",
        version=3,
        when=Match(channel={Channel.EMAIL}, tags={"vip"}),
        calendar=berlin,
        targets={
            Metric.FIRST_REPLY: {p: Target(seconds=hour, warn_percent=80) for p in Priority},
            Metric.RESOLUTION: {
                Priority.URGENT: Target(seconds=8 * hour, business=False),
                Priority.NORMAL: Target(seconds=48 * hour),
            },
        },
        pauses=NO_PAUSES,
        escalations=(
            Escalation(percent=80, action="notify_lead"),
            Escalation(
                percent=100, action="raise_priority", metrics=frozenset({Metric.FIRST_REPLY})
            ),
        ),
    )
    assert engine.policies[0] == vip
    chat = engine.policies[1]
    assert chat.when == Match(
        channel={Channel.CHAT, Channel("line")},
        priority={Priority.HIGH, Priority.URGENT},
        queue={"billing"},
    )
    assert chat.calendar is ALWAYS_OPEN
    assert chat.target(Metric.FIRST_REPLY, Priority.LOW) == Target(seconds=90)
    assert chat.target(Metric.NEXT_REPLY, Priority.URGENT) == Target(seconds=5400)
    assert chat.pauses == {Metric.AGENT_WORK: frozenset({Status.PENDING})}
    assert engine.default is not None
    assert engine.default.name == "standard"
    assert isinstance(engine.default.calendar, BusinessCalendar)
    assert engine.default.pauses == DEFAULT_PAUSES
    assert engine.breach_on_reply
    assert not engine.bot_reply_clears
    assert engine.select(SlaFacts(channel=Channel.SMS)) is engine.default
    assert engine.policy_names == ("vip-email", "chat", "standard")


def test_json_toml_and_parsed_data_load_alike(tmp_path: Path) -> None:
    """The same document as JSON text, a .json or .toml file, or a dict: one engine."""
    data = {
        "policies": [{"name": "all", "targets": {"first_reply": "4h", "resolution": "3d"}}],
    }
    (tmp_path / "sla.json").write_text(json.dumps(data), encoding="utf-8")
    toml = '[[policies]]\nname = "all"\ntargets = { first_reply = "4h", resolution = "3d" }\n'
    (tmp_path / "sla.toml").write_text(toml, encoding="utf-8")
    engines = [
        load_policies(data),
        load_policies(json.dumps(data)),
        load_policies(tmp_path / "sla.json"),
        load_policies(tmp_path / "sla.toml"),
    ]
    assert all(engine == engines[0] for engine in engines)
    assert engines[0] == SlaEngine(
        policies=[
            Policy(
                name="all",
                targets={
                    Metric.FIRST_REPLY: dict.fromkeys(Priority, Target(seconds=4 * 3600)),
                    Metric.RESOLUTION: dict.fromkeys(Priority, Target(seconds=3 * 86400)),
                },
            )
        ]
    )


BAD = """
calendars:
  berlin: {timezone: Europe/Berln, hours: {mondy: ["09:00-17:00"]}}
policy: []
policies:
  - name: vip
    when: {channel: emial, priority: [urgnt], foo: 1}
    calendar: berlinn
    targets:
      first_reply: 90x
      resolutoin: 1h
      next_reply: {urgent: {time: 1h, warn_percent: 120}, hgh: 1h}
      agent_work: {business: false}
    pauses: {agent_work: [pendng]}
    escalations: [{percent: 0}]
  - name: chat
  - {name: chat, version: 0}
  - just a name
default: {name: fallback, when: {}}
breach_on_reply: yes please
"""


def test_every_problem_of_a_bad_file_at_once_with_its_path(tmp_path: Path) -> None:
    """Each problem names its path in the file and what to write instead."""
    path = tmp_path / "sla.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ValidationError) as raised:
        load_policies(path)
    problems = {p.path: p.message for p in raised.value.problems}
    assert problems == {
        "policy": "unknown key (did you mean 'policies'?); use one of policies, default, "
        "calendars, channels, breach_on_reply, bot_reply_clears",
        "calendars.berlin.timezone": "unknown time zone 'Europe/Berln' (did you mean "
        "'Europe/Berlin'?)",
        "calendars.berlin.hours.mondy": "unknown weekday (did you mean 'monday'?)",
        "policies[0].when.foo": "unknown key; use one of channel, priority, queue, tags, customer",
        "policies[0].when.channel": "unknown 'emial' (did you mean 'email'?); use one of chat, "
        "email, facebook, instagram, messenger, sms, voice, web_form, whatsapp, x",
        "policies[0].when.priority[0]": "unknown 'urgnt' (did you mean 'urgent'?); use one of "
        "low, normal, high, urgent",
        "policies[0].calendar": "unknown calendar 'berlinn' (did you mean 'berlin'?); declare "
        "it under calendars (known: berlin)",
        "policies[0].targets.first_reply": "'90x' is not a duration like '1h 30m', '45m', '2d' "
        "or a number of seconds",
        "policies[0].targets.resolutoin": "unknown metric (did you mean 'resolution'?); use one "
        "of first_reply, next_reply, periodic_update, pausable_update, requester_wait, "
        "agent_work, resolution",
        "policies[0].targets.next_reply.urgent.warn_percent": "120 is not a whole percent from "
        "1 to 99",
        "policies[0].targets.next_reply.hgh": "unknown priority (did you mean 'high'?); use one "
        "of low, normal, high, urgent (or one target for all)",
        "policies[0].targets.agent_work.time": "required: the target's duration, like '4h'",
        "policies[0].pauses.agent_work[0]": "unknown 'pendng' (did you mean 'pending'?); use one "
        "of new, open, pending, on_hold, solved, closed",
        "policies[0].escalations[0].percent": "0 is not a whole percent of 1 or more (100 is "
        "the breach)",
        "policies[0].escalations[0].action": "required: what to do, like 'notify:lead'",
        "policies[2].name": "'chat' is also the name of policies[1]; give each policy its own name",
        "policies[2].version": "0 is not a whole number of 1 or more",
        "policies[3]": "must be a policy (name, targets, ...), not 'just a name'",
        "default.when": "the default policy applies when no policy matches, so it has no "
        "condition: remove 'when' (or add it to policies)",
        "breach_on_reply": "must be true or false",
    }


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([], "", "expected a policy file (a mapping with 'policies'), not a list"),
        ({}, "policies", "required: a list of policies, not empty"),
        ({"policies": [{}]}, "policies[0].name", "required: the policy's name, like 'vip-email'"),
        (
            {"policies": [{"name": "p", "targets": {"first_reply": -5}}]},
            "policies[0].targets.first_reply",
            "-5 is negative; a target is a time of 0 seconds or more",
        ),
        (
            {"policies": [{"name": "p", "targets": {"first_reply": True}}]},
            "policies[0].targets.first_reply",
            "True is not a duration like '1h 30m', '45m', '2d' or a number of seconds",
        ),
        (
            {
                "policies": [
                    {"name": "p", "targets": {"first_reply": {"time": "1h", "business": 1}}}
                ]
            },
            "policies[0].targets.first_reply.business",
            "must be true (business hours) or false (calendar time)",
        ),
        (
            {"policies": [{"name": "p", "when": {"customer": {"vip": [{"a": 1}]}}}]},
            "policies[0].when.customer.vip",
            "must be a value or a list of plain values",
        ),
        (
            {"policies": [{"name": "p", "pauses": "sometimes"}]},
            "policies[0].pauses",
            "must be 'default', 'none' or a mapping of metric to statuses, not 'sometimes'",
        ),
        (
            {"policies": [{"name": "p", "when": {"tags": [""]}}]},
            "policies[0].when.tags[0]",
            "must be a non-empty name, not ''",
        ),
    ],
)
def test_one_wrong_field(data: object, path: str, message: str) -> None:
    """Each kind of mistake, alone, with its path and its fix."""
    with pytest.raises(ValidationError) as raised:
        load_policies(data)  # type: ignore[arg-type]
    assert [(p.path, p.message) for p in raised.value.problems] == [(path, message)]


def test_unreadable_and_unparsable_files(tmp_path: Path) -> None:
    """A missing file, a file that is not text or not YAML, an unknown suffix: one problem."""
    with pytest.raises(ValidationError, match="can't read the file"):
        load_policies(tmp_path / "missing.yaml")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValidationError, match="not UTF-8 text"):
        load_policies(tmp_path / "binary.yaml")
    (tmp_path / "broken.yaml").write_text("policies: [\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="invalid YAML at line"):
        load_policies(tmp_path / "broken.yaml")
    (tmp_path / "sla.txt").write_text("{}", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"unknown file type; name it \.yaml"):
        load_policies(tmp_path / "sla.txt")


_WORDS = st.sampled_from(
    [
        "policies",
        "default",
        "calendars",
        "channels",
        "name",
        "version",
        "when",
        "calendar",
        "targets",
        "pauses",
        "escalations",
        "time",
        "business",
        "warn_percent",
        "percent",
        "action",
        "metrics",
        "channel",
        "priority",
        "queue",
        "tags",
        "customer",
        "timezone",
        "hours",
        "first_reply",
        "urgent",
        "monday",
        "email",
        "pending",
        "1h",
        "breach_on_reply",
    ]
)
_ANY = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=False) | _WORDS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_WORDS | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.dictionaries(_WORDS, _ANY, max_size=4))
def test_any_document_loads_or_says_what_is_wrong(data: dict[str, object]) -> None:
    """Whatever the document holds, the loader returns an engine or raises ValidationError."""
    try:
        engine: object = load_policies(data)
    except ValidationError as error:
        engine = error
    assert isinstance(engine, SlaEngine | ValidationError)

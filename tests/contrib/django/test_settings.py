"""The OMNICX setting: each key loads, every mistake is reported at its path, get_desk follows it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import omnicx_host as host
import pytest
from django.core.checks import run_checks
from django.test import override_settings

from omnicx.contrib.django.checks import SETTINGS_ERROR
from omnicx.contrib.django.conf import import_path, load_settings
from omnicx.contrib.django.desk import get_desk, get_settings, reset
from omnicx.errors import ValidationError
from omnicx.privacy import Action, PermissionDenied, Resource, ResourceKind


@pytest.fixture(autouse=True)
def omnicx(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """OMNICX on this test's database."""
    settings.OMNICX = host.omnicx_setting(tmp_path)
    return settings.OMNICX  # type: ignore[no-any-return]


def problems(raw: Any, environ: dict[str, str] | None = None) -> list[str]:
    """The problem lines ``load_settings`` reports for ``raw``."""
    with pytest.raises(ValidationError) as caught:
        load_settings(raw, environ or {})
    return [str(p) for p in caught.value.problems]


def test_every_key_loads_into_the_desk(tmp_path: Path) -> None:
    """Each documented key reaches the Desk it configures."""
    calendar = tmp_path / "london.toml"
    calendar.write_text('timezone = "Europe/London"\n[hours]\nmon = ["09:00-17:00"]\n')
    raw = host.omnicx_setting(
        tmp_path,
        CALENDARS={"london": str(calendar)},
        THREADING={"continuity_hours": 6},
        IDENTITY={"max_names_per_identifier": 5},
        REDACTION={"*": {"emails": False}},
        ACTORS={"a7": {"role": "agent", "queues": ["billing"]}, "boss": {"role": "admin"}},
        EMAIL={"from_address": "support@shop.example", "domain": "shop.example"},
        CSAT_TEMPLATE=None,
        AUTO_SOLVE_AFTER=3600,
        SLA="omnicx.desk._demo.demo_sla",
        RULES={"rules": [{"id": "all", "then": {"queue": "general"}}]},
    )
    with override_settings(OMNICX=raw):
        desk = get_desk()
        assert desk.threading.continuity_hours == 6
        assert desk.identity.max_names_per_identifier == 5
        assert desk.redaction["*"].emails is False
        assert desk.email is not None
        assert desk.email.domain == "shop.example"
        assert desk.csat_template is None
        assert desk.auto_solve_after is not None
        assert desk.auto_solve_after.seconds == 3600
        assert desk.sla is not None
        assert desk.rules is not None
        assert desk.actors is not None
        assert desk.actors["a7"].queues == {"billing"}
        with pytest.raises(PermissionDenied):
            desk.check("a7", Action.ERASE, Resource(kind=ResourceKind.CUSTOMER, id="p1"))


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``<secret>_env`` names the variable; the adapter gets its value, never shown in repr."""
    raw = {"STORE": "omnicx_host.store", "CHANNELS": {"webchat": {"secret_env": "CHAT_KEY"}}}
    loaded = load_settings(raw, {"CHAT_KEY": "s3cret"})
    assert loaded.channels.webchat is not None
    assert loaded.channels.webchat.secret == "s3cret"
    assert "s3cret" not in repr(loaded)
    assert problems(raw) == [
        "OMNICX.CHANNELS.webchat.secret_env: the environment variable CHAT_KEY is not set; "
        "export it before starting"
    ]


def test_every_mistake_is_reported_at_its_path(tmp_path: Path) -> None:
    """All problems at once, each with its path and, for typos, a suggestion."""
    raw = {
        "STORE": "omnicx_host.no_such_factory",
        "RULSE": "x",
        "CHANNELS": {
            "whatsap": {},
            "whatsapp": {"app_secret": "s"},
            "twilio": {"account_sid": "AC", "auth_token": "t", "regoin": "ie1"},
            "shopify": {},
        },
        "ACTORS": {"a1": {"role": "agnet"}},
        "AUTO_SOLVE_AFTER": -1,
        "THREADING": {"continuity_hours": "soon"},
    }
    found = problems(raw)
    assert "OMNICX.RULSE: unknown key (did you mean 'RULES'?)" in found
    assert "OMNICX.CHANNELS.whatsap: unknown channel (did you mean 'whatsapp'?)" in found
    assert "OMNICX.CHANNELS.whatsapp.phone_number_id: required" in found
    assert "OMNICX.CHANNELS.twilio.regoin: unknown key (did you mean 'region'?)" in found
    assert (
        "OMNICX.CHANNELS.shopify.secret_env: required: the environment variable holding it" in found
    )
    assert "OMNICX.ACTORS.a1.role: unknown role (did you mean 'agent'?)" in found
    assert "OMNICX.AUTO_SOLVE_AFTER: expected a number of seconds above 0 or a timedelta" in found
    assert any(p.startswith("OMNICX.STORE: 'omnicx_host.no_such_factory'") for p in found)
    assert any(p.startswith("OMNICX.THREADING") for p in found)


MISTAKES = [
    (
        "erased policy misspelt",
        {"ERASED": "refuze"},
        ["OMNICX.ERASED: expected one of fresh, refuse (did you mean 'refuse'?)"],
    ),
    (
        "not callable",
        {"SENDER": "omnicx_host.SECRETS"},
        ["OMNICX.SENDER: 'omnicx_host.SECRETS' is not callable"],
    ),
    (
        "store not a path",
        {"STORE": 3},
        ["OMNICX.STORE: expected a dotted path or a callable, got int"],
    ),
    (
        "calendars not a mapping",
        {"CALENDARS": ["x"]},
        ["OMNICX.CALENDARS: expected a mapping of name -> calendar file or mapping"],
    ),
    (
        "calendar of a wrong type",
        {"CALENDARS": {"eu": 3}},
        ["OMNICX.CALENDARS.eu: expected a file path or a mapping, got int"],
    ),
    (
        "calendar file missing",
        {"CALENDARS": {"eu": "nowhere.toml"}},
        ["OMNICX.CALENDARS.eu: nowhere.toml: can't read the file (No such file or directory)"],
    ),
    (
        "calendar data wrong",
        {"CALENDARS": {"eu": {"timezone": "Mars/Olympus", "hours": {}}}},
        [
            "OMNICX.CALENDARS.eu.timezone: unknown time zone 'Mars/Olympus'",
            "OMNICX.CALENDARS.eu.hours: a calendar needs at least one opening in its week",
        ],
    ),
    (
        "rules of a wrong type",
        {"RULES": 3},
        ["OMNICX.RULES: expected a rule file path or a mapping, got int"],
    ),
    (
        "secret env not a name",
        {"CHANNELS": {"webchat": {"secret_env": ""}}},
        ["OMNICX.CHANNELS.webchat.secret_env: expected the name of an environment variable"],
    ),
    (
        "secret not a string",
        {"CHANNELS": {"webchat": {"secret": 5}}},
        ["OMNICX.CHANNELS.webchat.secret: expected a non-empty string"],
    ),
    (
        "channels not a mapping",
        {"CHANNELS": ["whatsapp"]},
        ["OMNICX.CHANNELS: expected a mapping of channel name -> its settings"],
    ),
    (
        "channel not a mapping",
        {"CHANNELS": {"whatsapp": "yes"}},
        ["OMNICX.CHANNELS.whatsapp: expected a mapping of settings"],
    ),
    (
        "adapter refuses a value",
        {"CHANNELS": {"stripe": {"secret": "s", "tolerance_seconds": "x"}}},
        ["OMNICX.CHANNELS.stripe.tolerance_seconds: expected a whole number of seconds above 0"],
    ),
    (
        "policy of a wrong type",
        {"IDENTITY": 3},
        ["OMNICX.IDENTITY: expected a mapping of fields or a IdentityPolicy instance, got int"],
    ),
    (
        "policy with an unknown field",
        {"IDENTITY": {"max_names": 3}},
        ["OMNICX.IDENTITY.max_names: unknown field"],
    ),
    (
        "actors not a mapping",
        {"ACTORS": ["a"]},
        ["OMNICX.ACTORS: expected a mapping of actor id -> {role, queues}"],
    ),
    (
        "actor without a role",
        {"ACTORS": {"a": {"queues": []}}},
        ['OMNICX.ACTORS.a: expected {"role": NAME, "queues": [...]} (queues optional)'],
    ),
    (
        "roles not a mapping",
        {"ROLES": ["x"]},
        ["OMNICX.ROLES: expected a mapping of role name -> role (docs/privacy.md)"],
    ),
    (
        "roles wrong",
        {"ROLES": {"billing": {"extends": "agnet"}}},
        ["OMNICX.ROLES.billing.extends: unknown role 'agnet' (did you mean 'agent'?)"],
    ),
    (
        "redaction not a mapping",
        {"REDACTION": ["*"]},
        ['OMNICX.REDACTION: expected a mapping of channel name (or "*") -> policy'],
    ),
    (
        "redaction wrong",
        {"REDACTION": {"*": {"cards": "yes"}}},
        ["OMNICX.REDACTION.*.cards: must be true or false"],
    ),
    (
        "sla factory returns junk",
        {"SLA": "omnicx_host.channels"},
        ["OMNICX.SLA: the factory returned dict, not an SlaEngine"],
    ),
    (
        "csat template not a string",
        {"CSAT_TEMPLATE": 3},
        ["OMNICX.CSAT_TEMPLATE: expected a template name or None"],
    ),
]


@pytest.mark.parametrize(("name", "raw", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_has_its_message(name: str, raw: dict[str, Any], expected: list[str]) -> None:
    """Every kind of wrong value: the exact lines, nothing half-loaded."""
    assert problems({"STORE": "omnicx_host.store", **raw}) == expected


def test_a_bad_rule_file_keeps_its_own_paths(tmp_path: Path) -> None:
    """The rule loader's paths inside the file, under the file's name."""
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: a\n    when: {field: message.text, op: contain, value: x}\n"
                     "    then: {queue: q}\n")  # fmt: skip
    (line,) = problems({"STORE": "omnicx_host.store", "RULES": str(rules)})
    assert line.startswith(f"OMNICX.RULES({rules}).rules[0].when.op: unknown operator 'contain'")
    missing = tmp_path / "missing.yaml"
    assert problems({"STORE": "omnicx_host.store", "RULES": str(missing)}) == [
        f"OMNICX.RULES: {missing}: can't read the rule file (No such file or directory)"
    ]


def test_the_system_check_reports_problems_at_startup(settings: Any, tmp_path: Path) -> None:
    """``manage.py check`` lists each problem as omnicx.E001; a good setting gives none."""
    assert [m for m in run_checks() if m.id == SETTINGS_ERROR] == []
    settings.OMNICX = {**settings.OMNICX, "CHANNELS": {"stripe": {"secret_env": "NO_SUCH_VAR"}}}
    (message,) = [m for m in run_checks() if m.id == SETTINGS_ERROR]
    assert message.msg == (
        "OMNICX.CHANNELS.stripe.secret_env: the environment variable NO_SUCH_VAR is not set; "
        "export it before starting"
    )
    assert message.is_serious()


def test_the_system_check_cross_checks_rules_and_sla(settings: Any) -> None:
    """Rules naming an SLA policy the engine lacks: the desk's own error, at the rule's path."""
    settings.OMNICX = {**settings.OMNICX, "SLA": "omnicx.desk._demo.demo_sla"}
    messages = [m.msg for m in run_checks() if m.id == SETTINGS_ERROR]
    assert messages
    assert all(".then.sla_policy" in m for m in messages)


def test_get_desk_is_one_per_thread_and_rebuilt_when_settings_change(settings: Any) -> None:
    """The same desk within a thread; another thread's own; a new one after OMNICX changes."""
    desk = get_desk()
    assert get_desk() is desk
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(get_desk()))
    thread.start()
    thread.join()
    assert other[0] is not desk
    settings.OMNICX = {**settings.OMNICX, "CSAT_TEMPLATE": "survey"}
    rebuilt = get_desk()
    assert rebuilt is not desk
    assert rebuilt.csat_template == "survey"
    assert get_settings().csat_template == "survey"
    reset()
    assert get_desk() is not rebuilt


def test_a_wrong_setting_fails_get_desk_with_the_same_problems(settings: Any) -> None:
    """get_desk raises what the check reports."""
    settings.OMNICX = {"STORE": "omnicx_host.store", "CLOCK": 3}
    with pytest.raises(ValidationError) as caught:
        get_desk()
    assert str(caught.value) == "OMNICX.CLOCK: expected a dotted path or a callable, got int"


def test_import_path_reaches_attributes_of_attributes() -> None:
    """A Celery task's ``delay`` is named as ``module.task.delay``."""
    assert import_path("omnicx_host.FlakyStore.commit") is host.FlakyStore.commit
    with pytest.raises(ImportError):
        import_path("omnicx_host.nothing.here")
    with pytest.raises(ImportError):
        import_path("nomodule")


def test_the_setting_itself_must_be_a_dict(tmp_path: Path) -> None:
    """Not a dict at all; a calendar file that is not a calendar document."""
    assert problems([]) == ["OMNICX: expected a dict, got list"]
    listed = tmp_path / "eu.json"
    listed.write_text("[1]")
    broken = tmp_path / "us.json"
    broken.write_text("{")
    found = problems({"STORE": "omnicx_host.store",
                      "CALENDARS": {"eu": str(listed), "us": str(broken)}})  # fmt: skip
    assert found[0] == f"OMNICX.CALENDARS.eu: {listed}: expected a mapping at the top of the file"
    assert found[1].startswith(f"OMNICX.CALENDARS.us({broken})")
    assert len(found) == 2

"""One load reports every problem: reachability, duplicates, declared names, channels, languages."""

from __future__ import annotations

from typing import Any

import pytest

from omnicx.errors import ValidationError
from omnicx.routing import load_rules

UNREACHABLE = "always matches and stops evaluation; give rules[{i}] a 'when' or move it last"


def _problems(data: Any, **known: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_rules(data, **known)
    return [str(p) for p in info.value.problems]


def _when(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def test_an_unreachable_rule_is_reported_next_to_other_errors() -> None:
    """A catch-all hides later rules even when another rule has its own mistake."""
    data = {
        "rules": [
            {"id": "a", "when": _when("mesage.text", "eq", "x"), "then": {"queue": "q"}},
            {"id": "all", "then": {"queue": "general"}},
            {"id": "late", "when": _when("channel", "eq", "sms"), "then": {"queue": "sms"}},
        ]
    }
    assert _problems(data) == [
        "rules[0].when.field: unknown field 'mesage.text' (did you mean 'message.text'?)",
        f"rules[2]: unreachable: rules[1] ('all') {UNREACHABLE.format(i=1)}",
    ]


def test_an_invalid_catch_all_still_hides_the_rules_after_it() -> None:
    """The catch-all's own mistake and the rules it hides are both reported."""
    data = {
        "rules": [
            {"id": "all", "then": {"priority": "hihg"}},
            {"id": "b", "then": {"queue": "b"}},
        ]
    }
    assert _problems(data) == [
        "rules[0].then.priority: unknown priority 'hihg' (did you mean 'high'?)",
        f"rules[1]: unreachable: rules[0] ('all') {UNREACHABLE.format(i=0)}",
    ]


def test_an_unknown_mode_reports_no_guess_about_reachability() -> None:
    """With the mode misspelt, which rules are reachable is unknown: only the mode is reported."""
    data = {
        "mode": "acumulate",
        "rules": [{"id": "a", "then": {"queue": "a"}}, {"id": "b", "then": {"queue": "b"}}],
    }
    assert _problems(data) == ["mode: unknown mode 'acumulate' (did you mean 'accumulate'?)"]


def test_a_duplicate_id_is_reported_when_the_first_rule_is_invalid() -> None:
    """Ids are compared on the raw rules, so an invalid first rule still claims its id."""
    data = {
        "rules": [
            {"id": "x", "when": _when("channel", "eqq", "sms"), "then": {"queue": "a"}},
            {"id": "x", "when": _when("channel", "eq", "sms"), "then": {"queue": "b"}},
        ]
    }
    assert _problems(data) == [
        "rules[0].when.op: unknown operator 'eqq' (did you mean 'eq'?)",
        "rules[1].id: duplicate id 'x' (first used by rules[0]); give each rule its own id",
    ]


def test_the_file_declares_the_names_its_rules_may_use() -> None:
    """Top-level ``queues``, ``calendars`` and ``sla_policies`` bound the rules below them."""
    data = {
        "queues": ["billing", "general"],
        "calendars": ["eu-support"],
        "sla_policies": ["vip-15m"],
        "rules": [
            {
                "id": "a",
                "when": {"op": "in_business_hours", "calendar": "eu-suport"},
                "then": {"queue": "biling", "sla_policy": "vip-51m"},
            },
            {"id": "b", "then": {"queue": "general", "sla_policy": "vip-15m"}},
        ],
    }
    assert _problems(data) == [
        "rules[0].when.calendar: unknown calendar 'eu-suport' (did you mean 'eu-support'?)",
        "rules[0].then.queue: unknown queue 'biling' (did you mean 'billing'?)",
        "rules[0].then.sla_policy: unknown SLA policy 'vip-51m' (did you mean 'vip-15m'?)",
    ]


def test_a_declaration_must_be_among_the_hosts_names() -> None:
    """When both declare, the file's list is checked against the host's, at its index."""
    data = {"queues": ["billing", "vip"], "rules": [{"id": "a", "then": {"queue": "vip"}}]}
    assert _problems(data, queues=["billing", "general"]) == [
        "queues[1]: queue 'vip' is not one the host declares; remove it or add it to the "
        "host's list",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"queues": "billing", "rules": []}, "queues: expected a list of queue names"),
        ({"channels": [""], "rules": []}, "channels: expected a list of channel names"),
        (
            {"channels": ["Line"], "rules": []},
            "channels[0]: invalid channel name 'Line'; use 1-40 lower-case letters, digits, "
            "'_', '.' or '-', starting with a letter",
        ),
    ],
)
def test_malformed_declarations(data: Any, message: str) -> None:
    """A declaration that is not a list of names says what it should be."""
    assert _problems(data) == [message]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            _when("channel", "eq", "whatsap"),
            "rules[0].when.value: unknown channel 'whatsap'; did you mean 'whatsapp'?",
        ),
        (
            _when("conversation.channel", "in", ["sms", "emial"]),
            "rules[0].when.value[1]: unknown channel 'emial'; did you mean 'email'?",
        ),
        (
            _when("message.channel", "ne", "line"),
            "rules[0].when.value: unknown channel 'line'; use one of chat, email, facebook, "
            "instagram, messenger, sms, voice, web_form, whatsapp, x, or declare your own under "
            "'channels' in the rule file",
        ),
        (
            _when("customer.language", "eq", "english"),
            "rules[0].when.value: unknown language 'english': language codes are BCP 47 tags "
            "built on ISO 639 codes, like 'en' or 'pt-BR'; did you mean 'en'?",
        ),
        (
            _when("signals.language", "in", ["de", "en_US"]),
            "rules[0].when.value[1]: unknown language 'en_US': language codes are BCP 47 tags "
            "built on ISO 639 codes, like 'en' or 'pt-BR'; did you mean 'en-US'?",
        ),
        (
            _when("customer.language", "eq", "pt-br"),
            "rules[0].when.value: language tag 'pt-br' is not in canonical case; write 'pt-BR' "
            "(rules compare tags exactly)",
        ),
        (
            _when("customer.language", "eq", "zz"),
            "rules[0].when.value: unknown language 'zz': 'zz' is not an ISO 639 language code; "
            "use one such as 'en', 'de' or 'pt-BR'",
        ),
    ],
)
def test_channel_and_language_values_are_checked(when: Any, message: str) -> None:
    """A typo in a channel or language value would silently never match; it is refused."""
    assert _problems({"rules": [{"id": "r", "when": when, "then": {"queue": "q"}}]}) == [message]


def test_the_language_action_is_checked_too() -> None:
    """``then.language`` takes a BCP 47 tag like a condition's value."""
    data = {"rules": [{"id": "r", "then": {"language": "english"}}]}
    assert _problems(data) == [
        "rules[0].then.language: unknown language 'english': language codes are BCP 47 tags "
        "built on ISO 639 codes, like 'en' or 'pt-BR'; did you mean 'en'?"
    ]


@pytest.mark.parametrize("value", ["sms", "whatsapp", "line"])
def test_declared_and_well_known_channels_load(value: str) -> None:
    """Well-known channels always load; a host's own once declared, in the file or by the host."""
    rules = [{"id": "r", "when": _when("channel", "eq", value), "then": {"queue": "q"}}]
    assert load_rules({"channels": ["line"], "rules": rules}).rules[0].id == "r"
    assert load_rules({"rules": rules}, channels=["line"]).rules[0].id == "r"


@pytest.mark.parametrize("tag", ["en", "pt-BR", "zh-Hant-TW", "es-419", "fil", "de-CH-1996"])
def test_well_formed_language_tags_load(tag: str) -> None:
    """Canonical BCP 47 tags pass, with script, region, numeric region and variants."""
    when = _when("customer.language", "eq", tag)
    assert load_rules({"rules": [{"id": "r", "when": when, "then": {"language": tag}}]})


def test_every_kind_of_problem_in_one_run() -> None:
    """Conditions, actions, declarations, duplicates and reachability, all in one error."""
    data = {
        "queues": ["billing"],
        "rules": [
            {"id": "a", "when": _when("channel", "eq", "whatsap"), "then": {"queue": "biling"}},
            {
                "id": "a",
                "when": _when("customer.language", "eq", "english"),
                "then": {"queue": "billing"},
            },
            {"id": "all", "then": {"queue": "billing"}},
            {
                "id": "after",
                "when": _when("message.text", "matches", "(?!x)"),
                "then": {"queue": "billing"},
            },
        ],
    }
    assert [p.split(":")[0] for p in _problems(data)] == [
        "rules[0].when.value",
        "rules[0].then.queue",
        "rules[1].when.value",
        "rules[1].id",
        "rules[3].when.value",
        "rules[3]",
    ]

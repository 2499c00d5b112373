"""Rules and rule sets: parse a plain mapping, reporting every problem at once."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.routing._auto_reply import AutoReply, parse_reply, unknown_keys
from omnicx.routing._conditions import Known, Node, parse
from omnicx.routing._names import language_problem

__all__ = ["Actions", "AutoReply", "Mode", "Rule", "RuleSet", "parse_rule_set"]

PRIORITIES = ("low", "normal", "high", "urgent")
MAX_DEPTH = 100
"""Deepest nesting of objects and lists a rule's ``when`` may have (evaluation recurses)."""
_CHANNEL_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")  # as omnicx.model.Channel requires


class Mode(enum.Enum):
    """How a rule set combines matching rules."""

    FIRST_MATCH = "first_match"
    """The first matching enabled rule applies, and evaluation stops (Kustomer queue rules)."""
    ACCUMULATE = "accumulate"
    """Every matching rule applies in order; a later rule overrides an earlier one on the
    same single-valued field; evaluation stops after a matching rule with ``stop``."""


@attrs.frozen(kw_only=True)
class Actions:
    """What a rule does when it matches; None or empty means "leave alone"."""

    queue: str | None = None
    priority: str | None = None
    add_tags: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    remove_tags: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    skills: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    language: str | None = None
    sla_policy: str | None = None
    auto_reply: AutoReply | None = None
    escalate: str | None = None
    notify: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    set_fields: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    bot: str | None = None
    """Give a new conversation to this bot (the desk records it as bot-owned)."""
    handoff: bool = False
    """Hand a bot's conversation to people (to the rule's ``queue``, if it sets one)."""


@attrs.frozen(kw_only=True)
class Rule:
    """One routing rule: when its conditions hold, its actions apply.

    ``when`` None means the rule always matches.
    """

    id: str
    description: str = ""
    enabled: bool = True
    when: Node | None = None
    then: Actions = Actions()
    stop: bool = False


@attrs.frozen(kw_only=True)
class RuleSet:
    """An ordered list of rules and the mode that combines them."""

    rules: tuple[Rule, ...] = attrs.field(converter=frozen_seq)
    mode: Mode = Mode.FIRST_MATCH


_SET_KEYS = ("mode", "rules", "queues", "calendars", "sla_policies", "channels")
_RULE_KEYS = ("id", "description", "enabled", "when", "then", "stop")
_STR_ACTIONS = ("queue", "language", "sla_policy", "escalate", "bot")
_LIST_ACTIONS = ("add_tags", "remove_tags", "skills", "notify")
ACTION_KEYS = (*_STR_ACTIONS, *_LIST_ACTIONS, "priority", "auto_reply", "set_fields", "handoff")
# Top-level lists a rule file may declare, and what one name in each is.
_DECLARED = (
    ("queues", "queue"),
    ("calendars", "calendar"),
    ("sla_policies", "SLA policy"),
    ("channels", "channel"),
)


def parse_rule_set(raw: Any, known: Known | None = None) -> RuleSet:
    """Build a rule set from plain data (as loaded from JSON, TOML or YAML).

    Raises:
        ValidationError: with every problem in the data, each with its path.
    """
    known = known or Known()
    if not isinstance(raw, Mapping):
        raise ValidationError.single("", "expected a rule file object with a 'rules' list")
    problems = unknown_keys(raw, _SET_KEYS, "")
    known = _declarations(raw, known, problems)
    mode: Mode | None = Mode.FIRST_MATCH
    if "mode" in raw:
        choices = [m.value for m in Mode]
        if raw["mode"] in choices:
            mode = Mode(raw["mode"])
        else:
            hint = suggest(str(raw["mode"]), choices)
            problems.append(Problem("mode", f"unknown mode {raw['mode']!r}{hint}"))
            mode = None
    items = raw.get("rules")
    rules: list[Rule] = []
    if not isinstance(items, list):
        problems.append(Problem("rules", "expected a list of rules"))
        items = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        rule = _parse_rule(item, f"rules[{i}]", known, problems)
        # Ids are read from the raw item, so a repeat is found even when the
        # first rule with that id is itself invalid.
        rule_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(rule_id, str) and rule_id:
            if rule_id in seen:
                problems.append(
                    Problem(
                        f"rules[{i}].id",
                        f"duplicate id {rule_id!r} (first used by rules[{seen[rule_id]}]); "
                        "give each rule its own id",
                    )
                )
            seen.setdefault(rule_id, i)
        if rule is not None:
            rules.append(rule)
    if mode is not None:  # with an unknown mode, which rules are reachable is unknown too
        problems.extend(_unreachable(items, mode))
    if problems:
        raise ValidationError(problems)
    return RuleSet(rules=tuple(rules), mode=mode or Mode.FIRST_MATCH)


def _declarations(raw: Mapping[str, Any], known: Known, problems: list[Problem]) -> Known:
    """The names the file declares, checked against the host's; they then bound the rules."""
    found: dict[str, frozenset[str]] = {}
    for key, what in _DECLARED:
        if key not in raw:
            continue
        names = raw[key]
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            problems.append(Problem(key, f"expected a list of {what} names"))
            continue
        host = None if key == "channels" else getattr(known, key)
        for i, name in enumerate(names):
            if host is not None and name not in host:
                problems.append(
                    Problem(
                        f"{key}[{i}]",
                        f"{what} {name!r} is not one the host declares"
                        f"{suggest(name, sorted(host))}; remove it or add it to the host's list",
                    )
                )
            elif key == "channels" and not _CHANNEL_NAME.fullmatch(name):
                problems.append(
                    Problem(
                        f"{key}[{i}]",
                        f"invalid channel name {name!r}; use 1-40 lower-case letters, digits, "
                        "'_', '.' or '-', starting with a letter",
                    )
                )
        found[key] = frozenset(names)
    return Known(
        queues=found.get("queues", known.queues),
        calendars=found.get("calendars", known.calendars),
        sla_policies=found.get("sla_policies", known.sla_policies),
        channels=known.channels | found.get("channels", frozenset()),
    )


def _unreachable(items: list[Any], mode: Mode) -> list[Problem]:
    """Rules after one that always matches and stops, read from the raw items.

    Reading the raw items keeps this check independent of every other one: a
    catch-all hides later rules even when some rule has an unrelated mistake.
    """
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "when" in item or item.get("enabled", True) is not True:
            continue
        if mode is Mode.FIRST_MATCH or item.get("stop") is True:
            rule_id = item.get("id")
            name = f" ({rule_id!r})" if isinstance(rule_id, str) and rule_id else ""
            return [
                Problem(
                    f"rules[{j}]",
                    f"unreachable: rules[{i}]{name} always matches and stops evaluation; "
                    f"give rules[{i}] a 'when' or move it last",
                )
                for j in range(i + 1, len(items))
            ]
    return []


def _parse_rule(raw: Any, where: str, known: Known, problems: list[Problem]) -> Rule | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "expected a rule object"))
        return None
    before = len(problems)
    problems.extend(unknown_keys(raw, _RULE_KEYS, where))
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        problems.append(Problem(f"{where}.id", "expected a non-empty string id"))
    for key, kind in (("description", str), ("enabled", bool), ("stop", bool)):
        if key in raw and not isinstance(raw[key], kind):
            name = "a string" if kind is str else "true or false"
            problems.append(Problem(f"{where}.{key}", f"expected {name}"))
    when = None
    if "when" in raw and _depth(raw["when"]) > MAX_DEPTH:
        problems.append(
            Problem(
                f"{where}.when",
                f"conditions nest more than {MAX_DEPTH} levels deep; flatten them "
                "('all' and 'any' take any number of conditions)",
            )
        )
    elif "when" in raw:
        when = parse(raw["when"], f"{where}.when", known, problems)
    if "then" not in raw:
        problems.append(Problem(f"{where}.then", "a rule needs actions"))
    actions = _parse_actions(raw.get("then"), f"{where}.then", known, problems)
    if len(problems) > before:
        return None
    return Rule(
        id=str(rule_id),
        description=raw.get("description", ""),
        enabled=raw.get("enabled", True),
        when=when,
        then=actions,
        stop=raw.get("stop", False),
    )


def _depth(value: Any) -> int:
    """How many objects and lists nest in ``value``, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:  # enough to refuse; no need to walk the rest
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _str_list(value: Any, where: str, problems: list[Problem]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(Problem(where, "expected a list of non-empty strings"))
        return ()
    return tuple(value)


def _parse_actions(raw: Any, where: str, known: Known, problems: list[Problem]) -> Actions:
    if raw is None:
        return Actions()
    if not isinstance(raw, Mapping) or not raw:
        problems.append(Problem(where, "expected a non-empty object of actions"))
        return Actions()
    problems.extend(unknown_keys(raw, ACTION_KEYS, where))
    fields: dict[str, Any] = {}
    for key in _STR_ACTIONS:
        if key in raw:
            if isinstance(raw[key], str) and raw[key]:
                fields[key] = raw[key]
            else:
                problems.append(Problem(f"{where}.{key}", "expected a non-empty string"))
    language = fields.get("language")
    if language is not None and (why := language_problem(language)):
        problems.append(Problem(f"{where}.language", why))
    for key, names, what in (
        ("queue", known.queues, "queue"),
        ("sla_policy", known.sla_policies, "SLA policy"),
    ):
        value = fields.get(key)
        if value is not None and names is not None and value not in names:
            problems.append(
                Problem(
                    f"{where}.{key}", f"unknown {what} {value!r}{suggest(value, sorted(names))}"
                )
            )
    for key in _LIST_ACTIONS:
        if key in raw:
            fields[key] = _str_list(raw[key], f"{where}.{key}", problems)
    if "priority" in raw:
        if raw["priority"] in PRIORITIES:
            fields["priority"] = raw["priority"]
        else:
            hint = suggest(str(raw["priority"]), PRIORITIES)
            problems.append(
                Problem(f"{where}.priority", f"unknown priority {raw['priority']!r}{hint}")
            )
    if "auto_reply" in raw:
        fields["auto_reply"] = parse_reply(raw["auto_reply"], f"{where}.auto_reply", problems)
    if "set_fields" in raw:
        custom = raw["set_fields"]
        if not isinstance(custom, Mapping) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in custom.values()
        ):
            problems.append(Problem(f"{where}.set_fields", "expected an object of plain values"))
        else:
            fields["set_fields"] = dict(custom)
    if "handoff" in raw:
        if raw["handoff"] is True or raw["handoff"] is False:
            fields["handoff"] = raw["handoff"]
        else:
            problems.append(Problem(f"{where}.handoff", "expected true or false"))
    if fields.get("bot") is not None and fields.get("handoff"):
        problems.append(
            Problem(f"{where}.handoff", "a rule gives a conversation to a bot or hands it "
                    "off, not both; split it into two rules")
        )  # fmt: skip
    return Actions(**fields)

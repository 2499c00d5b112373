"""``load_policies``: SLA policies and their calendars from a YAML, JSON or TOML file.

The file is data, like a rule file: nothing in it executes. Every problem is
reported at once, each with its path inside the file
(``policies[1].targets.first_reply.urgent: '90x' is not a duration like
'1h 30m'``) and what to write instead. See docs/sla.md, "Policy files".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import Channel, Priority, Status
from omnicx.model._channel import WELL_KNOWN_CHANNELS
from omnicx.sla._calendar import ALWAYS_OPEN, Calendar
from omnicx.sla._engine import SlaEngine
from omnicx.sla._load import load_calendar
from omnicx.sla._policy import (
    DEFAULT_PAUSES,
    NO_PAUSES,
    Escalation,
    Match,
    Metric,
    Policy,
    Target,
)

__all__ = ["load_policies"]

_KEYS = ("policies", "default", "calendars", "channels", "breach_on_reply", "bot_reply_clears")
_POLICY_KEYS = ("name", "version", "when", "calendar", "targets", "pauses", "escalations")
_WHEN_KEYS = ("channel", "priority", "queue", "tags", "customer")
_TARGET_KEYS = ("time", "business", "warn_percent")
_ESCALATION_KEYS = ("percent", "action", "metrics")
_METRICS = tuple(m.value for m in Metric)
_PRIORITIES = tuple(p.value for p in Priority)
_STATUSES = tuple(s.value for s in Status)
_DURATION = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?")
_DURATION_FIX = "is not a duration like '1h 30m', '45m', '2d' or a number of seconds"
_FORMATS = {"json": "json", "yaml": "yaml", "yml": "yaml", "toml": "toml"}


class _Reader:
    """Collects every problem of one file while building its values."""

    def __init__(self, channels: frozenset[str]) -> None:
        self.problems: list[Problem] = []
        self.channels = channels
        self.calendars: dict[str, Calendar] = {}

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def keys(self, path: str, raw: Mapping[Any, Any], known: tuple[str, ...]) -> None:
        for key in raw:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.fail(
                    where, f"unknown key{suggest(str(key), known)}; use one of {', '.join(known)}"
                )

    def mapping(self, path: str, raw: Any, what: str) -> Mapping[Any, Any] | None:
        if isinstance(raw, Mapping):
            return raw
        self.fail(path, f"must be {what}, not {_kind(raw)}")
        return None

    def names(self, path: str, raw: Any, choices: tuple[str, ...] | None) -> list[str]:
        """A list of names (a single name is a list of one), each among ``choices``."""
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple):
            self.fail(path, f"must be a name or a list of names, not {_kind(raw)}")
            return []
        found = []
        for i, item in enumerate(items):
            where = path if isinstance(raw, str) else f"{path}[{i}]"
            if not isinstance(item, str) or not item.strip():
                self.fail(where, f"must be a non-empty name, not {_kind(item)}")
            elif choices is not None and item not in choices:
                self.fail(
                    where,
                    f"unknown {item!r}{suggest(item, choices)}; use one of {', '.join(choices)}",
                )
            else:
                found.append(item)
        return found

    def calendar(self, path: str, raw: Any) -> Calendar:
        if raw is None:
            return ALWAYS_OPEN
        if isinstance(raw, str):
            found = self.calendars.get(raw)
            if found is None:
                names = tuple(self.calendars)
                known = f"; declare it under calendars (known: {', '.join(names) or 'none'})"
                self.fail(path, f"unknown calendar {raw!r}{suggest(raw, names)}{known}")
                return ALWAYS_OPEN
            return found
        data = self.mapping(path, raw, "a calendar name or a calendar (timezone, hours)")
        return ALWAYS_OPEN if data is None else self.load_calendar(path, data)

    def load_calendar(self, path: str, data: Mapping[Any, Any]) -> Calendar:
        try:
            return load_calendar(data)
        except ValidationError as error:
            self.problems += [p.under(path) for p in error.problems]
            return ALWAYS_OPEN

    def duration(self, path: str, raw: Any) -> int | None:
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw < 0:
                self.fail(path, f"{raw} is negative; a target is a time of 0 seconds or more")
                return None
            return raw
        match = _DURATION.fullmatch(raw.strip()) if isinstance(raw, str) else None
        if match is None or not raw.strip():
            self.fail(path, f"{raw!r} {_DURATION_FIX}")
            return None
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds

    def target(self, path: str, raw: Any) -> Target | None:
        if not isinstance(raw, Mapping):
            seconds = self.duration(path, raw)
            return None if seconds is None else Target(seconds=seconds)
        self.keys(path, raw, _TARGET_KEYS)
        if "time" not in raw:
            self.fail(f"{path}.time", "required: the target's duration, like '4h'")
            return None
        seconds = self.duration(f"{path}.time", raw["time"])
        business = raw.get("business", True)
        if not isinstance(business, bool):
            self.fail(f"{path}.business", "must be true (business hours) or false (calendar time)")
            return None
        warn = raw.get("warn_percent")
        if warn is not None and (
            not isinstance(warn, int) or isinstance(warn, bool) or not 1 <= warn <= 99
        ):
            self.fail(f"{path}.warn_percent", f"{warn!r} is not a whole percent from 1 to 99")
            return None
        if seconds is None:
            return None
        return Target(seconds=seconds, business=business, warn_percent=warn)

    def targets(self, path: str, raw: Any) -> dict[Metric, dict[Priority, Target]]:
        data = self.mapping(path, raw, "a mapping of metric to target (first_reply: 1h)")
        found: dict[Metric, dict[Priority, Target]] = {}
        for key, value in (data or {}).items():
            where = f"{path}.{key}"
            if key not in _METRICS:
                self.fail(
                    where,
                    f"unknown metric{suggest(str(key), _METRICS)}; use one of "
                    f"{', '.join(_METRICS)}",
                )
                continue
            per = found[Metric(key)] = {}
            by_priority = isinstance(value, Mapping) and not set(value) & set(_TARGET_KEYS)
            if not by_priority:
                # One target for every priority.
                target = self.target(where, value)
                if target is not None:
                    per.update(dict.fromkeys(Priority, target))
                continue
            for name, item in value.items():
                if name not in _PRIORITIES:
                    self.fail(
                        f"{where}.{name}",
                        f"unknown priority{suggest(str(name), _PRIORITIES)}"
                        f"; use one of {', '.join(_PRIORITIES)} (or one target for all)",
                    )
                    continue
                target = self.target(f"{where}.{name}", item)
                if target is not None:
                    per[Priority(name)] = target
        return found

    def when(self, path: str, raw: Any) -> Match:
        data = self.mapping(path, raw, "a mapping of fields to match (channel, priority, ...)")
        if data is None:
            return Match()
        self.keys(path, data, _WHEN_KEYS)
        channels = None
        if "channel" in data:
            known = tuple(sorted({*WELL_KNOWN_CHANNELS, *self.channels}))
            channels = {Channel(n) for n in self.names(f"{path}.channel", data["channel"], known)}
        priorities = None
        if "priority" in data:
            names = self.names(f"{path}.priority", data["priority"], _PRIORITIES)
            priorities = {Priority(n) for n in names}
        queues = None
        if "queue" in data:
            queues = set(self.names(f"{path}.queue", data["queue"], None))
        tags = self.names(f"{path}.tags", data.get("tags", []), None)
        customer: dict[str, frozenset[Any]] = {}
        raw_customer = self.mapping(
            f"{path}.customer", data.get("customer", {}), "a mapping of attribute to values"
        )
        for name, allowed in (raw_customer or {}).items():
            values = allowed if isinstance(allowed, list | tuple) else [allowed]
            if not all(_scalar(v) for v in values):
                self.fail(f"{path}.customer.{name}", "must be a value or a list of plain values")
                continue
            customer[str(name)] = frozenset(values)
        return Match(
            channel=channels, priority=priorities, queue=queues, tags=tags, customer=customer
        )

    def pauses(self, path: str, raw: Any) -> Mapping[Metric, frozenset[Status]]:
        if raw == "default":
            return DEFAULT_PAUSES
        if raw == "none":
            return NO_PAUSES
        data = self.mapping(path, raw, "'default', 'none' or a mapping of metric to statuses")
        found: dict[Metric, frozenset[Status]] = {}
        for key, value in (data or {}).items():
            if key not in _METRICS:
                self.fail(f"{path}.{key}", f"unknown metric{suggest(str(key), _METRICS)}")
                continue
            names = self.names(f"{path}.{key}", value, _STATUSES)
            found[Metric(key)] = frozenset(Status(n) for n in names)
        return found

    def escalations(self, path: str, raw: Any) -> list[Escalation]:
        if not isinstance(raw, list | tuple):
            self.fail(path, f"must be a list of {{percent, action}} steps, not {_kind(raw)}")
            return []
        found = []
        for i, item in enumerate(raw):
            where = f"{path}[{i}]"
            data = self.mapping(where, item, "a step like {percent: 80, action: notify:lead}")
            if data is None:
                continue
            self.keys(where, data, _ESCALATION_KEYS)
            percent, action = data.get("percent"), data.get("action")
            ok = True
            if not isinstance(percent, int) or isinstance(percent, bool) or percent < 1:
                self.fail(
                    f"{where}.percent",
                    f"{percent!r} is not a whole percent of 1 or more (100 is the breach)",
                )
                ok = False
            if not isinstance(action, str) or not action.strip():
                self.fail(f"{where}.action", "required: what to do, like 'notify:lead'")
                ok = False
            metrics = self.names(f"{where}.metrics", data.get("metrics", []), _METRICS)
            if ok:
                found.append(
                    Escalation(
                        percent=int(percent),  # type: ignore[arg-type]
                        action=str(action),
                        metrics=frozenset(Metric(m) for m in metrics),
                    )
                )
        return found

    def policy(self, path: str, raw: Any, *, default: bool = False) -> Policy | None:
        data = self.mapping(path, raw, "a policy (name, targets, ...)")
        if data is None:
            return None
        before = len(self.problems)
        if default and "when" in data:
            self.fail(
                f"{path}.when",
                "the default policy applies when no policy matches, so it "
                "has no condition: remove 'when' (or add it to policies)",
            )
        self.keys(path, {k: v for k, v in data.items() if not default or k != "when"}, _POLICY_KEYS)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail(f"{path}.name", "required: the policy's name, like 'vip-email'")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.fail(f"{path}.version", f"{version!r} is not a whole number of 1 or more")
        when = Match() if default else self.when(f"{path}.when", data.get("when", {}))
        calendar = self.calendar(f"{path}.calendar", data.get("calendar"))
        targets = self.targets(f"{path}.targets", data.get("targets", {}))
        pauses = self.pauses(f"{path}.pauses", data.get("pauses", "default"))
        escalations = self.escalations(f"{path}.escalations", data.get("escalations", []))
        if len(self.problems) > before:
            return None
        return Policy(
            name=str(name),
            version=int(version),
            when=when,
            calendar=calendar,
            targets=targets,
            pauses=pauses,
            escalations=tuple(escalations),
        )


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def parse_policies(data: Any) -> SlaEngine:
    """The ``SlaEngine`` of a policy file's parsed data (see ``load_policies``).

    Raises:
        ValidationError: every problem found, each with its path.
    """
    if not isinstance(data, Mapping):
        raise ValidationError.single(
            "", f"expected a policy file (a mapping with 'policies'), not {_kind(data)}"
        )
    declared = data.get("channels", [])
    probe = _Reader(frozenset())
    probe.keys("", data, _KEYS)
    reader = _Reader(frozenset(probe.names("channels", declared, None)))
    reader.problems = probe.problems
    calendars = reader.mapping(
        "calendars", data.get("calendars", {}), "a mapping of name to calendar"
    )
    for name, raw in (calendars or {}).items():
        where = f"calendars.{name}"
        body = reader.mapping(where, raw, "a calendar (timezone, hours)")
        if body is not None:
            reader.calendars[str(name)] = reader.load_calendar(where, body)
    raw_policies = data.get("policies")
    if not isinstance(raw_policies, list | tuple):
        reader.fail("policies", f"required: a list of policies, not {_kind(raw_policies)}")
        raw_policies = []
    policies = [reader.policy(f"policies[{i}]", raw) for i, raw in enumerate(raw_policies)]
    default = None
    if data.get("default") is not None:
        default = reader.policy("default", data["default"], default=True)
    seen: dict[str, str] = {}
    named = [(f"policies[{i}]", raw) for i, raw in enumerate(raw_policies)]
    for where, raw in [*named, ("default", data.get("default"))]:
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            reader.fail(
                f"{where}.name",
                f"{name!r} is also the name of {seen[name]}; give each policy its own name",
            )
        seen.setdefault(name, where)
    options = {}
    for option in ("breach_on_reply", "bot_reply_clears"):
        value = data.get(option, False)
        if not isinstance(value, bool):
            reader.fail(option, "must be true or false")
        options[option] = bool(value)
    if reader.problems:
        raise ValidationError(reader.problems)
    return SlaEngine(
        policies=[p for p in policies if p is not None],
        default=default,
        breach_on_reply=options["breach_on_reply"],
        bot_reply_clears=options["bot_reply_clears"],
    )


def load_policies(
    source: Mapping[str, Any] | str | Path, *, format: str | None = None
) -> SlaEngine:
    """Load SLA policies and their calendars into an ``SlaEngine`` (docs/sla.md, "Policy files").

    ``source`` is parsed data, a file path (its format from the suffix:
    .yaml/.yml, .json or .toml, unless ``format`` is given), or text in
    ``format`` (default JSON). The file names its ``calendars``, its ordered
    ``policies`` (first match applies) and optionally a ``default`` policy.

    Raises:
        ValidationError: the file is unreadable or does not parse, or any
            field is wrong; every problem at once, each with its path.
    """
    # Imported here: the routing package imports omnicx.sla.
    from omnicx.routing._loader import parse_document

    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as error:
            raise ValidationError.single(
                str(source), f"can't read the file ({error.strerror})"
            ) from None
        except UnicodeDecodeError:
            raise ValidationError.single(
                str(source), "can't read the file (not UTF-8 text); save it as UTF-8"
            ) from None
        kind = format or _FORMATS.get(source.suffix.lower().lstrip("."))
        if kind is None:
            raise ValidationError.single(
                str(source), "unknown file type; name it .yaml, .yml, .json or .toml"
            )
        data = parse_document(text, kind)
    elif isinstance(source, str):
        data = parse_document(source, format or "json")
    else:
        data = source
    return parse_policies(data)

"""The JSON form of a partial result: what a ``MetricsAccumulator`` holds, as plain data.

A partial crosses process and machine boundaries as this form (``to_dict``
writes it, ``from_dict`` reads it back, and pickling goes through it too), so
a shard computed by another process, a Dask worker or last night's job merges
exactly as if it had been computed here. docs/metrics.md describes the form.

Reading checks everything before building anything: a bad document raises one
``ValidationError`` listing every problem with its path, and leaves nothing
half-read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omnicx.errors import Problem, ValidationError
from omnicx.metrics._distribution import EXACT_LIMIT, Distribution
from omnicx.metrics._group import Group
from omnicx.metrics._sketch import DEFAULT_RELATIVE_ERROR
from omnicx.metrics._values import DURATIONS

FORMAT = "omnicx.metrics-partial"
"""The ``format`` field of every partial document."""

VERSION = 1
"""The version of the form this omnicx writes; it reads this version only."""

COUNTERS = (
    "solved",
    "one_touch",
    "ever_solved",
    "reopened",
    "fcr_decided",
    "fcr",
    "csat_answered",
    "csat_satisfied",
    "promoters",
    "passives",
    "detractors",
    "surveys_offered",
    "surveys_answered",
    "zero_touch",
    "outbound_first",
)
"""The names of a group's counters, in ``Group.counts`` order."""


def sketch_settings() -> dict[str, float | int]:
    """The distribution settings a partial was computed with; merging needs them equal."""
    return {"relative_error": DEFAULT_RELATIVE_ERROR, "exact_limit": EXACT_LIMIT}


def tz_name(tz: tzinfo) -> str | None:
    """The name a time zone is written as: an IANA key, ``UTC``, or a fixed ``+HH:MM``."""
    if tz is UTC:
        return "UTC"
    if isinstance(tz, ZoneInfo):
        return tz.key
    if isinstance(tz, timezone):
        offset = tz.utcoffset(None)
        if offset == timedelta(0):
            return "UTC"
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        if abs(offset.total_seconds()) % 60 == 0:
            return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return None


def _read_tz(value: object) -> tzinfo:
    if not isinstance(value, str) or not value:
        raise ValidationError.single("tz", "must be a time zone name such as 'Europe/Paris'")
    if value == "UTC":
        return UTC
    if value[0] in "+-" and len(value) == 6 and value[3] == ":":
        hours, minutes = value[1:3], value[4:]
        if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
            offset = timedelta(hours=int(hours), minutes=int(minutes))
            return timezone(-offset if value[0] == "-" else offset)
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError.single("tz", f"unknown time zone {value!r}") from None


# --- writing ------------------------------------------------------------------------


def _distribution(d: Distribution) -> dict[str, Any]:
    # Sorted in place, as ``summary()`` sorts: the order of the held values is
    # no figure, and one partial then always writes the same document.
    d.values.sort()
    sketch = None
    if d.buckets is not None:
        sketch = {
            "count": d.sketched_count,
            "total": d.sketched_total,
            "buckets": [[index, d.buckets[index]] for index in sorted(d.buckets)],
        }
    return {"values": list(d.values), "sketch": sketch}


def group_to_json(key: tuple[str, ...], group: Group) -> dict[str, Any]:
    """One group's state as plain data (its pending rows counted first)."""
    group.flush()
    return {
        "key": list(key),
        "conversations": group.conversations,
        "counts": dict(zip(COUNTERS, group.counts, strict=True)),
        "durations": {name: _distribution(group.calendar[name]) for name in DURATIONS},
        "business_durations": {name: _distribution(group.business[name]) for name in DURATIONS},
        "ces": _distribution(group.ces),
        "agent_replies": _distribution(group.replies),
        "backlog": _distribution(group.backlog),
        "sla": {target: list(group.sla[target]) for target in sorted(group.sla)},
    }


# --- reading ------------------------------------------------------------------------


# A field the document lacks: reported once as missing, then read as its default.
_MISSING: Any = object()


class _Reader:
    """Collects every problem of a document while reading it."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def header(
        self, data: object, fields: tuple[str, ...], *, form: str, version: int
    ) -> Mapping[str, Any]:
        """The document, once it is an object of ``fields`` of this ``form`` and ``version``.

        A document of another form or version raises at once (its other
        fields mean nothing here); other settings than this omnicx's sketch
        are a problem the caller raises with the rest.
        """
        document = self.mapping(data, "", fields)
        if document is None or self.problems:  # not this form at all: say only that
            raise ValidationError(self.problems or [Problem("", "must be an object")])
        if document.get("format") != form:
            raise ValidationError.single(
                "format", f"must be {form!r}, not {document.get('format')!r}"
            )
        found = document.get("version")
        if found != version:
            hint = "upgrade omnicx" if isinstance(found, int) and found > version else ""
            message = f"version {found!r} is not one this omnicx reads ({version})"
            raise ValidationError.single("version", f"{message}; {hint}" if hint else message)
        sketch = document.get("sketch")
        if sketch != sketch_settings():
            self.fail(
                "sketch",
                f"{sketch!r} differs from this omnicx's {sketch_settings()!r}; partials merge "
                "only with partials computed with the same distribution settings",
            )
        return document

    def mapping(
        self, value: object, path: str, keys: tuple[str, ...], *, required: bool = True
    ) -> Mapping[str, Any] | None:
        if value is _MISSING:
            return None
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {type(value).__name__}")
            return None
        for key in keys if required else ():
            if key not in value:
                self.fail(f"{path}.{key}" if path else key, "is missing")
        for key in value:
            if key not in keys:
                self.fail(f"{path}.{key}" if path else str(key), "is not a field of this form")
        return value

    def count(self, value: object, path: str) -> int:
        if value is _MISSING:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(path, f"must be a non-negative integer, not {value!r}")
            return 0
        return value

    def number(self, value: object, path: str) -> float:
        if value is _MISSING:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            self.fail(path, f"must be a non-negative number, not {value!r}")
            return 0
        return value

    def distribution(self, value: object, path: str) -> Distribution:
        data = self.mapping(value, path, ("values", "sketch"))
        if data is None:
            return Distribution()
        values = data.get("values", [])
        if not isinstance(values, list):
            self.fail(f"{path}.values", "must be a list of seconds")
            values = []
        result = Distribution(
            values=[self.number(v, f"{path}.values[{i}]") for i, v in enumerate(values)]
        )
        sketch = data.get("sketch", _MISSING)
        if sketch is None:
            if len(result.values) > EXACT_LIMIT:
                self.fail(
                    f"{path}.values", f"holds more than {EXACT_LIMIT} values without a sketch"
                )
            return result
        fields = self.mapping(sketch, f"{path}.sketch", ("count", "total", "buckets"))
        if fields is None:
            return result
        result.sketched_count = self.count(fields.get("count", _MISSING), f"{path}.sketch.count")
        result.sketched_total = self.number(fields.get("total", _MISSING), f"{path}.sketch.total")
        result.buckets = {}
        pairs = fields.get("buckets", [])
        if not isinstance(pairs, list):
            self.fail(f"{path}.sketch.buckets", "must be a list of [index, count] pairs")
            return result
        for i, pair in enumerate(pairs):
            where = f"{path}.sketch.buckets[{i}]"
            if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int):
                self.fail(where, "must be an [index, count] pair of integers")
                continue
            result.buckets[pair[0]] = self.count(pair[1], f"{where}[1]")
        if sum(result.buckets.values()) != result.sketched_count:
            self.fail(f"{path}.sketch.count", "differs from the sum of the bucket counts")
        return result

    def distributions(self, value: object, path: str) -> dict[str, Distribution]:
        # A duration left out is empty (the documented form's shorthand).
        data = self.mapping(value, path, DURATIONS, required=False)
        if data is None:
            return {name: Distribution() for name in DURATIONS}
        return {
            name: self.distribution(
                data.get(name, {"values": [], "sketch": None}), f"{path}.{name}"
            )
            for name in DURATIONS
        }

    def group(self, value: object, path: str, size: int | None) -> tuple[tuple[str, ...], Group]:
        fields = (
            "key", "conversations", "counts", "durations", "business_durations", "ces",
            "agent_replies", "backlog", "sla",
        )  # fmt: skip
        group = Group()
        data = self.mapping(value, path, fields)
        if data is None:
            return (), group
        key = data.get("key", [])
        if not (isinstance(key, list) and all(isinstance(part, str) for part in key)):
            self.fail(f"{path}.key", "must be a list of strings, one per dimension of 'by'")
            key = []
        elif size is not None and len(key) != size:
            self.fail(f"{path}.key", f"has {len(key)} values for {size} dimensions of 'by'")
        group.conversations = self.count(
            data.get("conversations", _MISSING), f"{path}.conversations"
        )
        counts = self.mapping(data.get("counts", _MISSING), f"{path}.counts", COUNTERS) or {}
        group.counts = [
            self.count(counts[name], f"{path}.counts.{name}") if name in counts else 0
            for name in COUNTERS
        ]
        group.calendar = self.distributions(data.get("durations", _MISSING), f"{path}.durations")
        group.business = self.distributions(
            data.get("business_durations", _MISSING), f"{path}.business_durations"
        )
        group.ces = self.distribution(data.get("ces", _MISSING), f"{path}.ces")
        group.replies = self.distribution(
            data.get("agent_replies", _MISSING), f"{path}.agent_replies"
        )
        group.backlog = self.distribution(data.get("backlog", _MISSING), f"{path}.backlog")
        sla = data.get("sla", {})
        if not isinstance(sla, Mapping):
            self.fail(f"{path}.sla", "must be an object of target: [achieved, breached]")
            sla = {}
        for target, tally in sla.items():
            where = f"{path}.sla.{target}"
            if not (isinstance(tally, list) and len(tally) == 2):
                self.fail(where, "must be an [achieved, breached] pair")
                continue
            group.sla[str(target)] = [self.count(n, f"{where}[{i}]") for i, n in enumerate(tally)]
        return tuple(key), group


def read_partial(
    data: object,
) -> tuple[tuple[str, ...], tzinfo, dict[tuple[str, ...], Group]]:
    """Check a partial document and return its ``by``, time zone and groups.

    Raises:
        ValidationError: every problem of the document, each with its path.
    """
    reader = _Reader()
    fields = ("format", "version", "by", "tz", "sketch", "groups")
    document = reader.header(data, fields, form=FORMAT, version=VERSION)
    by = document.get("by")
    if not (isinstance(by, list) and all(isinstance(name, str) for name in by)):
        reader.fail("by", "must be a list of dimension names")
        by = None
    tz: tzinfo = UTC
    try:
        tz = _read_tz(document.get("tz"))
    except ValidationError as error:
        reader.problems.extend(error.problems)
    groups: dict[tuple[str, ...], Group] = {}
    items = document.get("groups")
    if not isinstance(items, list):
        reader.fail("groups", "must be a list of groups")
        items = []
    for index, item in enumerate(items):
        key, group = reader.group(item, f"groups[{index}]", None if by is None else len(by))
        if key in groups:
            reader.fail(f"groups[{index}].key", f"repeats the key {list(key)!r}")
        groups[key] = group
    if reader.problems:
        raise ValidationError(reader.problems)
    return tuple(by or ()), tz, groups

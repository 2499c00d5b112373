"""Topic files as data: topics, their filters and alert rules, validated up front.

A topic file is a mapping (or JSON, TOML or YAML text) like::

    {"bucket": "1h",
     "topics": [{"id": "acme", "query": {"any": ["acme", "@acme", "#acme"]},
                 "languages": ["en", "es"], "networks": ["x", "instagram"],
                 "alerts": [{"kind": "volume_spike", "window": "1h",
                             "sensitivity": "balanced", "cooldown": "6h"}]},
                {"id": "globex", "query": "globex", "competitor_of": "acme"}]}

Every mistake is reported with its path (``topics[1].alerts[0].sensitivity``)
and, for a typo, a suggestion. Nothing in a topic file is executed.
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from omnicx._frozen import frozen_seq, frozen_set_or_none
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.listening._query import Query, parse_query

__all__ = [
    "AlertKind",
    "AlertRule",
    "Sensitivity",
    "Topic",
    "TopicSet",
    "load_topics",
]

_DURATION = re.compile(r"^\s*(\d+)\s*(m|h|d)\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_TOPIC_KEYS = ("id", "name", "query", "languages", "networks", "competitor_of", "alerts")
_ALERT_KEYS = ("kind", "window", "sensitivity", "cooldown", "min_volume", "negative_floor")
_FILE_KEYS = ("version", "bucket", "topics")
MAX_WINDOW_BUCKETS = 168
_E = TypeVar("_E", bound=enum.Enum)


class AlertKind(enum.Enum):
    """What an alert rule watches."""

    VOLUME_SPIKE = "volume_spike"
    """Mentions over the window well above the seasonal expectation."""
    SENTIMENT_DIP = "sentiment_dip"
    """The negative share over the window above a floor, or well above its baseline."""


class Sensitivity(enum.Enum):
    """How far from the baseline an alert needs: sensitive alerts soonest, strict least."""

    SENSITIVE = "sensitive"
    BALANCED = "balanced"
    STRICT = "strict"


@attrs.frozen(kw_only=True)
class AlertRule:
    """One alert on a topic; ``window`` and ``cooldown`` count buckets.

    ``min_volume`` mentions over the window are needed before it fires;
    ``negative_floor`` (sentiment dips only) makes any window whose negative
    share reaches it alert, whatever the baseline.
    """

    kind: AlertKind
    window: int = 1
    sensitivity: Sensitivity = Sensitivity.BALANCED
    cooldown: int = 6
    min_volume: int = 10
    negative_floor: float | None = None


@attrs.frozen(kw_only=True)
class Topic:
    """A named boolean query over mentions, with optional language and network filters.

    ``competitor_of`` names the topic this one is a competitor of, for share
    of voice; ``languages`` and ``networks`` of None mean any.
    """

    id: str
    name: str
    query: Query
    languages: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    networks: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    competitor_of: str | None = None
    alerts: tuple[AlertRule, ...] = attrs.field(default=(), converter=frozen_seq)


@attrs.frozen(kw_only=True)
class TopicSet:
    """Every topic a listener tracks, and the bucket width of their series in minutes."""

    bucket_minutes: int = 60
    topics: tuple[Topic, ...] = attrs.field(converter=frozen_seq)

    def topic(self, topic_id: str) -> Topic:
        """The topic with ``topic_id``.

        Raises:
            ValidationError: if there is none.
        """
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        ids = [t.id for t in self.topics]
        raise ValidationError.single("topic", f"unknown topic {topic_id!r}{suggest(topic_id, ids)}")

    def competitors(self, topic_id: str) -> tuple[str, ...]:
        """The ids of the topics that are competitors of ``topic_id``."""
        return tuple(t.id for t in self.topics if t.competitor_of == topic_id)


def load_topics(source: Mapping[str, Any] | str | Path, *, format: str | None = None) -> TopicSet:
    """Load and validate a topic file from a mapping, a path, or text in ``format``.

    Raises:
        ValidationError: with every problem found, each with its path.
    """
    if isinstance(source, Path):
        suffix = source.suffix.lower().lstrip(".")
        data = _parse_text(source.read_text(encoding="utf-8"), format or suffix)
    elif isinstance(source, str):
        data = _parse_text(source, format or "json")
    else:
        data = source
    problems: list[Problem] = []
    topic_set = _topic_set(data, problems)
    if problems or topic_set is None:
        raise ValidationError(problems)
    return topic_set


def _parse_text(text: str, format: str) -> Any:
    try:
        if format == "json":
            return json.loads(text)
        if format == "toml":
            return tomllib.loads(text)
        if format in ("yaml", "yml"):
            import yaml

            return yaml.safe_load(text)
    except (ValueError, RecursionError, ImportError) as error:
        raise ValidationError.single(
            "", f"invalid {format.upper()}: {type(error).__name__}"
        ) from None
    except Exception as error:  # yaml.YAMLError does not derive from ValueError
        raise ValidationError.single(
            "", f"invalid {format.upper()}: {type(error).__name__}"
        ) from None
    raise ValidationError.single("", f"unknown format {format!r}; use json, toml or yaml")


def _unknown_keys(data: Mapping[str, Any], known: tuple[str, ...], path: str) -> list[Problem]:
    return [
        Problem(f"{path}.{key}" if path else str(key), f"unknown key{suggest(str(key), known)}")
        for key in data
        if key not in known
    ]


def _topic_set(data: Any, problems: list[Problem]) -> TopicSet | None:
    if not isinstance(data, Mapping):
        problems.append(Problem("", "a topic file is a mapping with a 'topics' list"))
        return None
    problems.extend(_unknown_keys(data, _FILE_KEYS, ""))
    if data.get("version", 1) != 1:
        problems.append(Problem("version", "unsupported topic file version; use 1"))
    bucket = _duration(data.get("bucket", "1h"), "bucket", problems, 1)
    if bucket is not None and 1440 % bucket:
        problems.append(Problem("bucket", "must divide a day evenly (as 15m, 1h or 1d)"))
    raw = data.get("topics")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("topics", "expected a non-empty list of topics"))
        return None
    topics = [_topic(item, f"topics[{i}]", problems, bucket or 60) for i, item in enumerate(raw)]
    done = [t for t in topics if t is not None]
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        topic_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(topic_id, str):
            if topic_id in seen:
                problems.append(
                    Problem(f"topics[{i}].id", f"duplicate id (first at topics[{seen[topic_id]}])")
                )
            seen.setdefault(topic_id, i)
    brands = {t.id for t in done if t.competitor_of is None}
    for i, topic in enumerate(topics):
        if (
            topic is not None
            and topic.competitor_of is not None
            and topic.competitor_of not in brands
        ):
            problems.append(
                Problem(
                    f"topics[{i}].competitor_of",
                    f"no topic {topic.competitor_of!r} to compete with"
                    f"{suggest(topic.competitor_of, sorted(brands))}; name a topic that is no competitor itself",
                )
            )
    if problems or bucket is None or len(done) != len(topics):
        return None
    return TopicSet(bucket_minutes=bucket, topics=done)


def _topic(data: Any, path: str, problems: list[Problem], bucket: int) -> Topic | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "a topic is a mapping with 'id' and 'query'"))
        return None
    before = len(problems)
    problems.extend(_unknown_keys(data, _TOPIC_KEYS, path))
    topic_id = data.get("id")
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        problems.append(
            Problem(f"{path}.id", "expected an id of lowercase letters, digits, '_', '.' or '-'")
        )
    name = data.get("name", topic_id)
    if not isinstance(name, str):
        problems.append(Problem(f"{path}.name", "expected a string"))
    query: Query | None = None
    if "query" not in data:
        problems.append(Problem(f"{path}.query", "missing; every topic needs a query"))
    else:
        try:
            query = parse_query(data["query"], f"{path}.query")
        except ValidationError as error:
            problems.extend(error.problems)
    languages = _names(data.get("languages"), f"{path}.languages", problems)
    networks = _names(data.get("networks"), f"{path}.networks", problems)
    competitor_of = data.get("competitor_of")
    if competitor_of is not None and not isinstance(competitor_of, str):
        problems.append(Problem(f"{path}.competitor_of", "expected a topic id"))
    raw_alerts = data.get("alerts", [])
    alerts: list[AlertRule | None] = []
    if not isinstance(raw_alerts, list):
        problems.append(Problem(f"{path}.alerts", "expected a list of alert rules"))
    else:
        alerts = [
            _alert(a, f"{path}.alerts[{i}]", problems, bucket) for i, a in enumerate(raw_alerts)
        ]
    if len(problems) > before or query is None:
        return None
    return Topic(
        id=str(topic_id),
        name=str(name),
        query=query,
        languages=languages,
        networks=networks,
        competitor_of=competitor_of,
        alerts=[a for a in alerts if a is not None],
    )


def _names(data: Any, path: str, problems: list[Problem]) -> frozenset[str] | None:
    if data is None:
        return None
    if not isinstance(data, list) or not data or not all(isinstance(x, str) and x for x in data):
        problems.append(Problem(path, "expected a non-empty list of names"))
        return None
    return frozenset(x.lower() for x in data)


def _alert(data: Any, path: str, problems: list[Problem], bucket: int) -> AlertRule | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "an alert rule is a mapping with 'kind'"))
        return None
    before = len(problems)
    problems.extend(_unknown_keys(data, _ALERT_KEYS, path))
    kind = _enum(AlertKind, data.get("kind"), f"{path}.kind", problems)
    sensitivity = _enum(
        Sensitivity, data.get("sensitivity", "balanced"), f"{path}.sensitivity", problems
    )
    window = _duration(data.get("window", f"{bucket}m"), f"{path}.window", problems, bucket)
    cooldown = _duration(
        data.get("cooldown", f"{6 * bucket}m"), f"{path}.cooldown", problems, bucket, zero=True
    )
    if window is not None and window // bucket > MAX_WINDOW_BUCKETS:
        problems.append(Problem(f"{path}.window", f"at most {MAX_WINDOW_BUCKETS} buckets long"))
    min_volume = data.get("min_volume", 10)
    if isinstance(min_volume, bool) or not isinstance(min_volume, int) or min_volume < 1:
        problems.append(
            Problem(f"{path}.min_volume", "expected a whole number of mentions, at least 1")
        )
    floor = data.get("negative_floor")
    if floor is not None:
        if isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 < floor <= 1:
            problems.append(Problem(f"{path}.negative_floor", "expected a share in (0, 1], as 0.4"))
        elif kind is AlertKind.VOLUME_SPIKE:
            problems.append(
                Problem(f"{path}.negative_floor", "only sentiment_dip alerts have a floor")
            )
    if (
        len(problems) > before
        or kind is None
        or sensitivity is None
        or window is None
        or cooldown is None
    ):
        return None
    return AlertRule(
        kind=kind,
        window=window // bucket,
        sensitivity=sensitivity,
        cooldown=cooldown // bucket,
        min_volume=min_volume,
        negative_floor=None if floor is None else float(floor),
    )


def _enum(cls: type[_E], value: Any, path: str, problems: list[Problem]) -> _E | None:
    names = [str(member.value) for member in cls]
    if value is None:
        problems.append(Problem(path, f"missing; use one of {', '.join(names)}"))
        return None
    try:
        return cls(value)
    except ValueError:
        problems.append(
            Problem(
                path, f"unknown {path.rsplit('.', 1)[-1]} {value!r}{suggest(str(value), names)}"
            )
        )
        return None


def _duration(
    value: Any, path: str, problems: list[Problem], bucket: int, *, zero: bool = False
) -> int | None:
    """Minutes in a duration like ``"15m"``, ``"1h"``, ``"2d"``, a whole number of buckets."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        problems.append(Problem(path, "expected a duration such as '15m', '1h' or '1d'"))
        return None
    minutes = int(match[1]) * _UNIT_MINUTES[match[2]]
    if minutes == 0 and not zero:
        problems.append(Problem(path, "must be longer than zero"))
        return None
    if minutes % bucket:
        problems.append(Problem(path, f"must be a whole number of {bucket}-minute buckets"))
        return None
    return minutes

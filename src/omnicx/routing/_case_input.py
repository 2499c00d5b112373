"""A routing context from plain data: the ``input`` of a rule test case, checked key by key.

A case that misspells a key (``vipp``) or gives the wrong type
(``vip = "yes"``, ``lifetime_value = "lots"``) would otherwise test something
other than what its author meant and still pass; each such mistake is a
problem with its path and what to write instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import (
    ORDER_STATUSES,
    Attachment,
    Author,
    AuthorKind,
    Call,
    CallStatus,
    Channel,
    Conversation,
    Customer,
    Direction,
    Message,
    Order,
    OrderRefund,
    Priority,
    Status,
    ThreadRefs,
)
from omnicx.routing._context import RoutingContext

__all__ = ["DEFAULT_NOW", "INPUT_KEYS", "context_from_input"]

DEFAULT_NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
"""When a case gives no ``now``: a Monday, 10:00 UTC."""

_MESSAGE_KEYS = ("channel", "text", "subject", "direction", "author", "metadata", "attachments")
INPUT_KEYS = (*_MESSAGE_KEYS, "customer", "conversation", "open_conversations", "changes", "now",
              "orders", "call")  # fmt: skip
"""The keys a case's ``input`` may have."""
_CUSTOMER_KEYS = ("id", "vip", "tier", "language", "lifetime_value", "attributes")
_CONVERSATION_KEYS = ("status", "priority", "queue", "assignee", "tags", "channel", "subject")
_CALL_KEYS = ("status", "direction", "answered", "duration_seconds")
_ORDER_KEYS = ("number", "status", "financial_status", "fulfillment_status", "value", "currency",
               "placed_at", "refunds")  # fmt: skip


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "null" if value is None else type(value).__name__


class _Reader:
    """Reads typed values out of one mapping, collecting a problem for each mistake."""

    def __init__(self, raw: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
        self.raw, self.where, self.problems = raw, where, problems

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path(key), message))

    def keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.raw:
            if key not in allowed:
                self.bad(str(key), f"unknown key{suggest(str(key), allowed)}")

    def get(self, key: str, test: Callable[[Any], bool], want: str, default: Any = None) -> Any:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if test(value):
            return value
        seen = repr(value) if _kind(value) == "number" else _kind(value)
        self.bad(key, f"expected {want}, got {seen}")
        return default

    def text(self, key: str, default: str | None = None) -> Any:
        return self.get(key, lambda v: isinstance(v, str), "a string", default)

    def optional_text(self, key: str) -> str | None:
        value = self.get(key, lambda v: v is None or isinstance(v, str), "a string or null")
        return None if value is None else str(value)

    def flag(self, key: str) -> bool:
        return bool(self.get(key, lambda v: isinstance(v, bool), "true or false", False))

    def count(self, key: str) -> int:
        return int(self.get(key, _is_count, "a whole number, 0 or more", 0))

    def mapping(self, key: str) -> dict[str, Any]:
        return dict(self.get(key, lambda v: isinstance(v, Mapping), "an object", {}))

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.raw.get(key, default)
        if value in choices:
            return str(value)
        if isinstance(value, str):
            hint = suggest(value, choices)
            self.bad(key, f"unknown value {value!r}{hint}; use one of {', '.join(choices)}")
        else:
            self.bad(key, f"expected one of {', '.join(choices)}, got {_kind(value)}")
        return default

    def channel(self, key: str, default: str) -> Channel:
        name = self.text(key, default)
        try:
            return Channel(name)
        except ValidationError as error:
            self.bad(key, error.problems[0].message)
            return Channel(default)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_amount(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value) and value >= 0
    return value is None or _is_count(value)


def context_from_input(raw: Mapping[str, Any]) -> RoutingContext:
    """Build a routing context from plain data (the ``input`` of a case).

    Keys: channel, text, subject, direction, author, metadata, attachments
    (a count), customer (id, vip, tier, language, lifetime_value, attributes),
    conversation (status, priority, queue, assignee, tags, channel, subject),
    open_conversations, changes (path -> [old, new]), now (ISO 8601 with
    a UTC offset) and orders (each: number, status, financial_status,
    fulfillment_status, value, currency, placed_at, refunds as a list of
    instants) and call (status, direction, answered, duration_seconds: the
    call a missed-call task stands for). Unknown keys, at any level, and
    wrong types are errors.

    Raises:
        ValidationError: every problem, each with its path under the input.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError.single("", f"expected an object, got {_kind(raw)}")
    problems: list[Problem] = []
    top = _Reader(raw, "", problems)
    top.keys(INPUT_KEYS)
    try:
        now = _now(top)
        channel = top.channel("channel", "email")
        message = _message(top, channel, now) if any(k in raw for k in _MESSAGE_KEYS) else None
        customer = _customer(top) if "customer" in raw else None
        conversation = _conversation(top, channel, now) if "conversation" in raw else None
        context = RoutingContext(
            now=now,
            message=message,
            customer=customer,
            conversation=conversation,
            open_conversations=top.count("open_conversations"),
            changes=_changes(top),
            orders=_orders(top),
            call=_call(top) if "call" in raw else None,
        )
    except ValidationError as error:  # a model invariant the checks above do not cover
        problems.extend(error.problems)
    if problems:
        raise ValidationError(problems)
    return context


def _orders(top: _Reader) -> tuple[Order, ...]:
    items = top.get("orders", lambda v: isinstance(v, list), "a list of objects", [])
    found = []
    for index, item in enumerate(items):
        where = f"{top.path('orders')}[{index}]"
        if not isinstance(item, Mapping):
            top.problems.append(Problem(where, f"expected an object, got {_kind(item)}"))
            continue
        o = _Reader(item, where, top.problems)
        o.keys(_ORDER_KEYS)
        value = o.get("value", _is_amount, "a number, 0 or more")
        placed = _instant(o, "placed_at", None)
        stamps = o.get("refunds", lambda v: isinstance(v, list), "a list of ISO 8601 times", [])
        refunds = []
        for n, stamp in enumerate(stamps):
            at = _instant_at(stamp, f"{o.path('refunds')}[{n}]", top.problems, None)
            if at is not None:
                refunds.append(OrderRefund(id=f"refund{n}", at=at))
        found.append(Order(
            system="case", order_id=str(index + 1), customer_id="customer",
            order_number=o.optional_text("number"),
            status=o.choice("status", ORDER_STATUSES, "open"),
            financial_status=o.optional_text("financial_status"),
            fulfillment_status=o.optional_text("fulfillment_status"),
            total=None if value is None else Decimal(str(value)),
            currency=o.optional_text("currency"), placed_at=placed, refunds=tuple(refunds),
        ))  # fmt: skip
    return tuple(found)


def _instant(reader: _Reader, key: str, default: datetime | None) -> datetime | None:
    if key not in reader.raw:
        return default
    return _instant_at(reader.raw[key], reader.path(key), reader.problems, default)


def _instant_at(
    value: Any, path: str, problems: list[Problem], default: datetime | None
) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            problems.append(
                Problem(path, "expected an ISO 8601 time like '2026-01-05T10:00:00+00:00'")
            )
            return default
    if not isinstance(value, datetime):
        problems.append(Problem(path, f"expected an ISO 8601 time, got {_kind(value)}"))
        return default
    if value.utcoffset() is None:
        problems.append(
            Problem(path, "add a UTC offset, like '2026-01-05T10:00:00+00:00' or '...Z'")
        )
        return default
    return value


def _now(top: _Reader) -> datetime:
    return _instant(top, "now", DEFAULT_NOW) or DEFAULT_NOW


def _message(top: _Reader, channel: Channel, now: datetime) -> Message:
    direction = top.choice("direction", tuple(d.value for d in Direction), "inbound")
    author = top.choice("author", tuple(k.value for k in AuthorKind), "customer")
    attachments = top.count("attachments")
    return Message(
        id="case",
        channel=channel,
        direction=Direction(direction),
        author=Author(kind=AuthorKind(author)),
        sent_at=now,
        text=top.text("text", ""),
        thread=ThreadRefs(subject=top.optional_text("subject")),
        metadata=top.mapping("metadata"),
        attachments=tuple(Attachment(filename=f"file{i}") for i in range(attachments)),
    )


def _customer(top: _Reader) -> Customer | None:
    raw = top.get("customer", lambda v: isinstance(v, Mapping), "an object")
    if raw is None:
        return None
    c = _Reader(raw, top.path("customer"), top.problems)
    c.keys(_CUSTOMER_KEYS)
    ltv = c.get("lifetime_value", _is_amount, "a number, 0 or more")
    customer_id = c.text("id", "customer")
    return Customer(
        id=customer_id or "customer",
        vip=c.flag("vip"),
        tier=c.optional_text("tier"),
        language=c.optional_text("language"),
        lifetime_value=None if ltv is None else Decimal(str(ltv)),
        attributes=c.mapping("attributes"),
    )


def _call(top: _Reader) -> Call | None:
    raw = top.get("call", lambda v: isinstance(v, Mapping), "an object")
    if raw is None:
        return None
    c = _Reader(raw, top.path("call"), top.problems)
    c.keys(_CALL_KEYS)
    duration = c.get("duration_seconds", lambda v: v is None or _is_count(v),
                     "a whole number of seconds, 0 or more")  # fmt: skip
    return Call(
        id="call",
        status=CallStatus(c.choice("status", tuple(s.value for s in CallStatus), "completed")),
        direction=Direction(c.choice("direction", ("inbound", "outbound"), "inbound")),
        answered=c.flag("answered"),
        duration_seconds=duration,
    )


def _conversation(top: _Reader, channel: Channel, now: datetime) -> Conversation | None:
    raw = top.get("conversation", lambda v: isinstance(v, Mapping), "an object")
    if raw is None:
        return None
    v = _Reader(raw, top.path("conversation"), top.problems)
    v.keys(_CONVERSATION_KEYS)
    tags = v.get(
        "tags",
        lambda t: isinstance(t, list) and all(isinstance(x, str) for x in t),
        "a list of strings",
        [],
    )
    return Conversation(
        id="conversation",
        customer_id="customer",
        channel=v.channel("channel", channel.name),
        created_at=now,
        status=Status(v.choice("status", tuple(s.value for s in Status), "open")),
        priority=Priority(v.choice("priority", tuple(p.value for p in Priority), "normal")),
        queue=v.optional_text("queue"),
        assignee=v.optional_text("assignee"),
        tags=frozenset(tags),
        subject=v.optional_text("subject"),
    )


def _changes(top: _Reader) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for path, pair in top.mapping("changes").items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            changes[str(path)] = (pair[0], pair[1])
        else:
            top.bad(f"changes.{path}", "expected [old, new], a list of two values")
    return changes

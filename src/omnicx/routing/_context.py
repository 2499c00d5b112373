"""What a rule sees: the routing context and the field paths conditions read."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq
from omnicx.model import ORDER_STATUSES, Call, CallStatus, Conversation, Customer, Message, Order
from omnicx.model._checks import aware
from omnicx.routing import _commerce as commerce
from omnicx.routing._signals import (
    LanguageDetector,
    Lexicon,
    LexiconLanguage,
    LexiconSentiment,
    SentimentClassifier,
    language_of,
    sentiment_of,
)
from omnicx.routing._social import SocialSentiment
from omnicx.routing._text import Words

__all__ = ["FIELDS", "Facts", "FieldKind", "RoutingContext", "Signals"]


@attrs.frozen(kw_only=True)
class RoutingContext:
    """Everything the rules may look at for one routing decision.

    Attributes:
        now: when the decision is made (``in_business_hours`` uses it).
        message: the message being routed; None for an update event.
        customer: the customer, if known.
        conversation: the conversation, if one exists yet.
        open_conversations: how many active conversations the customer has.
        changes: for an update event, field path -> (old, new) plain values,
            e.g. ``{"conversation.priority": ("normal", "urgent")}``.
        orders: the customer's orders (``DeskStore.orders``), which the
            ``customer.last_order.*``, ``customer.orders``,
            ``customer.open_orders`` and ``customer.recent_refunds`` fields read.
    """

    now: datetime = attrs.field(validator=aware)
    message: Message | None = None
    customer: Customer | None = None
    conversation: Conversation | None = None
    open_conversations: int = 0
    changes: Mapping[str, tuple[Any, Any]] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    orders: tuple[Order, ...] = attrs.field(default=(), converter=frozen_seq)
    call: Call | None = None
    """The call a voice event routes (a missed call's callback task), read by ``call.*``."""


@attrs.frozen(kw_only=True)
class Signals:
    """The lexicon and classifiers that derive ``signals.*`` fields from the text."""

    lexicon: Lexicon = attrs.field(factory=Lexicon)
    sentiment: SentimentClassifier = attrs.field(factory=SocialSentiment)
    language: LanguageDetector = attrs.field(factory=LexiconLanguage)


class FieldKind(enum.Enum):
    """The type of a field, which decides the operators and values it accepts."""

    TEXT = "text"
    STRING = "string"
    NUMBER = "number"
    BOOL = "bool"
    LIST = "list"
    ANY = "any"


class Facts:
    """One context seen through field paths, caching the costly derived values."""

    __slots__ = ("_cache", "_words", "ctx", "signals")

    def __init__(self, ctx: RoutingContext, signals: Signals) -> None:
        self.ctx = ctx
        self.signals = signals
        self._cache: dict[str, Any] = {}
        self._words: dict[str, Words] = {}

    def words(self, path: str) -> Words:
        """The words of a text field, computed once per context."""
        cached = self._words.get(path)
        if cached is None:
            raw = get_field(path)(self)
            cached = self._words[path] = Words.of(raw if isinstance(raw, str) else "")
        return cached


Getter = Callable[[Facts], Any]


def _msg(f: Callable[[Message], Any]) -> Getter:
    return lambda facts: None if facts.ctx.message is None else f(facts.ctx.message)


def _cust(f: Callable[[Customer], Any]) -> Getter:
    return lambda facts: None if facts.ctx.customer is None else f(facts.ctx.customer)


def _conv(f: Callable[[Conversation], Any]) -> Getter:
    return lambda facts: None if facts.ctx.conversation is None else f(facts.ctx.conversation)


def _call(f: Callable[[Call], Any]) -> Getter:
    return lambda facts: None if facts.ctx.call is None else f(facts.ctx.call)


def _last(f: Callable[[Order], Any]) -> Getter:
    def read(facts: Facts) -> Any:
        cache = facts._cache
        if "last_order" not in cache:
            cache["last_order"] = commerce.last_order(facts.ctx.orders)
        order = cache["last_order"]
        return None if order is None else f(order)

    return read


def _channel(facts: Facts) -> str | None:
    ctx = facts.ctx
    if ctx.message is not None:
        return ctx.message.channel.name
    return None if ctx.conversation is None else ctx.conversation.channel.name


def _text(facts: Facts) -> str:
    message = facts.ctx.message
    return "" if message is None else message.text


def _sentiment(facts: Facts) -> float:
    cache = facts._cache
    if "sentiment" not in cache:
        classifier, text = facts.signals.sentiment, _text(facts)
        # The default classifier reads the words the keyword rules already cut.
        if type(classifier) is LexiconSentiment and isinstance(text, str):
            cache["sentiment"] = sentiment_of(facts.words("message.text"))
        else:
            cache["sentiment"] = classifier.score(text)
    return float(cache["sentiment"])


def _sentiment_label(facts: Facts) -> str:
    score = _sentiment(facts)
    return "negative" if score < -0.2 else "positive" if score > 0.2 else "neutral"


def _language(facts: Facts) -> str | None:
    cache = facts._cache
    if "language" not in cache:
        detector, text = facts.signals.language, _text(facts)
        if type(detector) is LexiconLanguage and isinstance(text, str):
            cache["language"] = language_of(facts.words("message.text"))
        else:
            cache["language"] = detector.detect(text)
    return cache["language"]  # type: ignore[no-any-return]


def _keywords(facts: Facts) -> tuple[str, ...]:
    cache = facts._cache
    if "kw" not in cache:
        cache["kw"] = facts.signals.lexicon.categories(facts.words("message.text"))
    return cache["kw"]  # type: ignore[no-any-return]


def _urgent(facts: Facts) -> bool:
    cache = facts._cache
    if "urgent" not in cache:
        cache["urgent"] = facts.signals.lexicon.is_urgent(facts.words("message.text"))
    return cache["urgent"]  # type: ignore[no-any-return]


FIELDS: Mapping[str, tuple[FieldKind, Getter]] = {
    "channel": (FieldKind.STRING, _channel),
    "message.text": (FieldKind.TEXT, _text),
    "message.subject": (FieldKind.TEXT, _msg(lambda m: m.thread.subject)),
    "message.channel": (FieldKind.STRING, _msg(lambda m: m.channel.name)),
    "message.direction": (FieldKind.STRING, _msg(lambda m: m.direction.value)),
    "message.author_kind": (FieldKind.STRING, _msg(lambda m: m.author.kind.value)),
    "message.has_attachments": (FieldKind.BOOL, _msg(lambda m: bool(m.attachments))),
    "message.public": (FieldKind.BOOL, _msg(lambda m: m.public)),
    "message.visibility": (FieldKind.STRING, _msg(lambda m: m.visibility.value)),
    "message.post_id": (FieldKind.STRING, _msg(lambda m: m.post_id)),
    "message.parent_id": (FieldKind.STRING, _msg(lambda m: m.parent_id)),
    "message.is_reply": (FieldKind.BOOL, _msg(lambda m: m.parent_id is not None)),
    "message.author_followers": (FieldKind.NUMBER, _msg(lambda m: m.author.followers)),
    "message.author_verified": (FieldKind.BOOL, _msg(lambda m: m.author.verified is True)),
    "customer.id": (FieldKind.STRING, _cust(lambda c: c.id)),
    "customer.vip": (FieldKind.BOOL, lambda f: f.ctx.customer is not None and f.ctx.customer.vip),
    "customer.tier": (FieldKind.STRING, _cust(lambda c: c.tier)),
    "customer.language": (FieldKind.STRING, _cust(lambda c: c.language)),
    "customer.lifetime_value": (
        FieldKind.NUMBER,
        _cust(lambda c: None if c.lifetime_value is None else float(c.lifetime_value)),
    ),
    "customer.open_conversations": (FieldKind.NUMBER, lambda f: f.ctx.open_conversations),
    "customer.orders": (FieldKind.NUMBER, lambda f: len(f.ctx.orders)),
    "customer.open_orders": (FieldKind.NUMBER, lambda f: commerce.open_orders(f.ctx.orders)),
    "customer.recent_refunds": (
        FieldKind.NUMBER,
        lambda f: commerce.recent_refunds(f.ctx.orders, f.ctx.now),
    ),
    "customer.last_order.number": (FieldKind.STRING, _last(lambda o: o.order_number)),
    "customer.last_order.status": (FieldKind.STRING, _last(lambda o: o.status or None)),
    "customer.last_order.financial_status": (FieldKind.STRING, _last(lambda o: o.financial_status)),
    "customer.last_order.fulfillment_status": (
        FieldKind.STRING,
        _last(lambda o: o.fulfillment_status),
    ),
    "customer.last_order.value": (
        FieldKind.NUMBER,
        _last(lambda o: None if o.total is None else float(o.total)),
    ),
    "customer.last_order.currency": (FieldKind.STRING, _last(lambda o: o.currency)),
    "customer.last_order.age_days": (
        FieldKind.NUMBER,
        lambda f: commerce.age_days(_last(lambda o: o)(f), f.ctx.now),
    ),
    "conversation.status": (FieldKind.STRING, _conv(lambda c: c.status.value)),
    "conversation.priority": (FieldKind.STRING, _conv(lambda c: c.priority.value)),
    "conversation.queue": (FieldKind.STRING, _conv(lambda c: c.queue)),
    "conversation.assignee": (FieldKind.STRING, _conv(lambda c: c.assignee)),
    "conversation.tags": (FieldKind.LIST, _conv(lambda c: sorted(c.tags))),
    "conversation.subject": (FieldKind.TEXT, _conv(lambda c: c.subject)),
    "conversation.channel": (FieldKind.STRING, _conv(lambda c: c.channel.name)),
    "conversation.bot": (FieldKind.STRING, _conv(lambda c: None if c.bot is None else c.bot.id)),
    "conversation.owned_by_bot": (
        FieldKind.BOOL,
        lambda f: f.ctx.conversation is not None and f.ctx.conversation.bot is not None,
    ),
    "conversation.bot_turns": (
        FieldKind.NUMBER,
        _conv(lambda c: 0 if c.bot is None else c.bot.turns),
    ),
    "call.status": (FieldKind.STRING, _call(lambda c: c.status.value)),
    "call.direction": (FieldKind.STRING, _call(lambda c: c.direction.value)),
    "call.missed": (FieldKind.BOOL, lambda f: f.ctx.call is not None and f.ctx.call.missed),
    "call.abandoned": (FieldKind.BOOL, lambda f: f.ctx.call is not None and f.ctx.call.abandoned),
    "call.answered": (FieldKind.BOOL, lambda f: f.ctx.call is not None and f.ctx.call.answered),
    "call.duration_seconds": (FieldKind.NUMBER, _call(lambda c: c.duration_seconds)),
    "signals.keywords": (FieldKind.LIST, _keywords),
    "signals.urgent": (FieldKind.BOOL, _urgent),
    "signals.sentiment": (FieldKind.STRING, _sentiment_label),
    "signals.sentiment_score": (FieldKind.NUMBER, _sentiment),
    "signals.language": (FieldKind.STRING, _language),
}
"""Every fixed field path a condition may read, with its kind and how to read it."""

# Open-ended maps: any key below these prefixes is a field of kind ANY.
_PREFIXES: Mapping[str, Callable[[Facts], Mapping[str, Any] | None]] = {
    "customer.attributes.": lambda f: None if f.ctx.customer is None else f.ctx.customer.attributes,
    "message.metadata.": lambda f: None if f.ctx.message is None else f.ctx.message.metadata,
}

FIELD_CHOICES: Mapping[str, tuple[str, ...]] = {
    "customer.last_order.status": ORDER_STATUSES,
    "conversation.priority": ("low", "normal", "high", "urgent"),
    "conversation.status": ("new", "open", "pending", "on_hold", "solved", "closed"),
    "call.status": tuple(status.value for status in CallStatus),
    "call.direction": ("inbound", "outbound"),
    "message.direction": ("inbound", "outbound"),
    "message.author_kind": ("customer", "agent", "bot", "automation", "system"),
    "message.visibility": ("private", "public"),
    "signals.sentiment": ("negative", "neutral", "positive"),
}
"""Fields with a closed set of values: a rule comparing them to anything else is an error."""


def field_kind(path: str) -> FieldKind | None:
    """The kind of a field path, or None if the path is unknown."""
    if path in FIELDS:
        return FIELDS[path][0]
    if any(path.startswith(p) and len(path) > len(p) for p in _PREFIXES):
        return FieldKind.ANY
    return None


def get_field(path: str) -> Getter:
    """A function reading ``path`` from facts; ``path`` must be known."""
    if path in FIELDS:
        return FIELDS[path][1]
    for prefix, mapping in _PREFIXES.items():
        if path.startswith(prefix):
            key = path[len(prefix) :]

            def read(facts: Facts, mapping: Any = mapping, key: str = key) -> Any:
                found = mapping(facts)
                return None if found is None else found.get(key)

            return read
    raise KeyError(path)


def known_paths() -> tuple[str, ...]:
    """Every fixed path plus the open prefixes, for suggestions and the schema."""
    return (*FIELDS, *(p + "*" for p in _PREFIXES))

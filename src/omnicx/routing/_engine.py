"""The compiled rule engine: ``decide`` fast, ``explain`` in full on demand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_map, frozen_seq, frozen_set
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import Priority
from omnicx.routing._compile import Compiled, Failure, OpenHours, Pred, compile_node, explain
from omnicx.routing._conditions import Group, Leaf, Node
from omnicx.routing._context import Facts, RoutingContext, Signals
from omnicx.routing._rules import Actions, AutoReply, Mode, Rule, RuleSet
from omnicx.routing._text import Terms

__all__ = ["Decision", "RuleEngine", "RuleTrace", "Trace"]


@attrs.frozen(kw_only=True)
class Decision:
    """What the rules decided for one context; None or empty means "no change".

    ``tags`` are the tags to add and ``removed_tags`` those to remove, after
    every fired rule applied in order. ``fired`` lists the ids of the rules
    that matched, in order.
    """

    queue: str | None = None
    priority: Priority | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    removed_tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    language: str | None = None
    sla_policy: str | None = None
    auto_replies: tuple[AutoReply, ...] = attrs.field(default=(), converter=frozen_seq)
    escalations: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    notifications: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    fields: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    bot: str | None = None
    """The bot a new conversation goes to (the last fired rule's ``bot``)."""
    handoff: bool = False
    """True when a fired rule hands a bot's conversation to people."""
    fired: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)


@attrs.frozen(kw_only=True)
class RuleTrace:
    """One rule's part in an explanation.

    ``evaluated`` is False for rules after evaluation stopped; ``failure`` is
    the first condition that did not hold, with the value it saw.
    """

    rule_id: str
    enabled: bool
    evaluated: bool
    matched: bool
    failure: Failure | None = None

    def __str__(self) -> str:
        if not self.enabled:
            return f"- {self.rule_id}: disabled"
        if not self.evaluated:
            return f"- {self.rule_id}: not evaluated (an earlier rule stopped evaluation)"
        if self.matched:
            return f"+ {self.rule_id}: matched"
        return f"- {self.rule_id}: no match: {self.failure}"


@attrs.frozen(kw_only=True)
class Trace:
    """Every rule in order with whether it matched and why not, plus the decision."""

    rules: tuple[RuleTrace, ...] = attrs.field(converter=frozen_seq)
    decision: Decision

    def __str__(self) -> str:
        lines = [str(r) for r in self.rules]
        d = self.decision
        priority = None if d.priority is None else d.priority.value
        lines.append(f"=> queue={d.queue!r} priority={priority!r} tags={sorted(d.tags)}")
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class _Compiled:
    rule: Rule
    pred: Pred | None  # what is left to test past the bucket and the gate
    cond: Compiled | None
    gate: frozenset[str] | None
    channels: frozenset[str] | None
    decision: Decision


# One rule as ``decide`` walks it: the gate, what is left to test past it, the rule.
_Step = tuple[frozenset[str] | None, Pred | None, _Compiled]


def _conjuncts(cond: Compiled | None) -> tuple[Compiled, ...]:
    if cond is None:
        return ()
    if isinstance(cond.node, Group) and cond.node.kind == "all":
        return cond.children
    return (cond,)


def _index_keys(
    cond: Compiled | None, urgency: Terms
) -> tuple[frozenset[str] | None, frozenset[str] | None, Pred | None]:
    """The channels a rule is limited to, the words one of which it needs, and the rest.

    The rest is what ``decide`` still tests once the bucket and the gate let
    the rule through: its conjuncts minus the channel condition (true in the
    rule's own buckets) and a single-word keyword condition (true exactly
    when the gate passes); None if nothing is left. Without a ``contains`` or
    ``contains_any`` keyword condition, a ``contains_all`` one (any of its
    words is needed) or ``signals.urgent`` true (an urgency term is) gates.
    """
    channels: frozenset[str] | None = None
    gate: frozenset[str] | None = None
    needed: frozenset[str] | None = None
    parts = _conjuncts(cond)
    implied: dict[str, Compiled] = {}
    for part in parts:
        node = part.node
        if not isinstance(node, Leaf):
            continue
        if node.field == "channel" and node.op in ("eq", "in"):
            values = [node.value] if node.op == "eq" else node.value
            channels = frozenset(v for v in values if isinstance(v, str))
            implied["channel"] = part
        elif node.field == "message.text" and node.op in ("contains", "contains_any"):
            terms = Terms.of([node.value] if node.op == "contains" else node.value)
            gate = terms.gate
            implied.pop("gate", None)
            if not terms.phrases:
                implied["gate"] = part
        elif needed is None and node.field == "message.text" and node.op == "contains_all":
            every = Terms.of(node.value).gate  # each term's (first) word is needed
            needed = frozenset(sorted(every)[:1]) if every else None
        elif (
            needed is None
            and node.field == "signals.urgent"
            and node.op == "eq"
            and node.value is True
        ):
            needed = urgency.gate
    gate = needed if gate is None else gate
    rest = tuple(p.pred for p in parts if all(p is not q for q in implied.values()))
    if cond is None or len(rest) == len(parts):
        return channels, gate, None if cond is None else cond.pred
    return channels, gate, _all(rest)


def _all(preds: tuple[Pred, ...]) -> Pred | None:
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda f: a(f) and b(f)
    return lambda f: all(p(f) for p in preds)


def _merge(rules: Sequence[Rule]) -> Decision:
    """Apply fired rules in order: later single values override earlier ones."""
    out: dict[str, Any] = {}
    added: dict[str, None] = {}
    removed: set[str] = set()
    skills: set[str] = set()
    replies: list[AutoReply] = []
    escalations: list[str] = []
    notes: list[str] = []
    fields: dict[str, Any] = {}
    for rule in rules:
        a: Actions = rule.then
        for key in ("queue", "language", "sla_policy", "bot"):
            if getattr(a, key) is not None:
                out[key] = getattr(a, key)
        if a.priority is not None:
            out["priority"] = Priority(a.priority)
        for tag in a.add_tags:
            added[tag] = None
            removed.discard(tag)
        for tag in a.remove_tags:
            added.pop(tag, None)
            removed.add(tag)
        skills.update(a.skills)
        if a.auto_reply is not None:
            replies.append(a.auto_reply)
        if a.escalate is not None:
            escalations.append(a.escalate)
        notes.extend(a.notify)
        fields.update(a.set_fields)
        if a.handoff:
            out["handoff"] = True
    return Decision(
        **out,
        tags=frozenset(added),
        removed_tags=frozenset(removed),
        skills=frozenset(skills),
        auto_replies=tuple(replies),
        escalations=tuple(escalations),
        notifications=tuple(notes),
        fields=fields,
        fired=tuple(r.id for r in rules),
    )


@attrs.frozen
class RuleEngine:
    """A rule set compiled to predicates and indexed by channel and keyword.

    Build one with ``RuleEngine.compile`` and reuse it: it is immutable and
    safe to share between threads.
    """

    _rules: tuple[_Compiled, ...] = attrs.field(converter=frozen_seq)
    _buckets: Mapping[str, tuple[_Step, ...]] = attrs.field(converter=frozen_map)
    _other: tuple[_Step, ...] = attrs.field(converter=frozen_seq)
    _first_match: bool
    _signals: Signals

    @classmethod
    def compile(
        cls,
        rule_set: RuleSet,
        *,
        calendars: Mapping[str, OpenHours] | None = None,
        signals: Signals | None = None,
    ) -> RuleEngine:
        """Compile ``rule_set``; ``calendars`` maps names used by ``in_business_hours``.

        Raises:
            ValidationError: if a rule names a calendar not in ``calendars``.
        """
        calendars = calendars or {}
        problems = [
            Problem(
                f"{where}.calendar", f"unknown calendar {name!r}{suggest(name, sorted(calendars))}"
            )
            for where, name in _calendar_uses(rule_set)
            if name not in calendars
        ]
        if problems:
            raise ValidationError(problems)
        signals = signals or Signals()
        urgency = Terms.of(signals.lexicon.urgency)
        compiled = []
        for rule in rule_set.rules:
            cond = None if rule.when is None else compile_node(rule.when, calendars)
            channels, gate, rest = _index_keys(cond, urgency)
            compiled.append(
                _Compiled(
                    rule=rule,
                    pred=rest,
                    cond=cond,
                    gate=gate,
                    channels=channels,
                    decision=_merge([rule]),
                )
            )
        live = [c for c in compiled if c.rule.enabled]
        named = sorted({ch for c in live for ch in (c.channels or ())})
        buckets = {
            ch: tuple((c.gate, c.pred, c) for c in live if c.channels is None or ch in c.channels)
            for ch in named
        }
        other = tuple((c.gate, c.pred, c) for c in live if c.channels is None)
        return cls(tuple(compiled), buckets, other, rule_set.mode is Mode.FIRST_MATCH, signals)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The compiled rules, in the rule set's order (their index is their path's)."""
        return tuple(c.rule for c in self._rules)

    def decide(self, context: RoutingContext) -> Decision:
        """Run the rules over ``context`` and return what they decided."""
        facts = Facts(context, self._signals)
        message = context.message
        if message is not None:
            channel: str | None = message.channel.name
        else:
            channel = None if context.conversation is None else context.conversation.channel.name
        bucket = self._other if channel is None else self._buckets.get(channel, self._other)
        fired: list[_Compiled] = []
        words: frozenset[str] | None = None
        for gate, pred, c in bucket:
            if gate is not None:
                if words is None:
                    words = facts.words("message.text").words
                if gate.isdisjoint(words):
                    continue
            if pred is None or pred(facts):
                if self._first_match:
                    return c.decision
                fired.append(c)
                if c.rule.stop:
                    break
        if not fired:
            return _EMPTY
        if len(fired) == 1:
            return fired[0].decision
        return _merge([c.rule for c in fired])

    def explain(self, context: RoutingContext) -> Trace:
        """Evaluate every rule in order and say, for each, whether and why it matched."""
        facts = Facts(context, self._signals)
        traces: list[RuleTrace] = []
        fired: list[Rule] = []
        stopped = False
        for c in self._rules:
            rule = c.rule
            if not rule.enabled or stopped:
                traces.append(
                    RuleTrace(rule_id=rule.id, enabled=rule.enabled, evaluated=False, matched=False)
                )
                continue
            failure = None if c.cond is None else explain(c.cond, facts)
            traces.append(
                RuleTrace(
                    rule_id=rule.id,
                    enabled=True,
                    evaluated=True,
                    matched=failure is None,
                    failure=failure,
                )
            )
            if failure is None:
                fired.append(rule)
                stopped = self._first_match or rule.stop
        decision = _merge(fired) if fired else _EMPTY
        return Trace(rules=tuple(traces), decision=decision)


_EMPTY = Decision()


def _calendar_uses(rule_set: RuleSet) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: Node | None) -> None:
        if isinstance(node, Group):
            for item in node.items:
                walk(item)
        elif isinstance(node, Leaf) and node.op == "in_business_hours":
            found.append((node.where, node.extra["calendar"]))

    for rule in rule_set.rules:
        walk(rule.when)
    return found

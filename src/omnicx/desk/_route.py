"""The routing step of ``Desk.receive``: decide, apply, and queue what to send."""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx.desk._auto_reply import AutoReplies
from omnicx.desk._outbox import to_target
from omnicx.desk._receipt import OutboxKind
from omnicx.desk._record_steps import caused_at, change_conversation
from omnicx.desk._unit import SYSTEM, Unit
from omnicx.model import Priority
from omnicx.routing import Decision, RoutingContext, RuleEngine, apply_decision
from omnicx.storage import ConversationRecord


def route(
    rules: RuleEngine,
    unit: Unit,
    record: ConversationRecord,
    context: RoutingContext,
    *,
    fresh: bool,
    redecide: bool = False,
    auto: AutoReplies,
) -> tuple[ConversationRecord, Decision]:
    """``record`` routed by ``rules`` in ``context``; returns it with the decision.

    ``fresh`` is true for a new or reopened conversation: only those take the
    decided queue and send auto-replies (``apply_decision``). ``redecide``
    is true when the message is the conversation's new earliest one before
    any agent acted: the queue, skills, language and SLA policy are decided
    again on it as if it had opened the conversation (priority still only
    rises and tags accumulate: other messages decided those too); the
    auto-reply went out already. ``auto`` renders the auto-replies (macros,
    articles, channel rules).
    """
    decision = rules.decide(context)
    caused = caused_at(context.message) if context.message is not None else None
    if redecide:
        record = _redecided(unit, record, decision, caused)
    else:
        updated = apply_decision(record.conversation, decision, fresh=fresh)
        record = change_conversation(unit, record, updated, SYSTEM, at=caused)
    # Auto-replies acknowledge a new or reopened conversation, not every message.
    if fresh:
        auto.queue(unit, record, decision.auto_replies, customer=context.customer,
                   message=context.message)  # fmt: skip
    for kind, targets in (
        (OutboxKind.NOTIFICATION, decision.notifications),
        (OutboxKind.ESCALATION, decision.escalations),
    ):
        unit.outbox.extend(to_target(record, kind, target) for target in targets)
    return record, decision


def _redecided(
    unit: Unit, record: ConversationRecord, decision: Decision, caused: datetime | None
) -> ConversationRecord:
    # The timeline gets the decision as if this message had opened the
    # conversation (at its instant, from a new conversation's values), so
    # the SLA clocks re-folded from it see what an in-order run saw; the
    # stored conversation keeps what other messages added (priority, tags).
    current = record.conversation
    opened = attrs.evolve(current, queue=None, skills=frozenset(), language=None,
                          sla_policy=None, priority=Priority.NORMAL, tags=frozenset())  # fmt: skip
    as_opened = apply_decision(opened, decision, fresh=True)
    change_conversation(unit, attrs.evolve(record, conversation=opened), as_opened, SYSTEM,
                        at=caused)  # fmt: skip
    routing_only = attrs.evolve(current, queue=None, skills=frozenset(), language=None,
                                sla_policy=None)  # fmt: skip
    return attrs.evolve(record, conversation=apply_decision(routing_only, decision, fresh=True))

"""The routing step of ``Desk.receive``: decide, apply, and queue what to send."""

from __future__ import annotations

from omnicx.desk._outbox import to_customer, to_target
from omnicx.desk._receipt import OutboxKind
from omnicx.desk._record_steps import caused_at, change_conversation
from omnicx.desk._unit import SYSTEM, Unit
from omnicx.routing import RoutingContext, RuleEngine, apply_decision
from omnicx.storage import ConversationRecord


def route(
    rules: RuleEngine,
    unit: Unit,
    record: ConversationRecord,
    context: RoutingContext,
    *,
    fresh: bool,
) -> tuple[ConversationRecord, tuple[str, ...]]:
    """``record`` routed by ``rules`` in ``context``; returns it with the rules that fired.

    ``fresh`` is true for a new or reopened conversation: only those take the
    decided queue and send auto-replies (``apply_decision``).
    """
    decision = rules.decide(context)
    updated = apply_decision(record.conversation, decision, fresh=fresh)
    caused = caused_at(context.message) if context.message is not None else None
    record = change_conversation(unit, record, updated, SYSTEM, at=caused)
    # Auto-replies acknowledge a new or reopened conversation, not every message.
    for auto in decision.auto_replies if fresh else ():
        unit.outbox.append(
            to_customer(record, OutboxKind.AUTO_REPLY, template=auto.template,
                        variables=dict(auto.variables))
        )  # fmt: skip
    for kind, targets in (
        (OutboxKind.NOTIFICATION, decision.notifications),
        (OutboxKind.ESCALATION, decision.escalations),
    ):
        unit.outbox.extend(to_target(record, kind, target) for target in targets)
    return record, decision.fired

"""Checks that a desk's rules only name what the rest of the desk has."""

from __future__ import annotations

from typing import Any

import attrs

from omnicx.desk._fields import FieldSchema, field_problems
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.routing import RuleEngine
from omnicx.sla import SlaEngine


def rule_action_problems(
    rules: RuleEngine | None, sla: SlaEngine | None, fields: FieldSchema | None
) -> list[Problem]:
    """What is wrong with the rules' ``sla_policy`` and ``set_fields`` for this desk.

    A rule's ``sla_policy`` must be a policy of ``sla`` (without an SLA
    engine nothing tracks SLAs and any name is kept on the conversation);
    its ``set_fields`` must fit ``fields`` (without a schema any finite
    scalar does: a YAML ``.inf`` does not).
    Paths are the rule file's: ``rules[2].then.sla_policy``.
    """
    if not isinstance(rules, RuleEngine):
        return []
    engine = sla if isinstance(sla, SlaEngine) else None
    schema = fields if isinstance(fields, FieldSchema) else None
    known = [] if engine is None else list(engine.policy_names)
    problems: list[Problem] = []
    for i, rule in enumerate(rules.rules):
        where = f"rules[{i}].then"
        policy = rule.then.sla_policy
        if engine is not None and policy is not None and engine.policy_named(policy) is None:
            listed = ", ".join(known) or "none"
            problems.append(
                Problem(
                    f"{where}.sla_policy",
                    f"rule {rule.id!r} names SLA policy {policy!r}{suggest(policy, known)}, "
                    f"which the desk's SLA engine does not have (its policies: {listed}); "
                    "add the policy to the engine or change the rule",
                )
            )
        if rule.then.set_fields:
            problems.extend(field_problems(rule.then.set_fields, schema, f"{where}.set_fields"))
    return problems


def check_rule_actions(
    rules: RuleEngine | None, sla: SlaEngine | None, fields: FieldSchema | None
) -> None:
    """Raise ``ValidationError`` with every ``rule_action_problems``, if any."""
    problems = rule_action_problems(rules, sla, fields)
    if problems:
        raise ValidationError(problems)


def consistent_actions(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``Desk`` validator: its rules, SLA engine and field schema agree, whichever changes."""
    current = {name: getattr(instance, name, None) for name in ("rules", "sla", "fields")}
    current[attribute.name] = value
    check_rule_actions(current["rules"], current["sla"], current["fields"])

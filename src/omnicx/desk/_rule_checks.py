"""Checks that a desk's rules only name what the rest of the desk has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_map
from omnicx.channels import Capabilities
from omnicx.desk._fields import FieldSchema, field_problems
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.kb import KnowledgeBase, Macro
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


def reply_problems(rules: Any, kb: Any, macros: Mapping[str, Macro]) -> list[Problem]:
    """What is wrong with the rules' auto-replies for this desk.

    A ``macro`` must be one of ``macros`` with a public, non-empty text (an
    auto-reply goes to the customer); ``articles`` needs a knowledge base.
    Paths are the rule file's: ``rules[2].then.auto_reply.macro``.
    """
    if not isinstance(rules, RuleEngine):
        return []
    problems: list[Problem] = []
    for i, rule in enumerate(rules.rules):
        reply, where = rule.then.auto_reply, f"rules[{i}].then.auto_reply"
        while reply is not None:
            if reply.macro is not None:
                macro = macros.get(reply.macro)
                if macro is None:
                    names = sorted(macros)
                    problems.append(
                        Problem(f"{where}.macro",
                                f"rule {rule.id!r} names macro {reply.macro!r}"
                                f"{suggest(reply.macro, names)}, which the desk does not have "
                                f"(its macros: {', '.join(names) or 'none'}); pass it in "
                                "Desk(macros=[...]) or change the rule")
                    )  # fmt: skip
                elif not macro.text or not macro.public:
                    problems.append(
                        Problem(f"{where}.macro", f"macro {macro.id!r} is not a public reply "
                                                  "with text, so it cannot answer a customer")
                    )  # fmt: skip
            if reply.articles is not None and not isinstance(kb, KnowledgeBase):
                problems.append(
                    Problem(f"{where}.articles", "the desk has no knowledge base to offer "
                                                 "articles from; pass Desk(kb=KnowledgeBase(...))")
                )  # fmt: skip
            reply, where = reply.otherwise, f"{where}.otherwise"
    return problems


def consistent_replies(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``Desk`` validator: its rules' auto-replies name macros and a knowledge base it has."""
    current = {name: getattr(instance, name, None) for name in ("rules", "kb", "macros")}
    current[attribute.name] = value
    problems = reply_problems(current["rules"], current["kb"], current["macros"] or {})
    if problems:
        raise ValidationError(problems)


def macros_by_id(value: Any) -> Mapping[str, Macro]:
    """``Desk.macros``' converter: a list of macros (or a mapping by id), read-only by id."""
    items = list(value.values()) if isinstance(value, Mapping) else value
    if isinstance(items, str | bytes) or not hasattr(items, "__iter__"):
        raise ValidationError.single("Desk.macros", "expected a list of Macro (parse_macros)")
    problems, out = [], {}
    for i, macro in enumerate(items):
        if not isinstance(macro, Macro):
            problems.append(
                Problem(
                    f"Desk.macros[{i}]",
                    f"expected a Macro, got {type(macro).__name__}; build them with parse_macros",
                )
            )
        elif macro.id in out:
            problems.append(Problem(f"Desk.macros[{i}]", f"macro id {macro.id!r} is given twice"))
        else:
            out[macro.id] = macro
    if problems:
        raise ValidationError(problems)
    return frozen_map(out)


def channel_capabilities(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
    """``Desk.capabilities``' validator: channel names to ``Capabilities``."""
    problems = [
        Problem(f"Desk.capabilities.{name}", "expected the channel's Capabilities "
                                              "(e.g. WhatsAppAdapter.capabilities)")
        for name, caps in value.items()
        if not isinstance(caps, Capabilities)
    ]  # fmt: skip
    if problems:
        raise ValidationError(problems)

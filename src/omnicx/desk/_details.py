"""Skills, language, SLA policy and custom fields: their changes as timeline events.

Routing sets them (``omnicx.routing.apply_decision``); agents set custom
fields (``Desk.set_fields``, ``omnicx.desk._field_edit``). Either way the
change is one ``DetailsChanged`` event next to the assignment, priority and
tag events of the same change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omnicx.desk._unit import Unit
from omnicx.model import Conversation, DetailsChanged, FieldValue


def note_details(
    unit: Unit, before: Conversation, after: Conversation, base: Mapping[str, Any]
) -> None:
    """Append the ``DetailsChanged`` event from ``before`` to ``after``, if anything changed.

    ``base`` holds the event's common fields (``at``, ids, ``actor``).
    """
    skills = after.skills if after.skills != before.skills else None
    language = after.language if after.language != before.language else None
    policy = after.sla_policy if after.sla_policy != before.sla_policy else None
    fields = _field_changes(before.fields, after.fields)
    if skills is None and language is None and policy is None and not fields:
        return
    unit.events.append(
        DetailsChanged(id=unit.event_id(), skills=skills, language=language, sla_policy=policy,
                       fields=fields, **base)
    )  # fmt: skip


def _field_changes(
    before: Mapping[str, FieldValue], after: Mapping[str, FieldValue]
) -> dict[str, FieldValue]:
    if before is after:
        return {}
    changed: dict[str, FieldValue] = {
        name: value
        for name, value in after.items()
        if name not in before or type(before[name]) is not type(value) or before[name] != value
    }
    changed.update((name, None) for name in before if name not in after)
    return changed

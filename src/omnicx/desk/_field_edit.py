"""An agent sets custom fields: ``Desk.set_fields`` as a desk ``Change``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx.desk._agent_changes import Change, agent
from omnicx.desk._fields import FieldSchema, checked_fields
from omnicx.desk._record_steps import change_conversation
from omnicx.desk._unit import Unit
from omnicx.routing import apply_fields
from omnicx.storage import ConversationRecord


def fields_change(
    fields: Mapping[str, Any], *, actor_id: str, schema: FieldSchema | None
) -> Change:
    """Set ``fields`` (None clears one), checked against ``schema`` before anything is read.

    Raises:
        ValidationError: a field the schema does not declare, a value of the
            wrong type, or (without a schema) a value that is not a scalar.
    """
    changes = checked_fields(fields, schema)

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        updated = apply_fields(conversation.fields, changes)
        if updated is conversation.fields:
            return record
        return change_conversation(
            unit, record, attrs.evolve(conversation, fields=updated), agent(actor_id)
        )

    return change

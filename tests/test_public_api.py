"""Each public ``__all__`` is pinned: adding a public name is a visible decision.

Subpackages pin their own ``__all__`` in ``tests/<package>/test_public_api.py``.
"""

from __future__ import annotations

import importlib

import pytest

PINNED = {
    "omnicx": [
        "Agent", "AgentStatus", "Attachment", "Author", "AuthorKind", "Channel", "Clock",
        "ConflictError", "Conversation", "Customer", "Direction", "Event", "FixedClock",
        "Identifier", "IdentifierKind", "InvalidTransition", "Message", "NotFoundError",
        "OmnicxError", "PayloadError", "PayloadReason", "Priority", "Problem", "Queue",
        "SignatureError", "Status", "SystemClock", "Team", "ThreadRefs", "ValidationError",
        "__version__",
    ],
    "omnicx.model": [
        "EVENT_TYPES", "LIFECYCLE", "WELL_KNOWN_CHANNELS", "Agent", "AgentStatus", "Assigned",
        "Attachment", "Author", "AuthorKind", "CallEvent", "Channel", "Conversation",
        "CustomEvent", "Customer", "Direction", "Event", "Identifier", "IdentifierKind",
        "Message", "MessageEvent", "NoteEvent", "OrderEvent", "PaymentEvent", "PaymentKind",
        "Priority", "PriorityChanged", "Queue", "Status", "StatusChanged", "SurveyKind",
        "SurveyResponse", "TagsChanged", "Team", "ThreadRefs", "can_transition", "is_reopen",
        "transition",
    ],
    "omnicx.errors": [
        "ConflictError", "InvalidTransition", "NotFoundError", "OmnicxError", "PayloadError",
        "PayloadReason", "Problem", "SignatureError", "ValidationError", "suggest",
    ],
    "omnicx.serde": [
        "EVENT_TAGS", "converter", "event_from_dict", "event_to_dict", "from_dict", "from_json",
        "make_converter", "to_dict", "to_json",
    ],
    "omnicx.clock": ["Clock", "FixedClock", "SystemClock"],
    "omnicx.testing.strategies": [
        "agents", "attachments", "authors", "aware_datetimes", "channels", "conversations",
        "customers", "events", "identifiers", "ids", "json_objects", "messages", "queues",
        "teams", "thread_refs",
    ],
}  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_all_is_pinned_sorted_and_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported == PINNED[module_name]
    assert exported == sorted(exported, key=_isort_key)
    for name in exported:
        assert getattr(module, name) is not None


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__
    for name in module.__all__:
        value = getattr(module, name)
        if callable(value) and not isinstance(value, type(None)):
            assert getattr(value, "__doc__", None), f"{module_name}.{name} has no docstring"

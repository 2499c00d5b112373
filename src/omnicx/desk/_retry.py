"""Recognising a retried agent action that carries no ``request_id``.

A host that retries a timed-out call, or an agent who double-clicks, sends
the same action again. Without a ``request_id`` the desk takes an action as
a retry when it is the same actor's same action (same arguments) as the
conversation's latest one, nothing has changed the conversation since, and
it comes within the retry window: the first receipt is returned and nothing
happens twice. An agent who means to repeat an action passes a new
``request_id`` (or simply waits out the window).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import attrs

from omnicx.storage import ActionMark, ConversationRecord

RETRY_WINDOW = timedelta(minutes=10)
"""How long after an action its identical repeat counts as a retry (``Desk.retry_window``)."""


def digest(*parts: object) -> str:
    """A stable hash of an action's name and arguments (the same in every process)."""
    text = repr([_canonical(part) for part in parts])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _canonical(value: object) -> object:
    # Sets and mappings in a fixed order: string hashes differ between processes.
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return sorted((str(k), _canonical(v)) for k, v in value.items())
    if isinstance(value, frozenset | set):
        return sorted(repr(_canonical(v)) for v in value)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_canonical(v) for v in value]
    return value


def retried(
    record: ConversationRecord, actor: str, action_digest: str, now: datetime, window: timedelta
) -> str | None:
    """The receipt key of the action this call repeats, or None if it is a new one."""
    mark = record.last_action
    if mark is None or mark.actor != actor or mark.digest != action_digest:
        return None
    if record.version != mark.version or not timedelta(0) <= now - mark.at <= window:
        return None
    return mark.key


def marked(
    record: ConversationRecord,
    actor: str,
    action_digest: str,
    key: str,
    version: int,
    now: datetime,
) -> ConversationRecord:
    """``record`` remembering this action as its latest."""
    mark = ActionMark(actor=actor, digest=action_digest, key=key, version=version, at=now)
    return attrs.evolve(record, last_action=mark)

"""After identity splits a customer, each conversation goes to whoever wrote it.

A conversation is shown under a customer by its ``customer_id`` (the
customer's own id or one merged into it). A split, an unmerge or an undo of
a split moves messages' senders between profiles: the identity graph
attributes every inbound message (its observation, by message id) to one
profile. A conversation whose inbound messages all belong to one live
customer that does not show it moves to that customer; one with messages
from two customers or more keeps its customer and is reported as mixed, for
a person to decide. A conversation without attributed messages (outbound
only, or erased) stays where it is.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs

from omnicx.desk._unit import Unit, member_ids
from omnicx.identity import current_profile
from omnicx.model import ConversationCreated, Direction, Event, MessageEvent
from omnicx.storage import ConversationRecord


@attrs.define
class Rehomed:
    """What ``rehome`` did (filled in as it goes).

    Attributes:
        moved: conversation id -> the customer id it moved to.
        mixed: ids of conversations with messages from several customers,
            left with their customer.
    """

    moved: dict[str, str] = attrs.field(factory=dict)
    mixed: list[str] = attrs.field(factory=list)

    def details(self) -> dict[str, Any]:
        """The audit entry's details for it (empty when nothing moved nor is mixed)."""
        found: dict[str, Any] = {}
        if self.moved:
            found["moved"] = dict(sorted(self.moved.items()))
        if self.mixed:
            found["mixed"] = sorted(self.mixed)
        return found


def rehome(unit: Unit, profile_ids: Collection[str], *, skip: Collection[str] = ()) -> Rehomed:
    """Move the conversations of ``profile_ids`` to the customers who wrote them, in ``unit``.

    ``profile_ids`` are the profiles a split, unmerge or undo touched (their
    ids as they were too: a tombstone's conversations are looked up under
    its id). Reads the graph as ``unit`` staged it; moved records are put in
    ``unit`` at the version read, so the commit is compare-and-set. Running
    it again over the same graph moves nothing more. ``skip`` names
    conversations the call writes itself.
    """
    staged = unit.staged
    ids = set(profile_ids)
    for profile_id in profile_ids:
        ids.update(member_ids(staged, current_profile(staged, profile_id)))
    done = Rehomed()
    for stored in unit.store.conversations_of(sorted(ids)):
        if stored.id in skip or stored.erased_at is not None:
            continue
        record = unit.load(stored)
        owners = _writers(unit, record)
        if len(owners) > 1:
            done.mixed.append(record.id)
            continue
        if not owners:
            continue
        (owner,) = owners
        if record.conversation.customer_id in member_ids(staged, current_profile(staged, owner)):
            continue
        unit.put(_moved(record, owner))
        done.moved[record.id] = owner
    return done


def _writers(unit: Unit, record: ConversationRecord) -> set[str]:
    # The live customers its inbound messages are attributed to.
    owners = set()
    for event in unit.store.events(conversation_id=record.id):
        if not isinstance(event, MessageEvent) or event.message.direction is not Direction.INBOUND:
            continue
        found = unit.staged.observation(event.message.id)
        if found is not None:
            owners.add(current_profile(unit.staged, found[1]).id)
    return owners


def _moved(record: ConversationRecord, customer_id: str) -> ConversationRecord:
    conversation = attrs.evolve(record.conversation, customer_id=customer_id)
    summary = attrs.evolve(record.summary, customer_id=customer_id)
    return attrs.evolve(record, conversation=conversation, summary=summary)


def customer_events(unit: Unit, profile_ids: Collection[str]) -> list[Event]:
    """The events of a customer's timeline: theirs, and their conversations' whoever wrote them.

    ``profile_ids`` are the customer's id and the ids merged into it. An
    event keeps the customer id it was recorded with, so a conversation
    that moved to the customer (``rehome``) brings its events along, and
    one that moved away takes its own: those of its messages whose senders
    are someone else's now, and the rest of it.
    """
    store, ids = unit.store, set(profile_ids)
    own = {record.id for record in store.conversations_of(sorted(ids))}
    events = store.events(customer_ids=sorted(ids))
    started = {e.conversation_id for e in events if isinstance(e, ConversationCreated)}
    foreign: dict[str, bool] = {}

    def theirs(event: Event) -> bool:
        cid = event.conversation_id
        if cid is None or cid in own:
            return True
        if cid not in foreign:  # another customer's conversation, or none stored
            foreign[cid] = store.conversation(cid) is None
        if foreign[cid]:
            return True
        if not isinstance(event, MessageEvent):
            return False
        # A message of theirs in someone else's conversation stays theirs.
        found = unit.staged.observation(event.message.id)
        return found is not None and found[1] in ids

    kept = [e for e in events if theirs(e)]
    for cid in sorted(own - started):  # moved in (or logged before conversation.created)
        kept += [e for e in store.events(conversation_id=cid) if e.customer_id not in ids]
    return kept

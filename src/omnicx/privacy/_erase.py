"""Erasure: remove one customer's personal data, keep what the business may keep."""

from __future__ import annotations

import hashlib
from datetime import datetime

import attrs

from omnicx._caches import clear_personal
from omnicx._frozen import frozen_seq
from omnicx.identity import Link, Profile, current_profile, match_key, merged_profiles
from omnicx.model import (
    Author,
    AuthorKind,
    CallEvent,
    CustomEvent,
    Event,
    HandedOff,
    Message,
    MessageEvent,
    NoteEvent,
    SurveyResponse,
    ThreadRefs,
    Transcript,
    TranscriptLine,
)
from omnicx.model._checks import require_aware
from omnicx.storage import AuditAction, AuditEntry, ConversationRecord, DeskStore, Erasure
from omnicx.storage._records import call_owner


@attrs.frozen(kw_only=True)
class ErasureReport:
    """What an erasure did, for the requester's answer and the audit trail.

    Attributes:
        customer_ids: the live profile and every profile merged into it.
        identifiers: how many identifiers were removed.
        events: how many timeline events were scrubbed.
        conversations: how many conversations were scrubbed.
        purge_pending: True when the store committed the erasure but could
            not yet purge old copies from its files, because a reader held
            them (``SqliteStore.purge_pending``): call the store's
            ``finish_purge()`` once the reader ended.
    """

    erased_at: datetime
    customer_ids: tuple[str, ...] = attrs.field(converter=frozen_seq)
    identifiers: int
    events: int
    conversations: int
    purge_pending: bool = False


def _scrub_message(message: Message) -> Message:
    # Keep what metrics need (channel, direction, author kind, public,
    # sent_at, ids for de-duplication); drop every word and every name.
    return attrs.evolve(
        message,
        author=_scrub_author(message.author),
        text="",
        attachments=(),
        thread=ThreadRefs(),
        metadata={},
    )


def scrub_event(event: Event) -> Event:
    """An event with its personal content removed and its shape kept.

    Messages lose text, attachments, threading headers, metadata and the
    author's name (and a customer author's id); notes lose their text; survey answers their comment;
    calls their recording; custom events their data; handoffs their transcript's
    words and the bot's summary. Instants, kinds,
    statuses, priorities, scores, amounts and ids stay, so metrics computed
    before and after are the same.
    """
    if isinstance(event, MessageEvent):
        return attrs.evolve(event, message=_scrub_message(event.message))
    if isinstance(event, NoteEvent):
        return attrs.evolve(event, text="")
    if isinstance(event, SurveyResponse):
        return attrs.evolve(event, comment=None)
    if isinstance(event, CallEvent):
        return attrs.evolve(event, recording_url=None, transcript=None)
    if isinstance(event, CustomEvent):
        return attrs.evolve(event, data={})
    if isinstance(event, HandedOff):
        # The transcript repeats the messages' words: scrubbed as they are.
        lines = tuple(_scrub_line(line) for line in event.transcript.lines)
        transcript = Transcript(lines=lines, omitted=event.transcript.omitted)
        return attrs.evolve(event, summary="", transcript=transcript)
    return event


def _scrub_line(line: TranscriptLine) -> TranscriptLine:
    return attrs.evolve(line, text="", author=_scrub_author(line.author))


def _scrub_author(author: Author) -> Author:
    # A customer author's id is a channel handle (a visitor id, a phone).
    customer = author.kind is AuthorKind.CUSTOMER
    return attrs.evolve(author, name=None, id=None if customer else author.id)


def _anonymous(event: Event, new_id: str) -> Event:
    # The provider's ids (Message-ID, wamid) go with the event's own id; a
    # message keeps an id, the event's new one.
    if isinstance(event, MessageEvent):
        message = attrs.evolve(event.message, id=new_id, external_id=None)
        return attrs.evolve(event, id=new_id, external_id=None, message=message)
    return attrs.evolve(event, id=new_id, external_id=None)


def _scrub_profile(profile: Profile) -> Profile:
    return Profile(
        id=profile.id,
        created_at=profile.created_at,
        last_seen_at=profile.last_seen_at,
        merged_into=profile.merged_into,
    )


def _scrub_record(record: ConversationRecord, now: datetime) -> ConversationRecord:
    summary = attrs.evolve(
        record.summary,
        message_ids=frozenset(),
        external_ids=frozenset(),
        provider_threads=frozenset(),
        subject=None,
    )
    return attrs.evolve(
        record,
        conversation=attrs.evolve(record.conversation, subject=None, snoozed_until=None),
        summary=summary,
        sla_state={},
        addresses={},
        last_inbound={},
        erased_at=now,
        # Message-IDs and copied addresses can name the customer.
        email_parent=None,
        email_references=(),
        email_cc=(),
        first_message=None,  # a message id holds the provider's, a Message-ID too
        last_action=None,  # a hash of what the agent wrote
        # Nothing more is done for it: never due again (Desk.tick).
        timers={},
        due_at=None,
    )


def tombstone_key(key: str) -> str:
    """The link key under which an erased identifier's match key is remembered.

    A SHA-256 digest, so the store keeps no readable identifier, yet the desk
    can tell when an erased identifier writes again.
    """
    return f"erased:{hashlib.sha256(key.encode()).hexdigest()}"


def erase_customer(
    store: DeskStore,
    customer_id: str,
    *,
    now: datetime,
    actor: str,
    reason: str,
    tombstone: bool = True,
) -> ErasureReport:
    """Erase one customer (and every profile merged into it) in one transaction.

    Removes identifiers, names, addresses, attributes, observations, merge
    records, message bodies, attachment metadata, threading headers, reply
    addresses and receipts, and replaces every event's id (built from
    provider ids such as an email's Message-ID) with an opaque one. Keeps,
    anonymous, the profile ids, conversations' statuses, priorities, queues
    and tags, and every event's instant, kind and place in the timeline, so
    reports for past periods do not change. Afterwards every in-process
    cache that may hold personal data is emptied (docs/internals.md). The erased identifiers no
    longer link: the same address writing again starts a fresh profile. The
    erasure is recorded in the audit log with ``actor`` and ``reason`` (ids
    only, no personal data). With ``tombstone`` (the default) a digest of each
    erased identifier is kept, so a desk configured to refuse erased
    customers can recognise them (``Desk.erased``).

    Raises ``NotFoundError`` for an id the store never had.
    """
    require_aware(now, "now")
    live = current_profile(store, customer_id)
    profiles, _ = merged_profiles(store, live)
    # Every merge record a profile lists goes, undone ones too: their
    # before-images hold the same personal data.
    merges = sorted({merge_id for p in profiles for merge_id in p.merge_ids})
    ids = tuple(p.id for p in profiles)
    links, drop_links = _links(store, profiles, set(ids))
    if tombstone:
        keys = sorted({match_key(i) for p in profiles for i in p.identifiers})
        links += tuple(Link(key=tombstone_key(k)) for k in keys)
    audit_id = f"erasure:{store.next_id('erasure')}"
    # Event ids are built from provider ids (an email's Message-ID): each
    # event takes an opaque id made from the erasure's own, in place.
    stored = store.events(customer_ids=ids)
    renamed = tuple((e.id, f"{audit_id}/{n}") for n, e in enumerate(stored, 1))
    events = tuple(
        _anonymous(scrub_event(e), new) for e, (_, new) in zip(stored, renamed, strict=True)
    )
    records = tuple(_scrub_record(r, now) for r in store.conversations_of(ids))
    store.erase(
        Erasure(
            profiles=tuple(_scrub_profile(p) for p in profiles),
            links=links,
            drop_links=drop_links,
            drop_merges=tuple(merges),
            drop_observations=tuple(o for p in profiles for o in store.observation_ids(p.id)),
            renamed_events=renamed,
            events=events,
            conversations=records,
            # Callbacks a call kept before it named its customer are theirs too.
            customer_ids=ids + _call_owners(stored),
            audit=(
                AuditEntry(id=audit_id, at=now, actor=actor,
                           action=AuditAction.ERASURE, customer_id=live.id, reason=reason,
                           details={"customer_ids": list(ids)}),
            ),
        )
    )  # fmt: skip
    # Caches cannot tell one customer's entries from another's: empty every
    # one that may hold personal data (raw phone numbers, addresses).
    clear_personal()
    return ErasureReport(
        erased_at=now,
        customer_ids=ids,
        identifiers=len({i.key for p in profiles for i in p.identifiers}),
        events=len(events),
        conversations=len(records),
        purge_pending=bool(getattr(store, "purge_pending", False)),
    )


def _call_owners(events: list[Event]) -> tuple[str, ...]:
    calls = {e.call_id for e in events if isinstance(e, CallEvent) and e.call_id}
    return tuple(sorted(call_owner(c) for c in calls))


def _links(
    store: DeskStore, profiles: tuple[Profile, ...], erased: set[str]
) -> tuple[tuple[Link, ...], tuple[str, ...]]:
    # An identifier only this customer held goes; one others share (a family
    # phone) stays for them, without this customer and without the names seen.
    keep: dict[str, Link] = {}
    drop: set[str] = set()
    for key in {match_key(i) for p in profiles for i in p.identifiers}:
        link = store.link(key)
        if link is None:
            continue
        others = tuple(pid for pid in link.profile_ids if pid not in erased)
        if others:
            keep[key] = attrs.evolve(link, profile_ids=others, names=())
        else:
            drop.add(key)
    return tuple(keep[k] for k in sorted(keep)), tuple(sorted(drop))

"""The values the identity graph keeps: observations, profiles, links, merges."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq, frozen_tree
from omnicx.identity._guards import SharedReason
from omnicx.identity._protection import Refusal
from omnicx.identity._standing import DEFAULT_STANDING, Standing, money_of
from omnicx.model import Customer, Identifier
from omnicx.model._checks import aware, non_empty


@attrs.frozen(kw_only=True)
class Observation:
    """One sighting of a person: what a message, order or contact row said.

    Attributes:
        id: unique per sighting (the message's or row's id); resolving the
            same id twice changes nothing.
        at: when it was observed (timezone-aware).
        identifiers: canonical identifiers (see ``canonical_email`` & co.).
        name: the display name given, if any; a name alone never links.
        address: a shipping or postal address, if any (fuzzy evidence only).
        attributes: JSON-compatible fields folded into the profile by the
            merge rules (lists unioned, other values latest-wins).
        source: where it came from (``sms``, ``shopify``, ``phone_call``);
            a nameless sighting from one of ``IdentityPolicy.caller_id_sources``
            is a caller ID, whose phone alone links nothing.
    """

    id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    name: str | None = None
    address: str | None = None
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    source: str = ""


@attrs.frozen(kw_only=True)
class Profile:
    """One person as the graph knows them, or a tombstone after a merge.

    Attributes:
        id: stable; after a merge it still resolves, through ``merged_into``.
        created_at: the earliest observation.
        last_seen_at: the latest observation.
        identifiers: every identifier seen, sorted; shared ones included.
        names: display names seen, in first-seen order.
        addresses: addresses seen, in first-seen order.
        attributes: folded attributes (see ``MergeRules``).
        observed: how many observations are attributed to this profile
            itself (not to the profiles merged into it): its rows in the
            store, listed in order by ``IdentityStore.observation_ids``.
            A count, not the ids, so a message rewrites a profile of
            constant size; ``observation_ids_of`` lists them all.
        merge_ids: merges this profile survived, oldest first.
        merged_into: the survivor's id once merged away, else None.
    """

    id: str = attrs.field(validator=non_empty)
    created_at: datetime = attrs.field(validator=aware)
    last_seen_at: datetime = attrs.field(validator=aware)
    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    names: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    addresses: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    observed: int = 0
    merge_ids: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    merged_into: str | None = None

    @property
    def live(self) -> bool:
        """Whether this profile is a person rather than a merge tombstone."""
        return self.merged_into is None

    def to_customer(self, standing: Standing = DEFAULT_STANDING) -> Customer:
        """Return the profile as a model ``Customer``, lifting well-known attributes.

        The first name seen becomes its name. ``language``, ``timezone`` and
        ``lifetime_value`` in the attributes (from enrichment or the host)
        become the customer's fields, and ``standing`` decides ``vip`` and
        ``tier`` (a ``VIP`` tag, a lifetime value threshold), so routing and
        SLA conditions see them. A value of the wrong shape (``lifetime_value:
        "lots"``, a numeric timezone) is left out rather than guessed.
        """
        attributes = dict(self.attributes)

        def text(key: str) -> str | None:
            value = attributes.get(key)
            return value if isinstance(value, str) else None

        return Customer(
            id=self.id,
            identifiers=self.identifiers,
            name=self.names[0] if self.names else None,
            attributes=attributes,
            created_at=self.created_at,
            vip=standing.vip(attributes),
            tier=standing.tier(attributes),
            language=text("language"),
            timezone=text("timezone"),
            lifetime_value=money_of(attributes.get("lifetime_value")),
        )


@attrs.frozen(kw_only=True)
class Link:
    """The graph's index entry for one match key.

    Attributes:
        key: the match key (``match_key(identifier)``).
        profile_ids: the live profiles holding the identifier, sorted.
        names: distinct names seen with it, folded as ``fold_name`` does
            (case and inner spaces), for the names guard.
        shared: why it no longer links, or None while it links.
        caller_ids_only: a phone seen so far only as the caller ID of
            nameless calls: it links nothing, however many profiles hold
            it, until a sighting with a name or from another source.
    """

    key: str = attrs.field(validator=non_empty)
    profile_ids: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    names: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    shared: SharedReason | None = None
    caller_ids_only: bool = False


class MergeKind(enum.Enum):
    """What a record of the merge log did to the graph."""

    MERGE = "merge"
    """Two profiles became one (``resolve``, ``merge``)."""
    SPLIT = "split"
    """One profile became several (``split``, or ``resolve`` when evidence withdrew a link)."""


@attrs.frozen(kw_only=True)
class MergeRecord:
    """One merge or split with its evidence, enough to undo it.

    A merge (``kind`` MERGE) joins ``absorbed_id`` into ``survivor_id``. A
    split (``kind`` SPLIT) takes observations off ``survivor_id`` into new
    profiles, ``parts``; ``survivor_before`` is the profile as it was, and
    ``undo_split`` restores it.

    Attributes:
        id: the record id (pass it to ``unmerge``, or ``undo_split``).
        at: when the merge or split happened.
        survivor_id: the profile that remained (the older one; for a
            split, the profile split, which keeps its oldest observation).
        absorbed_id: the profile merged into it, now a tombstone (for a
            split, the first new profile).
        evidence: the identifiers both sides shared, which made the link
            (for a split: the identifiers two parts both hold, which no
            longer link them).
        observation_id: the observation that revealed the link (or, for a
            split, withdrew it), if any.
        survivor_before: the survivor as it was just before the merge (the
            profile as it was just before the split).
        absorbed_before: the absorbed profile as it was just before (for a
            split, the first new profile as the split made it).
        undone_at: when ``unmerge`` (``undo_split``) undid it, else None.
        kind: merge or split.
        parts: for a split, every new profile's id, in the order made.
        apart: for a split, why the parts belong apart: each value two
            parts both carry, with the reason it no longer links them.
        links_before: for a split, every link it changed, as it was, so
            that undoing it restores them exactly.
        attributed_before: for a split, each observation it moved with
            the profile id it was recorded under before.
    """

    id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    survivor_id: str
    absorbed_id: str
    evidence: tuple[Identifier, ...] = attrs.field(converter=frozen_seq)
    observation_id: str | None
    survivor_before: Profile
    absorbed_before: Profile
    undone_at: datetime | None = None
    kind: MergeKind = MergeKind.MERGE
    parts: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    apart: tuple[Apart, ...] = attrs.field(default=(), converter=frozen_seq)
    links_before: tuple[Link, ...] = attrs.field(default=(), converter=frozen_seq)
    attributed_before: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=frozen_tree)


@attrs.frozen(kw_only=True)
class Apart:
    """Why two parts of a split belong apart: a value both carry that does not link them.

    Attributes:
        key: the value's match key (``phone:+14155550100``).
        reason: why it no longer links (``TOO_MANY_NAMES``: the names seen
            with it are several people's; ``CONTESTED``: a link through it
            was refused, or the batch keeps its holders apart).
        refusal: the merge-protection rule behind a ``CONTESTED`` value, when known.
        observations: how many observations of the split profile carry it.
    """

    key: str
    reason: SharedReason
    refusal: Refusal | None = None
    observations: int = 0


class Outcome(enum.Enum):
    """What ``resolve`` did with an observation."""

    NEW = "new"
    """No profile matched: a new profile was created."""
    MATCHED = "matched"
    """Exactly one profile matched (or the observation was already resolved)."""
    MERGED = "merged"
    """The observation linked several profiles; they were merged."""
    CONFLICT = "conflict"
    """A link was refused by merge protection; see ``Resolution.conflicts``."""


@attrs.frozen(kw_only=True)
class Conflict:
    """A link that policy refused, for a human to review.

    Attributes:
        profile_ids: the two profiles that were not linked.
        evidence: the identifiers that pointed at the refused profile.
        reason: which protection rule refused it.
    """

    profile_ids: tuple[str, str] = attrs.field(converter=frozen_seq)
    evidence: tuple[Identifier, ...] = attrs.field(converter=frozen_seq)
    reason: Refusal


@attrs.frozen(kw_only=True)
class Resolution:
    """The answer of ``resolve``: which customer, and what happened.

    Attributes:
        customer_id: the live profile the observation now belongs to.
        outcome: new, matched, merged or conflict.
        merges: the merges made, each with its evidence.
        conflicts: the links refused by merge protection.
        newly_shared: match keys marked shared by this observation.
        splits: the splits made because a value became shared (kind
            SPLIT): the profiles it alone had held together, split apart.
    """

    customer_id: str
    outcome: Outcome
    merges: tuple[MergeRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    conflicts: tuple[Conflict, ...] = attrs.field(default=(), converter=frozen_seq)
    newly_shared: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    splits: tuple[MergeRecord, ...] = attrs.field(default=(), converter=frozen_seq)


def _observation_pairs(items: Any) -> tuple[tuple[Observation, str], ...]:
    """(observation, profile id) pairs as tuples; both are immutable already.

    One level of checking instead of ``frozen_tree``'s walk: the graph hands
    over a tuple of tuples for every observation it resolves.
    """
    if type(items) is tuple and all(type(pair) is tuple for pair in items):
        return items
    return tuple((observation, profile_id) for observation, profile_id in frozen_seq(items))


@attrs.frozen(kw_only=True)
class ChangeSet:
    """Everything one graph operation writes; a store applies it atomically.

    Attributes:
        profiles: profiles to insert or replace (by id).
        links: links to insert or replace (by key).
        merges: merge records to insert or replace (by id).
        observations: observations to record, each with the profile id it
            was attributed to (insert or replace by observation id).
    """

    profiles: tuple[Profile, ...] = attrs.field(default=(), converter=frozen_seq)
    links: tuple[Link, ...] = attrs.field(default=(), converter=frozen_seq)
    merges: tuple[MergeRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    observations: tuple[tuple[Observation, str], ...] = attrs.field(
        default=(), converter=_observation_pairs
    )

"""Batch resolution: one order-independent partition of a whole contact import.

The incremental graph decides one observation at a time, so its answer can
depend on arrival order. Here every guard is decided over *all* the evidence
at once: which values are shared (how many people's names each was seen
with), which links conflict (two Shopify customer ids, two sets of verified
emails with nothing in common), and links are then made in a canonical order
(precedence, then key), never in input order. The same records in any order
give the same partition. The guards themselves are the ones the incremental
graph uses (``_guards`` for values, ``_protection`` for merge protection, link
ranks and unique kinds), configured by one IdentityPolicy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from omnicx.identity._batch_values import (
    BatchPolicy,
    BatchResult,
    ContactRecord,
    Dropped,
    DropReason,
    SharedValue,
)
from omnicx.identity._evidence import Evidence
from omnicx.identity._guards import IdentityPolicy, SharedReason
from omnicx.identity._protection import RANK_VERIFIED_EMAIL, Guard, Refusal, refusal

__all__ = [
    "BatchPolicy",
    "BatchResult",
    "ContactRecord",
    "DropReason",
    "Dropped",
    "SharedValue",
    "resolve_batch",
]


class _Components:
    """Union-find over record indices, with the guards protection looks at.

    Each root keeps its guards (``_protection.Guard``: a unique-kind value
    such as ``external:shopify:customer``, or a verified email); a link is
    refused exactly as ``_protection.refusal`` decides for the graph.
    """

    def __init__(self, size: int, guarded: dict[int, tuple[Guard, ...]]) -> None:
        self.parent = list(range(size))
        # Each root's guarded (label, value) pairs, distinct; tuples of
        # strings cost the garbage collector nothing.
        self.guarded = dict(guarded)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def refusal(self, roots: list[int], rank: int, policy: IdentityPolicy) -> Refusal | None:
        """Why linking all ``roots`` is refused (``UNIQUE_KIND`` first), or None."""
        guarded = self.guarded
        held = [guarded[r] for r in roots if r in guarded]
        if len(held) < 2:
            return None
        found = None
        for a, b in itertools.combinations(held, 2):
            reason = refusal(a, b, rank, policy)
            if reason is Refusal.UNIQUE_KIND:
                return reason  # what refusal() answers when both rules refuse
            found = found or reason
        return found

    def union(self, roots: list[int]) -> None:
        keep = min(roots)
        merged: set[Guard] = set()
        for r in roots:
            if r != keep:
                self.parent[r] = keep
            merged.update(self.guarded.pop(r, ()))
        if merged:
            self.guarded[keep] = tuple(merged)


def resolve_batch(
    records: Iterable[ContactRecord],
    *,
    policy: BatchPolicy | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Partition ``records`` into people, the same way for any input order.

    Strong identifiers link with the graph's precedence (external id >
    verified email > phone > unverified email > handle); a name never links
    on its own. Each distinct raw value is normalised once. Guards, decided
    over all records before any link: blocked values and role mailboxes
    link nothing; a value whose names belong to more people than
    ``max_people_per_value`` (spellings, typos, nicknames and initials of
    one name count once), or seen with more distinct names than
    ``max_names_per_identifier`` (close spellings count once), is shared;
    a link refused by merge protection (two values of a unique kind, or
    disjoint verified emails behind a weaker link) leaves the value shared
    as ``CONTESTED``. Links are made in canonical order, so each refusal
    is decided the same way for any input order. The optional fuzzy pass
    (``policy.fuzzy``) then joins clusters block by block in the order of
    the blocks' content keys (name, then address or mailbox name), skipping
    blocks that would join more than ``policy.fuzzy_max_clusters`` clusters
    when that is set.

    Values that link nothing because they are invalid or blocked
    placeholders are listed in ``BatchResult.dropped`` with their reason.
    An email cell may hold an RFC 5322 address list (``Jane Doe
    <jane@x.com>, bob@y.com``): each address counts.

    ``records`` is consumed once, streaming; ``progress`` is called with the
    number of records read so far every 10,000 records and once at the end.

    Raises ValidationError (path ``records[i].record_id``) for a repeated
    record id, before returning anything.
    """
    policy = policy or BatchPolicy()
    ev = Evidence(policy)
    ev.read(records, progress)
    order = ev.linking_order()
    comps = _Components(len(ev.record_ids), ev.guarded)
    refused: dict[int, Refusal] = {}
    for k in order:
        roots = sorted({comps.find(r) for r in ev.group(k)})
        if len(roots) < 2:
            continue
        reason = comps.refusal(roots, ev.key_rank[k], policy.identity)
        if reason is None:
            comps.union(roots)
        else:
            refused[k] = reason
    if policy.fuzzy:
        most = policy.fuzzy_max_clusters or len(ev.record_ids)
        for group in ev.fuzzy_blocks():
            roots = sorted({comps.find(r) for r in group})
            # Only unique kinds protect here: a name with an address or a
            # mailbox name is the evidence that two different emails are one
            # person. A block joining more clusters than the cap (when set)
            # is a common pair (many people), not evidence of one.
            if (
                1 < len(roots) <= most
                and comps.refusal(roots, RANK_VERIFIED_EMAIL, policy.identity) is None
            ):
                comps.union(roots)
    return BatchResult(
        clusters=_labels(ev.record_ids, comps),
        shared=_shared_values(ev, refused),
        invalid_values=ev.invalid_values,
        dropped=ev.dropped(),
    )


def _shared_values(ev: Evidence, refused: dict[int, Refusal]) -> tuple[SharedValue, ...]:
    found = [
        SharedValue(key=ev.key_text[k], reason=reason, records=ev.group_size(k))
        for k, reason in ev.shared.items()
        if ev.group_size(k) > 1
    ]
    found.extend(
        SharedValue(
            key=ev.key_text[k],
            reason=SharedReason.CONTESTED,
            refusal=reason,
            records=ev.group_size(k),
        )
        for k, reason in refused.items()
    )
    return tuple(sorted(found, key=lambda s: s.key))


def _labels(record_ids: list[str], comps: _Components) -> dict[str, str]:
    # A union always points a root at a smaller index, so one ascending pass
    # finds every record's root: its parent's root is already known.
    roots = comps.parent
    for i, p in enumerate(roots):
        roots[i] = roots[p]
    smallest: dict[int, str] = {}
    for rid, root in zip(record_ids, roots, strict=True):
        best = smallest.get(root)
        if best is None or rid < best:
            smallest[root] = rid
    return {rid: smallest[root] for rid, root in zip(record_ids, roots, strict=True)}

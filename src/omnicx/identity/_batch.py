"""Batch resolution: one order-independent partition of a whole contact import.

The incremental graph decides one observation at a time, so its answer can
depend on arrival order. Here every guard is decided over *all* the evidence
at once: which values are shared (how many distinct names each was seen
with), which links conflict (two Shopify customer ids, two sets of verified
emails with nothing in common), and links are then made in a canonical order
(precedence, then key), never in input order. The same records in any order
give the same partition. The guards themselves are the ones the incremental
graph uses (``omnicx.identity._guards``), configured by one IdentityPolicy.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable, Mapping

import attrs
from rapidfuzz import fuzz

from omnicx.errors import ValidationError
from omnicx.identity._email import canonical_email, email_match_key
from omnicx.identity._guards import (
    DEFAULT_POLICY,
    IdentityPolicy,
    Refusal,
    SharedReason,
    kind_label,
    link_rank,
    match_key,
    value_shared_reason,
)
from omnicx.identity._handles import external_identifier, handle_identifier
from omnicx.identity._names import count_people
from omnicx.identity._phone import read_phone
from omnicx.model import IdentifierKind

__all__ = ["BatchPolicy", "BatchResult", "ContactRecord", "SharedValue", "resolve_batch"]


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _pairs(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if value == ():
        return ()  # most records: no handle, no external id
    return tuple((str(a), str(b)) for a, b in value)


def _record_id(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValidationError.single("record_id", "a record needs a non-empty id")


@attrs.frozen(kw_only=True)
class ContactRecord:
    """One row of a contact import: raw values, as the source wrote them.

    Values are raw (``" J.Doe@GMail.com "``, ``"07911 123456"``, ``"@JDoe"``);
    :func:`resolve_batch` normalises each distinct value once. ``handles`` are
    ``(network, value)`` pairs, ``external_ids`` ``(system, value)`` pairs
    (``("shopify:customer", "123")``). ``emails_verified`` says the source
    vouched for the emails (a signed-in account, a DKIM-aligned sender): they
    then rank above phones and guard weaker links. ``region`` is the default
    region for national-format phones in this record (the channel account's
    or the customer's); ``BatchPolicy.default_region`` applies when empty.
    ``name`` and ``address`` never link on their own: names count the people
    behind a shared value, and both feed the optional fuzzy pass.
    """

    record_id: str = attrs.field(validator=_record_id)
    source: str = ""
    emails: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    emails_verified: bool = False
    phones: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    handles: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    external_ids: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    name: str = ""
    address: str = ""
    region: str = ""


def _at_least_one(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValidationError.single(attribute.name, f"must be at least 1, got {value}")


@attrs.frozen(kw_only=True)
class BatchPolicy:
    """How :func:`resolve_batch` links: the identity policy plus batch options.

    - ``identity``: the same IdentityPolicy the incremental graph uses
      (blocked values, role mailboxes, ``max_names_per_identifier``, unique
      kinds, the verified-email guard).
    - ``default_region``: region for national phones when a record has none.
    - ``name_similarity``: two names of one value whose rapidfuzz
      ``token_sort_ratio`` reaches this are spellings of one name
      (``Jon Smith``/``John Smith``) when counting names against
      ``identity.max_names_per_identifier``.
    - ``max_people_per_value``: a value whose names belong to more people
      than this is shared. Names of one person are spellings, typos,
      nicknames or initials of one another (``Robert Smith``, ``Bob Smith``,
      ``ROBERT SMTIH``); ``Maria Becker`` and ``Lucas Becker`` are two people
      (a family line). Nameless records count no one.
    - ``caller_id_sources``: record sources whose phones are caller IDs
      (inbound calls). A number seen only there, and never with a name,
      links nothing: caller ID is unverified, and a switchboard or a
      household landline presents one number for many people, while the
      number a person texts or orders from is theirs. Empty: no such rule.
    - ``fuzzy``: also link clusters sharing a normalised name *and* an
      address or an email local part, when merge protection allows.
    """

    identity: IdentityPolicy = DEFAULT_POLICY
    default_region: str | None = None
    name_similarity: float = 75.0
    max_people_per_value: int = attrs.field(default=1, validator=_at_least_one)
    caller_id_sources: frozenset[str] = attrs.field(
        default=frozenset({"call", "phone_call", "voice"}), converter=frozenset
    )
    fuzzy: bool = False


@attrs.frozen(kw_only=True)
class SharedValue:
    """A value several records carry that did not link them, for review.

    ``key`` is the identifier's match key (``phone:+14155550100``);
    ``reason`` why it is shared; ``refusal`` the merge-protection rule that
    refused it when ``reason`` is ``CONTESTED``; ``records`` how many
    records carry it.
    """

    key: str
    reason: SharedReason
    refusal: Refusal | None = None
    records: int


@attrs.frozen(kw_only=True)
class BatchResult:
    """The partition of a batch, and the shared values that did not link.

    ``clusters`` maps each record id to its cluster id: the smallest record
    id in the cluster, so the answer does not depend on input order.
    ``invalid_values`` counts raw values that did not normalise (they link
    nothing). ``shared`` is sorted by key.
    """

    clusters: Mapping[str, str]
    shared: tuple[SharedValue, ...]
    invalid_values: int

    @property
    def cluster_count(self) -> int:
        """How many distinct clusters (people) the batch found."""
        return len(set(self.clusters.values()))


_PROGRESS_EVERY = 10_000
VERIFIED = "verified-email"
_PHONE_RANK = 2  # link_rank of every phone  # the label verified emails are guarded under
_SEPARATORS = str.maketrans("", "", " .-()/\u00a0")


def _phone_cache_key(raw: str) -> str:
    folded = raw.strip().translate(_SEPARATORS)
    return folded if folded.lstrip("+").isdigit() else raw


def _clean(text: str) -> str:
    return " ".join(text.casefold().split())


def _unique_label(label: str, policy: IdentityPolicy) -> bool:
    """``is_unique_kind`` for a kind label (``external:shopify:customer``)."""
    return any(label == kind or label.startswith(f"{kind}:") for kind in policy.unique_kinds)


def _grouped(pairs: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    """``(label, value)`` pairs grouped by label."""
    if len(pairs) == 1:
        return {pairs[0][0]: frozenset((pairs[0][1],))}
    grouped: dict[str, set[str]] = {}
    for label, value in pairs:
        grouped.setdefault(label, set()).add(value)
    return {label: frozenset(values) for label, values in grouped.items()}


class _Evidence:
    """Everything read from the records, with integer ids for values and names."""

    def __init__(self, policy: BatchPolicy) -> None:
        self.policy = policy
        self.record_ids: list[str] = []
        self.record_name: list[int] = []
        self.names: dict[str, int] = {}
        self.name_text: list[str] = []
        self._raw_names: dict[str, int] = {}
        self._fuzzy = policy.fuzzy
        self._default_region = policy.default_region or ""
        self._caller_ids = policy.caller_id_sources
        self.key_index: dict[str, int] = {}
        self.key_value: list[str] = []
        self.key_text: list[str] = []
        self.key_guard: list[str | None] = []
        self.key_rank: list[int] = []
        # Who carries each value, without a list per value (a million small
        # lists would keep the garbage collector busy): the first record per
        # value, then (value, record) pairs for the others, grouped by finish().
        self.first: list[int] = []
        self._last: list[int] = []
        self._pair_key = array("q")
        self._pair_rec = array("q")
        self._offsets: list[int] = []
        self._members = array("q")
        self.multi: list[int] = []
        self.shared: dict[int, SharedReason] = {}
        self.guarded: dict[int, tuple[tuple[str, str], ...]] = {}
        self.record_emails: dict[int, tuple[int, ...]] = {}
        self.addresses: dict[int, str] = {}
        self.invalid_values = 0
        # Values seen on a record that is not a nameless caller ID.
        self.corroborated: set[int] = set()
        # Per kind and scope: raw value (and its fold) -> value id, or -1.
        self._caches: dict[str, dict[str, int]] = {}
        self._emails = self._cache("e", "")
        self._phones: dict[str, dict[str, int]] = {}
        self._unique_labels: dict[str, bool] = {}
        for label in ("email", "phone"):
            self._unique_labels[label] = _unique_label(label, policy.identity)

    def group(self, k: int) -> array[int]:
        """The records carrying value ``k`` (one of :attr:`multi`), in input order."""
        return self._members[self._offsets[k] : self._offsets[k + 1]]

    def group_size(self, k: int) -> int:
        """How many records carry value ``k`` (one of :attr:`multi`)."""
        return self._offsets[k + 1] - self._offsets[k]

    def finish(self) -> None:
        """Group the records of each value carried by several (a counting sort)."""
        first, size = self.first, len(self.first)
        extra = [0] * size
        for k in self._pair_key:
            extra[k] += 1
        offsets = [0] * (size + 1)
        running = 0
        for k in range(size):
            offsets[k] = running
            if extra[k]:
                running += extra[k] + 1
        offsets[size] = running
        members = array("q", bytes(8 * running))
        at = offsets[:]
        for k in range(size):
            if extra[k]:
                members[at[k]] = first[k]
                at[k] += 1
        for k, i in zip(self._pair_key, self._pair_rec, strict=True):
            members[at[k]] = i
            at[k] += 1
        self.multi = [k for k in range(size) if extra[k]]
        self._offsets, self._members = offsets, members
        self._pair_key, self._pair_rec, self._last = array("q"), array("q"), []

    def read(
        self, records: Iterable[ContactRecord], progress: Callable[[int], None] | None
    ) -> None:
        seen: dict[str, int] = {}
        for record in records:
            i = len(self.record_ids)
            first = seen.setdefault(record.record_id, i)
            if first != i:
                raise ValidationError.single(
                    f"records[{i}].record_id",
                    f"repeats the id of records[{first}] (record ids are unique)",
                )
            self.record_ids.append(record.record_id)
            self._read_one(i, record)
            if progress is not None and (i + 1) % _PROGRESS_EVERY == 0:
                progress(i + 1)
        if progress is not None:
            progress(len(self.record_ids))
        self.finish()

    def _read_one(self, i: int, record: ContactRecord) -> None:
        name_id = -1
        raw_name = record.name
        if raw_name:
            # One person writes one name again and again: clean each once.
            name_id = self._raw_names.get(raw_name, -1)
            if name_id < 0:
                name = _clean(raw_name)
                name_id = self.names.setdefault(name, len(self.name_text))
                if name_id == len(self.name_text):
                    self.name_text.append(name)
                self._raw_names[raw_name] = name_id
        self.record_name.append(name_id)
        fuzzy = self._fuzzy
        if fuzzy and record.address:
            self.addresses[i] = _clean(record.address)
        guarded: list[tuple[str, str]] | None = None
        see = self._see
        if record.external_ids:
            key_guard = self.key_guard
            for system, raw in record.external_ids:
                k = see(self._cache("x", system), "x", system, raw, i)
                if k >= 0:
                    label = key_guard[k]
                    if label is not None:
                        guarded = [] if guarded is None else guarded
                        guarded.append((label, self.key_value[k]))
        if record.emails:
            cache = self._emails
            mails = [k for k in (see(cache, "e", "", raw, i) for raw in record.emails) if k >= 0]
            verified = record.emails_verified
            for k in mails:
                if verified:
                    self.key_rank[k] = 1  # link_rank of a verified email
                    if k not in self.shared:
                        guarded = [] if guarded is None else guarded
                        guarded.append((VERIFIED, self.key_text[k]))
            if mails and fuzzy:
                self.record_emails[i] = tuple(mails)
        if record.phones:
            region = record.region or self._default_region
            caller_id = name_id < 0 and record.source in self._caller_ids
            cache = self._phones.get(region) or self._phone_cache(region)
            for raw in record.phones:
                k = see(cache, "p", region, raw, i)
                if k >= 0 and not caller_id:
                    self.corroborated.add(k)
        for network, raw in record.handles:
            see(self._cache("h", network), "h", network, raw, i)
        if guarded is not None:
            # Tuples of strings: the garbage collector stops tracking them.
            self.guarded[i] = tuple(guarded)

    def _cache(self, tag: str, scope: str) -> dict[str, int]:
        """Raw value (and its fold) -> value id, or -1, for one kind and scope."""
        cache = self._caches.get(tag + scope)
        if cache is None:
            cache = self._caches[tag + scope] = {}
        return cache

    def _phone_cache(self, region: str) -> dict[str, int]:
        cache = self._phones[region] = self._cache("p", region)
        return cache

    def _see(self, cache: dict[str, int], tag: str, scope: str, raw: str, i: int) -> int:
        """The value id of one raw value carried by record ``i``; -1 if invalid.

        Each raw value is normalised on first sight (``cache`` is the
        :meth:`_cache` of ``tag`` and ``scope``), and the record is attached
        to the value (once, even if it carries the value twice).
        """
        k = cache.get(raw)
        if k is None:
            if tag in "pe":
                # Folds that never change the canonical value share one entry:
                # separators in a number ("+44 7911 123456", "+447911123456"),
                # case and outer spaces in an address (canonical_email lower-cases).
                fold = _phone_cache_key(raw) if tag == "p" else raw.strip().lower()
                k = cache.get(fold)
                if k is None:
                    k = cache[fold] = self._normalise(tag, scope, fold)
            else:
                k = self._normalise(tag, scope, raw)
            cache[raw] = k
        if k < 0:
            self.invalid_values += 1
        elif k == len(self.first):
            self.first.append(i)
            self._last.append(i)
        elif self._last[k] != i:
            self._last[k] = i
            self._pair_key.append(k)
            self._pair_rec.append(i)
        return k

    def _normalise(self, tag: str, scope: str, raw: str) -> int:
        # Emails and phones get their match key and guards from the value
        # alone; only handles and external ids are built as Identifiers.
        policy = self.policy.identity
        try:
            if tag == "e":
                value = canonical_email(raw)
                text = f"email:{email_match_key(value)}"
            elif tag == "p":
                phone = read_phone(raw, scope or None)
                if phone is None:
                    return -1
                value, text = phone, f"phone:{phone}"
            else:
                maker = handle_identifier if tag == "h" else external_identifier
                ident = maker(scope, raw)
                text = match_key(ident)
        except ValidationError:
            return -1
        k = self.key_index.get(text)
        if k is not None:
            return k
        if tag == "e" or tag == "p":
            kind = IdentifierKind.EMAIL if tag == "e" else IdentifierKind.PHONE
            label, rank = kind.value, (3 if tag == "e" else 2)
        else:
            kind, value, label, rank = ident.kind, ident.value, kind_label(ident), link_rank(ident)
        k = self.key_index[text] = len(self.key_value)
        self.key_value.append(value)
        self.key_text.append(text)
        unique = self._unique_labels.get(label)
        if unique is None:
            unique = self._unique_labels[label] = _unique_label(label, policy)
        self.key_rank.append(rank)
        reason = value_shared_reason(kind, value, policy)
        if reason is not None:
            self.shared[k] = reason
        # A placeholder or a shared inbox says nothing about who this is, so
        # it never protects either (as in protection_refusal).
        self.key_guard.append(label if unique and reason is None else None)
        return k

    def linking_order(self) -> list[int]:
        """Values that may link, in the canonical order: precedence, then key.

        Decided over all records: a value whose names belong to more people
        than the policy allows is marked shared here and left out.
        """
        order: list[int] = []
        corroborated, shared, rank = self.corroborated, self.shared, self.key_rank
        for k in self.multi:
            if k in shared:
                continue
            if rank[k] == _PHONE_RANK and k not in corroborated:
                shared[k] = SharedReason.CALLER_ID_ONLY
            elif self._too_many_names(self.group(k)):
                self.shared[k] = SharedReason.TOO_MANY_NAMES
            else:
                order.append(k)
        order.sort(key=lambda k: (self.key_rank[k], self.key_text[k]))
        return order

    def _too_many_names(self, group: array[int]) -> bool:
        record_name = self.record_name
        seen = {record_name[i] for i in group}
        seen.discard(-1)  # nameless records count no one
        if len(seen) < 2:
            return False
        names = [self.name_text[n] for n in seen]
        people = self.policy.max_people_per_value
        if count_people(names, people) > people:
            return True
        limit = self.policy.identity.max_names_per_identifier
        if len(names) <= limit:
            return False
        similar = self.policy.name_similarity

        def spelling(left: str, right: str) -> bool:
            return fuzz.token_sort_ratio(left, right) >= similar

        return count_people(names, limit, spelling) > limit

    def fuzzy_blocks(self) -> list[list[int]]:
        """Groups of records with one name and one address or email local part.

        Weak evidence, so only a name *and* a second field; blocking on the
        pair compares no records pairwise. Sorted by block key.
        """
        blocks: dict[str, list[int]] = {}
        for i, address in self.addresses.items():
            if self.record_name[i] >= 0:
                blocks.setdefault(f"a:{self.record_name[i]}:{address}", []).append(i)
        for i, keys in self.record_emails.items():
            if self.record_name[i] < 0:
                continue
            for k in keys:
                if k not in self.shared:
                    local = self.key_value[k].rpartition("@")[0].split("+", 1)[0]
                    blocks.setdefault(f"l:{self.record_name[i]}:{local}", []).append(i)
        return [sorted(set(g)) for _, g in sorted(blocks.items()) if len(set(g)) > 1]


class _Components:
    """Union-find over record indices, with the values protection looks at.

    Each root keeps its guarded values as (label, value) pairs: a unique
    kind such as ``external:shopify:customer``, or verified emails. A
    refusal groups them by label and is decided exactly as
    ``protection_refusal`` decides.
    """

    def __init__(self, size: int, guarded: dict[int, tuple[tuple[str, str], ...]]) -> None:
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
        """Why linking all ``roots`` is refused (the smallest reason), or None."""
        pairs = [self.guarded[r] for r in roots if r in self.guarded]
        if len(pairs) < 2:
            return None
        held = [_grouped(p) for p in pairs]
        guard_emails = policy.verified_email_guards_weaker_links and rank > 1
        reasons: set[Refusal] = set()
        for a, b in itertools.combinations(held, 2):
            for label, values in a.items():
                other = b.get(label)
                if other is None or values & other:
                    continue
                if label != VERIFIED:
                    reasons.add(Refusal.UNIQUE_KIND)
                elif guard_emails:
                    reasons.add(Refusal.VERIFIED_EMAILS_DIFFER)
        return min(reasons, key=lambda r: r.value) if reasons else None

    def union(self, roots: list[int]) -> None:
        keep = min(roots)
        merged: set[tuple[str, str]] = set()
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
    is decided the same way for any input order.

    ``records`` is consumed once, streaming; ``progress`` is called with the
    number of records read so far every 10,000 records and once at the end.

    Raises ValidationError (path ``records[i].record_id``) for a repeated
    record id, before returning anything.
    """
    policy = policy or BatchPolicy()
    ev = _Evidence(policy)
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
        for group in ev.fuzzy_blocks():
            roots = sorted({comps.find(r) for r in group})
            # Only unique kinds protect here: a name with an address or a
            # mailbox name is the evidence that two different emails are one person.
            if len(roots) > 1 and comps.refusal(roots, 1, policy.identity) is None:
                comps.union(roots)
    return BatchResult(
        clusters=_labels(ev.record_ids, comps),
        shared=_shared_values(ev, refused),
        invalid_values=ev.invalid_values,
    )


def _shared_values(ev: _Evidence, refused: dict[int, Refusal]) -> tuple[SharedValue, ...]:
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

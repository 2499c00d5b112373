"""What a batch says: every value normalised once, who carries it, what it guards.

Records are read column by column: one pass collects each kind's raw values
with the record carrying them, then each *distinct* raw value is normalised
once and every occurrence is mapped to its value id in bulk. Who carries a
value is kept in flat arrays (a list per value would give the garbage
collector a million objects to trace).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

from omnicx.errors import ValidationError
from omnicx.identity._batch_values import BatchPolicy, ContactRecord, Dropped, DropReason
from omnicx.identity._email import (
    email_addresses,
    email_match_key,
    mailbox_name,
    read_email_or_problem,
)
from omnicx.identity._guards import (
    SharedReason,
    fold_name,
    kind_label,
    match_key,
    too_many_names,
    value_shared_reason,
)
from omnicx.identity._handles import external_identifier, handle_identifier
from omnicx.identity._phone import read_phone_or_problem
from omnicx.identity._protection import (
    RANK_PHONE,
    RANK_VERIFIED_EMAIL,
    VERIFIED,
    Guard,
    is_unique_label,
    kind_rank,
)
from omnicx.model import IdentifierKind

__all__ = ["Evidence"]

_PROGRESS_EVERY = 10_000
_KIND_LABELS = {"e": "email", "p": "phone", "h": "handle", "x": "external"}
_SEPARATORS = str.maketrans("", "", " .-()/\u00a0")


def _phone_fold(raw: str) -> str:
    folded = raw.strip().translate(_SEPARATORS)
    return folded if folded.lstrip("+").isdigit() else raw


class _Column:
    """One kind's raw values, in record order, with the record carrying each."""

    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.raws: list[str] = []
        self.records: list[int] = []


class Evidence:
    """Everything read from the records, with integer ids for values and names."""

    def __init__(self, policy: BatchPolicy) -> None:
        self.policy = policy
        self.record_ids: list[str] = []
        self.record_name: list[int] = []
        self.name_text: list[str] = []
        self.key_index: dict[str, int] = {}
        self.key_value: list[str] = []
        self.key_text: list[str] = []
        self.key_guard: list[str | None] = []
        self.key_rank: list[int] = []
        self.shared: dict[int, SharedReason] = {}
        self.guarded: dict[int, tuple[Guard, ...]] = {}
        self.record_emails: dict[int, tuple[int, ...]] = {}
        self.addresses: dict[int, str] = {}
        self.invalid_values = 0
        # Why values did not normalise: a value id -1 - i is problems[i].
        self.problems: list[str] = []
        self._problem_ids: dict[str, int] = {}
        # (kind label, value as written) -> (value id, times written), for the dropped ones.
        self._dropped: dict[tuple[str, str], list[int]] = {}
        self.corroborated: set[int] = set()  # phones seen other than as nameless caller IDs
        self.multi: list[int] = []  # values carried by two records or more
        self._offsets: list[int] = []
        self._ends: list[int] = []
        self._members = array("q")
        self._unique_labels: dict[str, bool] = {}
        self._guarding_tags: set[str] = set()  # columns with a value that guards

    def group(self, k: int) -> array[int]:
        """The records carrying value ``k``, in input order."""
        return self._members[self._offsets[k] : self._ends[k]]

    def group_size(self, k: int) -> int:
        """How many records carry value ``k``."""
        return self._ends[k] - self._offsets[k]

    def read(
        self, records: Iterable[ContactRecord], progress: Callable[[int], None] | None
    ) -> None:
        """Read every record; raise ValidationError for a repeated record id."""
        columns = {tag: _Column() for tag in "xeph"}
        verified = bytearray()  # per record: its emails are verified
        callers = bytearray()  # per record: a nameless caller ID
        self._collect(records, columns, verified, callers, progress)
        ids = {tag: self._value_ids(tag, column) for tag, column in columns.items()}
        self._group(ids, columns)
        self._guards(ids, columns, verified)
        phones = columns["p"].records
        self.corroborated = {
            k for k, i in zip(ids["p"], phones, strict=True) if k >= 0 and not callers[i]
        }
        if self.policy.fuzzy:
            found: dict[int, tuple[int, ...]] = {}  # tuples: untracked by the collector
            for k, i in zip(ids["e"], columns["e"].records, strict=True):
                if k >= 0:
                    found[i] = (*found.get(i, ()), k)
            self.record_emails = found

    def _collect(
        self,
        records: Iterable[ContactRecord],
        columns: dict[str, _Column],
        verified: bytearray,
        callers: bytearray,
        progress: Callable[[int], None] | None,
    ) -> None:
        seen: dict[str, int] = {}
        names: dict[str, int] = {}  # cleaned name -> id
        raw_names: dict[str, int] = {}  # one person writes one name again and again
        record_ids, record_name, name_text = self.record_ids, self.record_name, self.name_text
        x, e, p, h = columns["x"], columns["e"], columns["p"], columns["h"]
        fuzzy, region_default = self.policy.fuzzy, self.policy.default_region or ""
        caller_sources = self.policy.caller_id_sources
        if caller_sources is None:
            caller_sources = self.policy.identity.caller_id_sources
        for i, record in enumerate(records):
            rid = record.record_id
            first = seen.setdefault(rid, i)
            if first != i:
                raise ValidationError.single(
                    f"records[{i}].record_id",
                    f"repeats the id of records[{first}] (record ids are unique)",
                )
            record_ids.append(rid)
            name_id = -1
            if record.name:
                name_id = raw_names.get(record.name, -1)
                if name_id < 0:
                    name = fold_name(record.name)
                    name_id = names.setdefault(name, len(name_text))
                    if name_id == len(name_text):
                        name_text.append(name)
                    raw_names[record.name] = name_id
            record_name.append(name_id)
            verified.append(record.emails_verified)
            callers.append(name_id < 0 and record.source in caller_sources)
            for system, raw in record.external_ids:
                x.scopes.append(system)
                x.raws.append(raw)
                x.records.append(i)
            for cell in record.emails:
                # An RFC 5322 address list ("Jane <jane@x.com>, bob@y.com"): each counts.
                for raw in email_addresses(cell) if "," in cell or ";" in cell else (cell,):
                    e.raws.append(raw)
                    e.records.append(i)
            if record.phones:
                region = record.region or region_default
                for raw in record.phones:
                    p.scopes.append(region)
                    p.raws.append(raw)
                    p.records.append(i)
            for network, raw in record.handles:
                h.scopes.append(network)
                h.raws.append(raw)
                h.records.append(i)
            if fuzzy and record.address:
                self.addresses[i] = fold_name(record.address)
            if progress is not None and (i + 1) % _PROGRESS_EVERY == 0:
                progress(i + 1)
        if progress is not None:
            progress(len(record_ids))

    def _value_ids(self, tag: str, column: _Column) -> list[int]:
        """Each occurrence's value id (negative: invalid, see problems), normalising each distinct raw once."""
        if tag == "e":
            folds: dict[str, int] = {}
            ids = {raw: self._fold_once(folds, tag, "", raw) for raw in dict.fromkeys(column.raws)}
            found = list(map(ids.__getitem__, column.raws))
            self._note_dropped(tag, {raw: ("", raw) for raw in ids}, ids, column.raws)
        else:
            # "<len>:<scope><raw>" strings, not tuples: nothing for the
            # garbage collector to trace, and unambiguous whatever they hold.
            pairs = zip(column.scopes, column.raws, strict=True)
            keys = [f"{len(scope)}:{scope}{raw}" for scope, raw in pairs]
            by_scope: dict[str, dict[str, int]] = {}
            ids = {}
            spelled: dict[str, tuple[str, str]] = {}
            for key in dict.fromkeys(keys):
                size, _, rest = key.partition(":")
                scope, raw = rest[: int(size)], rest[int(size) :]
                spelled[key] = (scope, raw)
                if tag == "p":
                    folds = by_scope.setdefault(scope, {})
                    ids[key] = self._fold_once(folds, tag, scope, raw)
                else:
                    ids[key] = self._normalise(tag, scope, raw)
            found = list(map(ids.__getitem__, keys))
            self._note_dropped(tag, spelled, ids, keys)
        self.invalid_values += sum(1 for k in found if k < 0)
        return found

    def _note_dropped(
        self,
        tag: str,
        spelled: dict[str, tuple[str, str]],
        ids: dict[str, int],
        occurrences: list[str],
    ) -> None:
        """Remember each distinct value that is invalid or blocked, with how often it was written."""
        shared = self.shared
        blocked = SharedReason.BLOCKED
        out = [key for key, k in ids.items() if k < 0 or shared.get(k) is blocked]
        if not out:
            return
        wanted = set(out)
        counts: dict[str, int] = {}
        for key in occurrences:
            if key in wanted:
                counts[key] = counts.get(key, 0) + 1
        for key in out:
            scope, raw = spelled[key]
            label = _KIND_LABELS[tag] + (f":{scope.strip().lower()}" if tag in "hx" else "")
            entry = self._dropped.setdefault((label, raw), [ids[key], 0])
            entry[1] += counts[key]

    def dropped(self) -> tuple[Dropped, ...]:
        """Every distinct value as written that links nothing, with its reason."""
        found = []
        for (label, raw), (k, count) in sorted(self._dropped.items()):
            if k < 0:
                reason, detail = DropReason.INVALID, self.problems[-1 - k]
            else:
                reason, detail = DropReason.BLOCKED, f"{self.key_text[k]} is a placeholder"
            found.append(Dropped(value=raw, kind=label, reason=reason, detail=detail, count=count))
        return tuple(found)

    def _problem(self, message: str) -> int:
        i = self._problem_ids.get(message)
        if i is None:
            i = self._problem_ids[message] = len(self.problems)
            self.problems.append(message)
        return -1 - i

    def _fold_once(self, folds: dict[str, int], tag: str, scope: str, raw: str) -> int:
        # Folds that never change the canonical value share one normalisation:
        # separators in a number ("+44 7911 123456", "+447911123456"), case
        # and outer spaces in an address (canonical_email lower-cases).
        fold = _phone_fold(raw) if tag == "p" else raw.strip().lower()
        k = folds.get(fold)
        if k is None:
            k = folds[fold] = self._normalise(tag, scope, fold)
        return k

    def _normalise(self, tag: str, scope: str, raw: str) -> int:
        # Emails and phones get their match key and guards from the value
        # alone; only handles and external ids are built as Identifiers.
        policy = self.policy.identity
        try:
            if tag == "e":
                ok, email = read_email_or_problem(raw)
                if not ok:
                    return self._problem(email)
                value, text = email, f"email:{email_match_key(email)}"
            elif tag == "p":
                ok, phone = read_phone_or_problem(raw, scope or None)
                if not ok:
                    return self._problem(phone)
                value, text = phone, f"phone:{phone}"
            else:
                maker = handle_identifier if tag == "h" else external_identifier
                ident = maker(scope, raw)
                text = match_key(ident)
        except ValidationError as bad:
            return self._problem(str(bad))
        k = self.key_index.get(text)
        if k is not None:
            return k
        if tag == "e" or tag == "p":
            kind = IdentifierKind.EMAIL if tag == "e" else IdentifierKind.PHONE
            label = kind.value
        else:
            kind, value, label = ident.kind, ident.value, kind_label(ident)
        # Unverified here: a record that vouches for its emails raises them in _guards.
        rank = kind_rank(kind, verified=False)
        k = self.key_index[text] = len(self.key_value)
        self.key_value.append(value)
        self.key_text.append(text)
        unique = self._unique_labels.get(label)
        if unique is None:
            unique = self._unique_labels[label] = is_unique_label(label, policy)
        self.key_rank.append(rank)
        reason = value_shared_reason(kind, value, policy)
        if reason is not None:
            self.shared[k] = reason
        # A placeholder or a shared inbox says nothing about who this is, so
        # it never protects either (as in _protection.guards).
        guards = unique and reason is None
        self.key_guard.append(label if guards else None)
        if guards:
            self._guarding_tags.add(tag)
        return k

    def _group(self, ids: dict[str, list[int]], columns: dict[str, _Column]) -> None:
        """The records of each value, by a counting sort over all occurrences."""
        size = len(self.key_value)
        counts = [0] * size
        for found in ids.values():
            for k in found:
                if k >= 0:
                    counts[k] += 1
        offsets = [0] * size
        running = 0
        for k, count in enumerate(counts):
            offsets[k] = running
            running += count
        members = array("q", bytes(8 * running))
        ends = offsets[:]
        for tag, found in ids.items():
            # Occurrences come in record order, so one record's repeats of a
            # value (the same address written twice) are next to each other.
            for k, i in zip(found, columns[tag].records, strict=True):
                if k >= 0:
                    at = ends[k]
                    if at == offsets[k] or members[at - 1] != i:
                        members[at] = i
                        ends[k] = at + 1
        self._offsets, self._ends, self._members = offsets, ends, members
        self.multi = [k for k in range(size) if ends[k] - offsets[k] > 1]

    def _guards(
        self, ids: dict[str, list[int]], columns: dict[str, _Column], verified: bytearray
    ) -> None:
        """Each record's guards (``_protection.guards`` of its identifiers)."""
        # Tuples of strings, never lists: the garbage collector stops
        # tracking them at once instead of tracing them for the whole batch.
        held: dict[int, tuple[Guard, ...]] = {}
        key_guard, key_value = self.key_guard, self.key_value
        for tag in sorted(self._guarding_tags):  # most policies guard external ids only
            for k, i in zip(ids[tag], columns[tag].records, strict=True):
                if k >= 0 and (label := key_guard[k]) is not None:
                    held[i] = (*held.get(i, ()), (label, key_value[k]))
        for k, i in zip(ids["e"], columns["e"].records, strict=True):
            if k >= 0 and verified[i]:
                self.key_rank[k] = RANK_VERIFIED_EMAIL
                if k not in self.shared:
                    held[i] = (*held.get(i, ()), (VERIFIED, self.key_text[k]))
        self.guarded = held

    def linking_order(self) -> list[int]:
        """Values that may link, in the canonical order: precedence, then key.

        Decided over all records: a value whose names belong to more people
        than the policy allows, or a phone seen only as a nameless caller
        ID, is marked shared here and left out.
        """
        order: list[int] = []
        corroborated, shared, rank = self.corroborated, self.shared, self.key_rank
        for k in self.multi:
            if k in shared:
                continue
            if rank[k] == RANK_PHONE and k not in corroborated:
                shared[k] = SharedReason.CALLER_ID_ONLY
            elif self._too_many_names(self.group(k)):
                shared[k] = SharedReason.TOO_MANY_NAMES
            else:
                order.append(k)
        order.sort(key=lambda k: (rank[k], self.key_text[k]))
        return order

    def _too_many_names(self, group: array[int]) -> bool:
        record_name = self.record_name
        seen = {record_name[i] for i in group}
        seen.discard(-1)  # nameless records count no one
        if len(seen) < 2:
            return False
        names = [self.name_text[n] for n in seen]
        return too_many_names(
            names,
            self.policy.identity,
            people=self.policy.max_people_per_value,
            similarity=self.policy.name_similarity,
        )

    def fuzzy_blocks(self) -> list[array[int]]:
        """Groups of records with one name and one address or email local part.

        Weak evidence, so only a name *and* a second field; blocking on the
        pair compares no records pairwise. Sorted by block key, and a block
        key is content only (the folded name and the address or mailbox
        name, never a number given in reading order), so the blocks come in
        the same order for any input order. An address or mailbox name seen
        with more than ``policy.fuzzy_max_names`` distinct names (when set)
        blocks nothing. Blocks are numbered and their records kept in flat arrays
        until grouped, as values are.
        """
        found: list[tuple[tuple[str, str, str], int]] = []
        record_name, name_text = self.record_name, self.name_text
        for i, address in self.addresses.items():
            if record_name[i] >= 0:
                found.append((("a", name_text[record_name[i]], address), i))
        for i, keys in self.record_emails.items():
            if record_name[i] < 0:
                continue
            for k in keys:
                if k not in self.shared:
                    mailbox = mailbox_name(self.key_value[k])
                    found.append((("l", name_text[record_name[i]], mailbox), i))
        # An address or mailbox name written with many distinct names (a
        # street with no town, an office, "john") is common, not evidence.
        most = self.policy.fuzzy_max_names
        names_of: dict[tuple[str, str], set[str]] = {}
        if most is not None:
            for (kind, name, field), _ in found:
                names_of.setdefault((kind, field), set()).add(name)
        block_ids: dict[tuple[str, str, str], int] = {}
        blocks, members = array("q"), array("q")
        for key, i in found:
            if most is None or len(names_of[key[0], key[2]]) <= most:
                blocks.append(block_ids.setdefault(key, len(block_ids)))
                members.append(i)
        # Each block's records arrive in input order (a block is either an
        # address block or a mailbox block), so repeats are adjacent.
        size = len(block_ids)
        counts = [0] * size
        for b in blocks:
            counts[b] += 1
        offsets, running = [0] * size, 0
        for b, count in enumerate(counts):
            offsets[b] = running
            running += count
        grouped, ends = array("q", bytes(8 * running)), offsets[:]
        for b, i in zip(blocks, members, strict=True):
            at = ends[b]
            if at == offsets[b] or grouped[at - 1] != i:
                grouped[at] = i
                ends[b] = at + 1
        return [
            grouped[offsets[b] : ends[b]]
            for _, b in sorted(block_ids.items())
            if ends[b] - offsets[b] > 1
        ]

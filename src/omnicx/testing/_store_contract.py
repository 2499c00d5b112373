"""A conformance suite for ``omnicx.storage.DeskStore`` implementations.

Subclass it in your own test suite and say how to make a fresh store::

    from omnicx.testing import StoreContract

    class TestDjangoStore(StoreContract):
        def make_store(self):
            return DjangoStore(...)   # empty, isolated per test

pytest then runs every ``test_*`` method against your store. omnicx's own
``MemoryStore`` and ``SqliteStore`` pass the same suite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, ValidationError
from omnicx.identity import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Conversation,
    Customer,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    NoteEvent,
    Priority,
    Status,
)
from omnicx.storage import (
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    DeskStore,
    Erasure,
    InboxFilter,
    InboxQuery,
    InboxSort,
)
from omnicx.testing import _erasure
from omnicx.testing._erasure import T0, write_and_erase
from omnicx.timeline import ConversationSummary


def _profile(profile_id: str, email: str) -> Profile:
    return Profile(
        id=profile_id,
        created_at=T0,
        last_seen_at=T0,
        identifiers=(Identifier.email(email),),
        names=("Ada",),
    )


def _record(conversation_id: str, customer_id: str, minutes: int = 0) -> ConversationRecord:
    created = T0 + timedelta(minutes=minutes)
    conversation = Conversation(
        id=conversation_id, customer_id=customer_id, channel=Channel.EMAIL, created_at=created
    )
    summary = ConversationSummary(
        id=conversation_id,
        customer_id=customer_id,
        channel=Channel.EMAIL,
        status=Status.NEW,
        last_activity_at=created,
        message_ids=frozenset({f"{conversation_id}@mail.example"}),
    )
    # The email thread too: a store that drops a field loses replies' threading.
    return ConversationRecord(
        conversation=conversation,
        summary=summary,
        sla_state={"n": 1},
        email_parent=f"{conversation_id}@mail.example",
        email_references=("root@mail.example", f"{conversation_id}@mail.example"),
        email_cc=("cc@example.com",),
    )


def _note(event_id: str, customer_id: str, conversation_id: str | None = None) -> NoteEvent:
    return NoteEvent(
        id=event_id,
        at=T0,
        customer_id=customer_id,
        conversation_id=conversation_id,
        author=Author(kind=AuthorKind.AGENT, id="a1"),
        text="note",
    )


def _message(event_id: str, conversation_id: str, text: str, minutes: int = 0) -> MessageEvent:
    at = T0 + timedelta(minutes=minutes)
    message = Message(
        id=event_id, channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text,
    )  # fmt: skip
    return MessageEvent(
        id=event_id, at=at, customer_id="p1", conversation_id=conversation_id, message=message
    )


_QUEUES = (None, "billing", "sales")
_AGENTS = (None, "ann", "bob")
_TAGS = ("vip", "refund", "bug")
_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.CHAT)
_CUSTOMERS = ("p1", "p2", "p3")


@st.composite
def inbox_records(draw: st.DrawFn, max_size: int = 12) -> list[ConversationRecord]:
    """Random conversation records with many ties (priorities, times, queues).

    Times are minutes plus, sometimes, microseconds apart, so stores that
    sort times as text with optional fractions are caught out.
    """
    count = draw(st.integers(0, max_size))
    records = []
    for n in range(count):
        created = T0 + timedelta(
            minutes=draw(st.integers(0, 5)), microseconds=draw(st.sampled_from([0, 0, 1, 500_000]))
        )
        updated = created + timedelta(minutes=draw(st.integers(0, 3)))
        status = draw(st.sampled_from(Status))
        channel = draw(st.sampled_from(_CHANNELS))
        customer = draw(st.sampled_from(_CUSTOMERS))
        conversation = Conversation(
            id=f"c{n:02d}", customer_id=customer, channel=channel, created_at=created,
            status=status, priority=draw(st.sampled_from(Priority)),
            queue=draw(st.sampled_from(_QUEUES)), assignee=draw(st.sampled_from(_AGENTS)),
            tags=draw(st.frozensets(st.sampled_from(_TAGS))),
        )  # fmt: skip
        summary = ConversationSummary(
            id=conversation.id, customer_id=customer, channel=channel, status=status,
            last_activity_at=updated,
        )  # fmt: skip
        records.append(ConversationRecord(conversation=conversation, summary=summary))
    return records


def _maybe_set(values: tuple[object, ...]) -> st.SearchStrategy[object]:
    return st.none() | st.frozensets(st.sampled_from(values), min_size=1)


def _maybe_time() -> st.SearchStrategy[datetime | None]:
    return st.none() | st.integers(0, 8).map(lambda m: T0 + timedelta(minutes=m))


def _range(draw: st.DrawFn) -> tuple[datetime | None, datetime | None]:
    low, high = draw(_maybe_time()), draw(_maybe_time())
    if low is not None and high is not None and low >= high:
        return low, None
    return low, high


@st.composite
def inbox_filters(draw: st.DrawFn) -> InboxFilter:
    """Random inbox filters over the values ``inbox_records`` uses."""
    created_from, created_before = _range(draw)
    updated_from, updated_before = _range(draw)
    return InboxFilter(
        queues=draw(_maybe_set(_QUEUES)), statuses=draw(_maybe_set(tuple(Status))),
        assignees=draw(_maybe_set(_AGENTS)),
        tags=draw(st.frozensets(st.sampled_from(_TAGS), max_size=2)),
        channels=draw(_maybe_set(_CHANNELS)), customer_ids=draw(_maybe_set(_CUSTOMERS)),
        priorities=draw(_maybe_set(tuple(Priority))),
        created_from=created_from, created_before=created_before,
        updated_from=updated_from, updated_before=updated_before,
    )  # fmt: skip


def _traverse(store: DeskStore, query: InboxQuery) -> list[str]:
    ids: list[str] = []
    while True:
        page = store.inbox(query)
        ids += [r.id for r in page.items]
        if page.next_cursor is None:
            return ids
        query = attrs.evolve(query, cursor=page.next_cursor)


class StoreContract:
    """The behaviour every ``DeskStore`` must show; subclass and define ``make_store``."""

    def make_store(self) -> DeskStore:
        """Return a new, empty store. Override this.

        It is called again for every example of the property tests, and
        each call must return an empty store.
        """
        raise NotImplementedError

    # -- identity half -------------------------------------------------------

    def test_next_id_never_repeats(self) -> None:
        """Ids handed out for one kind are unique."""
        store = self.make_store()
        ids = [store.next_id("profile") for _ in range(5)] + [store.next_id("merge")]
        assert len(set(ids)) == 6

    def test_identity_values_read_back_as_written(self) -> None:
        """apply() stores profiles, links, merges and observations by id or key."""
        store = self.make_store()
        first, second = _profile("p1", "ada@example.com"), _profile("p2", "ada@work.example")
        link = Link(key="email:ada@example.com", profile_ids=("p1",), names=("Ada",))
        record = MergeRecord(
            id="m1", at=T0, survivor_id="p1", absorbed_id="p2", evidence=(),
            observation_id=None, survivor_before=first, absorbed_before=second,
        )  # fmt: skip
        observation = Observation(id="o1", at=T0, identifiers=first.identifiers, name="Ada")
        store.apply(
            ChangeSet(
                profiles=(first, second), links=(link,), merges=(record,),
                observations=((observation, "p1"),),
            )
        )  # fmt: skip
        assert store.profile("p1") == first
        assert store.profile("nope") is None
        assert store.link(link.key) == link
        assert store.merge("m1") == record
        assert store.observation("o1") == (observation, "p1")
        replaced = attrs.evolve(first, names=("Ada", "Ada L."))
        store.apply(ChangeSet(profiles=(replaced,)))
        assert store.profile("p1") == replaced

    def test_profile_versions_count_writes(self) -> None:
        """Each write of a profile bumps its version by one, starting from 0."""
        store = self.make_store()
        assert store.profile_version("p1") == 0
        store.commit(Changes(identity=ChangeSet(profiles=(_profile("p1", "a@x.example"),))))
        assert store.profile_version("p1") == 1
        store.commit(
            Changes(
                identity=ChangeSet(profiles=(_profile("p1", "a@x.example"),)),
                profile_versions={"p1": 1},
            )
        )
        assert store.profile_version("p1") == 2

    # -- desk half -----------------------------------------------------------

    def test_conversation_round_trip_and_version(self) -> None:
        """A committed record reads back equal, with its version bumped."""
        store = self.make_store()
        record = _record("c1", "p1")
        store.commit(Changes(conversations=(record,), thread_refs=(("mid:c1@x", "c1"),)))
        stored = store.conversation("c1")
        assert stored == attrs.evolve(record, version=1)
        assert store.conversation("c2") is None
        assert store.conversation_for_ref("mid:c1@x") == "c1"
        assert store.conversation_for_ref("mid:other") is None

    def test_stale_conversation_version_is_a_conflict_and_writes_nothing(self) -> None:
        """Optimistic concurrency: a lost race raises ConflictError, atomically."""
        store = self.make_store()
        store.commit(Changes(conversations=(_record("c1", "p1"),)))
        stale = _record("c1", "p1")  # version 0, but the store holds 1
        with pytest.raises(ConflictError, match="conversation 'c1' changed since it was read"):
            store.commit(
                Changes(
                    identity=ChangeSet(profiles=(_profile("p9", "z@x.example"),)),
                    conversations=(stale,),
                    events=(_note("e1", "p1"),),
                    receipts=(("k1", {"ok": True}),),
                )
            )
        assert store.profile("p9") is None
        assert store.events() == []
        assert store.receipt("k1") is None
        current = store.conversation("c1")
        assert current is not None
        assert current.version == 1

    def test_stale_profile_version_is_a_conflict(self) -> None:
        """A profile changed since it was read refuses the whole commit."""
        store = self.make_store()
        store.commit(Changes(identity=ChangeSet(profiles=(_profile("p1", "a@x.example"),))))
        with pytest.raises(ConflictError, match="customer 'p1' changed since it was read"):
            store.commit(Changes(events=(_note("e1", "p1"),), profile_versions={"p1": 0}))
        assert store.events() == []

    def test_conversations_of_customers_oldest_first(self) -> None:
        """conversations_of returns every conversation of the given customers, by age."""
        store = self.make_store()
        store.commit(
            Changes(
                conversations=(
                    _record("c2", "p1", minutes=5),
                    _record("c1", "p1"),
                    _record("c3", "p2", minutes=1),
                    _record("c4", "p3"),
                )
            )
        )
        assert [r.id for r in store.conversations_of(["p1", "p2"])] == ["c1", "c3", "c2"]
        assert store.conversations_of([]) == []

    def test_events_are_append_ordered_filtered_and_idempotent(self) -> None:
        """Events keep append order, filter by customers and conversation, skip known ids."""
        store = self.make_store()
        store.commit(Changes(events=(_note("e2", "p1", "c1"), _note("e1", "p2"))))
        store.commit(Changes(events=(_note("e2", "p1", "c1"), _note("e3", "p1"))))
        assert [e.id for e in store.events()] == ["e2", "e1", "e3"]
        assert [e.id for e in store.events(customer_ids=["p1"])] == ["e2", "e3"]
        assert [e.id for e in store.events(conversation_id="c1")] == ["e2"]
        assert [e.id for e in store.events(customer_ids=["p1"], conversation_id="c9")] == []
        assert store.events()[0] == _note("e2", "p1", "c1")

    def test_receipts_are_written_once(self) -> None:
        """The first receipt for a key wins; replays don't overwrite it."""
        store = self.make_store()
        store.commit(Changes(receipts=(("k", {"customer": "p1"}),)))
        store.commit(Changes(receipts=(("k", {"customer": "p2"}),)))
        assert store.receipt("k") == {"customer": "p1"}
        assert store.receipt("missing") is None

    def test_customer_values_survive(self) -> None:
        """Profiles convert back to customers after a round trip (no field lost)."""
        store = self.make_store()
        profile = attrs.evolve(_profile("p1", "a@x.example"), attributes={"tier": "gold"})
        store.apply(ChangeSet(profiles=(profile,)))
        loaded = store.profile("p1")
        assert loaded is not None
        assert loaded.to_customer() == Customer(
            id="p1",
            identifiers=profile.identifiers,
            name="Ada",
            attributes={"tier": "gold"},
            created_at=T0,
            tier="gold",
        )

    def test_erase_replaces_drops_and_forgets(self) -> None:
        """erase() rewrites profiles, events and conversations, drops the rest it names."""
        store = self.make_store()
        profile = _profile("p1", "ada@example.com")
        link = Link(key="email:ada@example.com", profile_ids=("p1",))
        shared = Link(key="phone:+1", profile_ids=("p1", "p2"), names=("Ada", "Bo"))
        observation = Observation(id="o1", at=T0, identifiers=profile.identifiers)
        store.commit(
            Changes(
                identity=ChangeSet(profiles=(profile,), links=(link, shared),
                                   observations=((observation, "p1"),)),
                conversations=(_record("c1", "p1"),),
                thread_refs=(("mid:c1@x", "c1"),),
                events=(_note("e1", "p1", "c1"),),
                receipts=(("k1", {"customer_id": "p1"}), ("k2", {"customer_id": "p2"})),
            )
        )  # fmt: skip
        blank = Profile(id="p1", created_at=T0, last_seen_at=T0)
        quiet = attrs.evolve(_note("e1", "p1", "c1"), text="")
        record = attrs.evolve(_record("c1", "p1"), sla_state={})
        store.erase(
            Erasure(
                profiles=(blank,), links=(attrs.evolve(shared, profile_ids=("p2",), names=()),),
                drop_links=(link.key,), drop_observations=("o1",), events=(quiet,),
                conversations=(record,), customer_ids=("p1",),
            )
        )  # fmt: skip
        assert store.profile("p1") == blank
        assert store.link(link.key) is None
        assert store.link(shared.key) == Link(key="phone:+1", profile_ids=("p2",))
        assert store.observation("o1") is None
        assert store.events() == [quiet]
        store.commit(Changes(events=(_note("e2", "p2"),)))
        store.erase(Erasure(drop_events=("e1",)))
        assert [e.id for e in store.events()] == ["e2"]
        assert store.events(conversation_id="c1") == []
        stored = store.conversation("c1")
        assert stored is not None
        assert (stored.sla_state, stored.version) == ({}, 2)
        assert store.conversation_for_ref("mid:c1@x") is None
        assert (store.receipt("k1"), store.receipt("k2")) == (None, {"customer_id": "p2"})

    def test_erase_renames_events_in_place(self) -> None:
        """``renamed_events`` give events new ids where they stand; the old ids are free again."""
        store = self.make_store()
        store.commit(Changes(events=(_note("e1", "p1"), _note("e2", "p1"), _note("e3", "p2"))))
        quiet = attrs.evolve(_note("x1", "p1"), text="")
        store.erase(Erasure(renamed_events=(("e1", "x1"), ("e2", "x2")), events=(quiet,)))
        assert store.events() == [quiet, _note("x2", "p1"), _note("e3", "p2")]
        assert [e.id for e in store.events(customer_ids=("p1",))] == ["x1", "x2"]
        store.commit(Changes(events=(_note("x1", "p1"), _note("e1", "p1"))))
        assert [e.id for e in store.events()] == ["x1", "x2", "e3", "e1"]

    def test_erasure_leaves_nothing_of_the_customer_to_read(self) -> None:
        """After ``erase_customer`` nothing the store returns holds her data.

        Her identifiers, name, message text, Message-IDs (in event ids,
        ``Message.id`` and ``external_id``) and thread reference keys are
        gone; the other customer's data stays.
        """
        store = self.make_store()
        run = write_and_erase(Desk(store=store, clock=FixedClock(T0)))
        ids = [run.erased_id, run.kept_id]
        seen = [
            *store.events(),
            *store.conversations_of(ids),
            *(store.profile(i) for i in ids),
            *store.audit(),
            *(store.receipt(key) for key in run.receipt_keys),
        ]
        text = repr(seen)
        # Her strings are read from the module, so no global here holds them.
        assert [value for value in _erasure.ERASED if value in text] == []
        assert [value for value in _erasure.KEPT if value not in text] == []
        refs = [f"mid:{mid}" for mid in _erasure.ADA_MIDS] + [f"ext:sms:{_erasure.ADA_SMS_ID}"]
        assert [ref for ref in refs if store.conversation_for_ref(ref) is not None] == []

    def test_audit_log_appends_once_and_filters(self) -> None:
        """Audit entries keep their order, skip known ids and filter by customer and actor."""
        store = self.make_store()

        def entry(entry_id: str, actor: str, customer: str | None) -> AuditEntry:
            return AuditEntry(id=entry_id, at=T0, actor=actor, action=AuditAction.EXPORT,
                              customer_id=customer, reason="request", details={"n": 1})  # fmt: skip

        first, second, third = (
            entry("a1", "ann", "p1"),
            entry("a2", "bob", "p1"),
            entry("a3", "ann", None),
        )
        store.commit(Changes(audit=(first, second)))
        store.commit(Changes(audit=(first, third)))
        assert store.audit() == [first, second, third]
        assert store.audit(customer_id="p1") == [first, second]
        assert store.audit(actor="ann") == [first, third]
        assert store.audit(customer_id="p1", actor="bob") == [second]
        store.erase(Erasure(customer_ids=("p9",), audit=(entry("a4", "lead", "p9"),)))
        assert [e.id for e in store.audit()] == ["a1", "a2", "a3", "a4"]

    # -- inbox ---------------------------------------------------------------

    def _inbox_store(self) -> DeskStore:
        store = self.make_store()
        c = Conversation(id="x", customer_id="p1", channel=Channel.EMAIL, created_at=T0)

        def record(
            conversation_id: str, minutes: int, updated: int, **fields: Any
        ) -> ConversationRecord:
            conversation = attrs.evolve(
                c, id=conversation_id, created_at=T0 + timedelta(minutes=minutes), **fields
            )
            summary = ConversationSummary(
                id=conversation_id, customer_id=conversation.customer_id,
                channel=conversation.channel, status=conversation.status,
                last_activity_at=T0 + timedelta(minutes=updated),
            )  # fmt: skip
            return ConversationRecord(conversation=conversation, summary=summary)

        store.commit(
            Changes(
                conversations=(
                    record("c1", 0, 9, queue="billing", status=Status.OPEN, assignee="ann",
                           tags=frozenset({"vip"}), priority=Priority.HIGH),
                    record("c2", 1, 2, queue="billing", status=Status.NEW),
                    record("c3", 2, 3, queue="sales", status=Status.OPEN, channel=Channel.SMS,
                           priority=Priority.URGENT, customer_id="p2"),
                    record("c4", 3, 4, status=Status.SOLVED, assignee="bob",
                           tags=frozenset({"vip", "refund"})),
                )
            )
        )  # fmt: skip
        return store

    def _ids(
        self, store: DeskStore, sort: InboxSort = InboxSort.PRIORITY_AGE, **where: object
    ) -> list[str]:
        query = InboxQuery(where=InboxFilter(**where), sort=sort)  # type: ignore[arg-type]
        return [r.id for r in store.inbox(query).items]

    def test_inbox_filters_by_each_field(self) -> None:
        """Every filter field narrows the inbox; None in a set means "no queue" or "unassigned"."""
        store = self._inbox_store()
        later = T0 + timedelta(minutes=2)
        assert self._ids(store, queues="billing") == ["c1", "c2"]
        assert self._ids(store, queues={None, "sales"}) == ["c3", "c4"]
        assert self._ids(store, statuses={Status.OPEN, Status.SOLVED}) == ["c3", "c1", "c4"]
        assert self._ids(store, assignees="ann") == ["c1"]
        assert self._ids(store, assignees={None}) == ["c3", "c2"]
        assert self._ids(store, tags={"vip", "refund"}) == ["c4"]
        assert self._ids(store, tags="vip") == ["c1", "c4"]
        assert self._ids(store, channels=Channel.SMS) == ["c3"]
        assert self._ids(store, customer_ids={"p1"}) == ["c1", "c2", "c4"]
        assert self._ids(store, priorities={Priority.NORMAL}) == ["c2", "c4"]
        assert self._ids(store, created_from=later) == ["c3", "c4"]
        assert self._ids(store, created_before=later) == ["c1", "c2"]
        assert self._ids(store, updated_from=T0 + timedelta(minutes=4)) == ["c1", "c4"]
        assert self._ids(store, updated_before=T0 + timedelta(minutes=4)) == ["c3", "c2"]
        assert self._ids(store, queues="billing", assignees={None}) == ["c2"]

    def test_inbox_sorts_by_priority_then_age_or_by_last_update(self) -> None:
        """Urgent first then oldest first; or most recent activity first."""
        store = self._inbox_store()
        assert self._ids(store) == ["c3", "c1", "c2", "c4"]
        assert self._ids(store, InboxSort.LAST_UPDATE) == ["c1", "c4", "c3", "c2"]

    def test_inbox_counts_by_queue_and_status(self) -> None:
        """Counts per (queue, status) of what the filter matches; zeros left out."""
        store = self._inbox_store()
        assert store.inbox_counts() == {
            ("billing", Status.OPEN): 1, ("billing", Status.NEW): 1,
            ("sales", Status.OPEN): 1, (None, Status.SOLVED): 1,
        }  # fmt: skip
        assert store.inbox_counts(InboxFilter(tags="vip")) == {
            ("billing", Status.OPEN): 1, (None, Status.SOLVED): 1,
        }  # fmt: skip

    # Each property builds its hypothesis test per call: one shared decorated
    # method inherited by many classes would mix their executors.

    def test_paged_traversal_equals_the_plain_list(self) -> None:
        """Following next_cursor visits exactly the filtered, sorted list, once each."""

        @given(inbox_records(), inbox_filters(), st.sampled_from(InboxSort), st.integers(1, 5))
        def check(
            records: list[ConversationRecord], where: InboxFilter, sort: InboxSort, limit: int
        ) -> None:
            store = self.make_store()
            store.commit(Changes(conversations=tuple(records)))
            query = InboxQuery(where=where, sort=sort, limit=limit)
            plain = [r.id for r in attrs.evolve(query, limit=500).page(records).items]
            assert _traverse(store, query) == plain
            assert [r.id for r in store.inbox(attrs.evolve(query, limit=500)).items] == plain

        check()

    def test_counts_equal_a_plain_count(self) -> None:
        """inbox_counts agrees with counting every record the filter matches."""

        @given(inbox_records(), inbox_filters())
        def check(records: list[ConversationRecord], where: InboxFilter) -> None:
            store = self.make_store()
            store.commit(Changes(conversations=tuple(records)))
            expected: dict[tuple[str | None, Status], int] = {}
            for r in records:
                if where.matches(r):
                    key = (r.conversation.queue, r.conversation.status)
                    expected[key] = expected.get(key, 0) + 1
            assert store.inbox_counts(where) == expected

        check()

    def test_priority_age_pages_survive_writes_between_pages(self) -> None:
        """A write between pages that keeps the priority never repeats or skips a conversation."""

        @given(inbox_records(max_size=10), st.integers(1, 4), st.data())
        def check(records: list[ConversationRecord], limit: int, data: st.DataObject) -> None:
            store = self.make_store()
            store.commit(Changes(conversations=tuple(records)))
            query = InboxQuery(limit=limit)
            expected = [r.id for r in attrs.evolve(query, limit=500).page(records).items]
            page = store.inbox(query)
            seen = [r.id for r in page.items]
            if page.next_cursor is not None:
                target = store.conversation(data.draw(st.sampled_from([r.id for r in records])))
                assert target is not None
                later = target.summary.last_activity_at + timedelta(hours=1)
                moved = attrs.evolve(
                    target,
                    conversation=attrs.evolve(target.conversation, status=Status.OPEN,
                                              assignee="bob", tags=frozenset({"bug"})),
                    summary=attrs.evolve(target.summary, last_activity_at=later),
                )  # fmt: skip
                store.commit(Changes(conversations=(moved,)))
                seen += _traverse(store, attrs.evolve(query, cursor=page.next_cursor))
            assert seen == expected

        check()

    def test_last_update_pages_never_repeat_an_updated_conversation(self) -> None:
        """An update between pages moves a conversation to page 1: it is not returned
        again, and every conversation not updated is returned once."""

        @given(inbox_records(max_size=10), st.integers(1, 4), st.data())
        def check(records: list[ConversationRecord], limit: int, data: st.DataObject) -> None:
            store = self.make_store()
            store.commit(Changes(conversations=tuple(records)))
            query = InboxQuery(sort=InboxSort.LAST_UPDATE, limit=limit)
            page = store.inbox(query)
            seen = [r.id for r in page.items]
            if page.next_cursor is None:
                return
            target = store.conversation(data.draw(st.sampled_from([r.id for r in records])))
            assert target is not None
            newest = max(r.summary.last_activity_at for r in records) + timedelta(minutes=1)
            summary = attrs.evolve(target.summary, last_activity_at=newest)
            store.commit(Changes(conversations=(attrs.evolve(target, summary=summary),)))
            seen += _traverse(store, attrs.evolve(query, cursor=page.next_cursor))
            assert len(seen) == len(set(seen))
            assert {r.id for r in records} - {target.id} <= set(seen)
            assert store.inbox(query).items[0].id == target.id

        check()

    def test_a_cursor_from_another_query_is_refused(self) -> None:
        """A cursor continues only the filter and sort that issued it."""
        store = self._inbox_store()
        cursor = store.inbox(InboxQuery(limit=1)).next_cursor
        assert cursor is not None
        with pytest.raises(ValidationError, match=r"^cursor: the cursor was altered"):
            InboxQuery(where=InboxFilter(queues="sales"), limit=1, cursor=cursor)
        with pytest.raises(
            ValidationError, match=r"^cursor: the cursor continues a 'priority_age'"
        ):
            InboxQuery(sort=InboxSort.LAST_UPDATE, cursor=cursor)

    # -- search --------------------------------------------------------------

    def _search_store(self) -> DeskStore:
        store = self.make_store()
        store.commit(
            Changes(
                conversations=(_record("c1", "p1"), _record("c2", "p1", minutes=1),
                               _record("c3", "p2", minutes=2)),
                events=(
                    _message("m1", "c1", "My ORDER never arrived, please refund"),
                    _message("m2", "c1", "Still waiting for the refund.", minutes=3),
                    _message("m3", "c2", "Where is my order? Ordered last week."),
                    _message("m4", "c3", "Café crème: refund_request"),
                    _note("n1", "p1", "c2"),
                ),
            )
        )  # fmt: skip
        return store

    def test_search_finds_conversations_holding_every_word(self) -> None:
        """Whole words, any case, all of them (possibly in different messages)."""
        store = self._search_store()

        def found(text: str, **kwargs: object) -> list[str]:
            return [r.id for r in store.search(text, **kwargs)]  # type: ignore[arg-type]

        assert found("order") == ["c2", "c1"]
        assert found("Refund") == ["c1"]  # not c3's refund_request: another word
        assert found("waiting ORDER") == ["c1"]
        assert found("order arrived week") == []
        assert found("ordered") == ["c2"]
        assert found("CAFÉ") == ["c3"]
        assert found("refund_request") == ["c3"]
        assert found("note") == []  # notes are not messages
        assert found("order", limit=1) == ["c2"]
        assert found(
            "order", where=InboxFilter(customer_ids="p1", created_from=T0 + timedelta(minutes=1))
        ) == ["c2"]
        with pytest.raises(ValidationError, match=r"^text: has no words"):
            store.search(" ?! ")
        with pytest.raises(ValidationError, match=r"^limit: must be a whole number from 1 to 500"):
            store.search("order", limit=0)

    def test_search_ranks_by_matching_messages_then_activity(self) -> None:
        """More messages with the words first; ties go to the latest activity."""
        store = self._search_store()
        store.commit(Changes(events=(_message("m5", "c2", "refund?", minutes=4),)))
        assert [r.id for r in store.search("refund")] == ["c1", "c2"]
        # Two messages each: the later activity (c2) goes first.
        assert [r.id for r in store.search("refund order")] == ["c2", "c1"]
        store.commit(Changes(events=(_message("m6", "c2", "refund refund", minutes=5),)))
        assert [r.id for r in store.search("refund")] == ["c2", "c1"]

    def test_search_forgets_erased_text(self) -> None:
        """After ``erase_customer`` her words find nothing; the other customer's still do."""
        store = self.make_store()
        run = write_and_erase(Desk(store=store, clock=FixedClock(T0)))
        assert store.search("Lovelace") == []
        assert store.search("again call") == []
        found = store.search("hello order")
        assert [r.conversation.customer_id for r in found] == [run.kept_id]

    def test_search_forgets_dropped_and_rewritten_messages(self) -> None:
        """Erasure's dropped and rewritten events leave the index with their words."""
        store = self._search_store()
        quiet = _message("m3", "c2", "")
        store.erase(Erasure(drop_events=("m1", "m2"), events=(quiet,)))
        assert store.search("refund") == []
        assert store.search("order") == []
        assert [r.id for r in store.search("crème")] == ["c3"]

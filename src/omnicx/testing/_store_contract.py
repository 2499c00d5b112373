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

from datetime import timedelta, timezone
from typing import Any

import attrs
import pytest

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk, Receipt
from omnicx.errors import ConflictError
from omnicx.identity import (
    ChangeSet,
    Link,
    MergeRecord,
    Observation,
    Profile,
    email_identifier,
    match_key,
)
from omnicx.model import (
    Agent,
    AgentStatus,
    AnswerRated,
    ArticlesOffered,
    Author,
    AuthorKind,
    Channel,
    Conversation,
    ConversationCreated,
    Customer,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    NoteEvent,
    OfferedArticle,
    Priority,
    QueueChanged,
    Status,
    StatusChanged,
    SuggestionUsed,
    Visibility,
)
from omnicx.storage import (
    AgentRecord,
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    DeskStore,
    Erasure,
    ListeningRecord,
    WaitingWork,
)
from omnicx.testing import _erasure
from omnicx.testing._bot_contract import BotContract
from omnicx.testing._erasure import T0, write_and_erase
from omnicx.testing._inbox_contract import InboxContract
from omnicx.testing._order_contract import OrderContract
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


class StoreContract(InboxContract, BotContract, OrderContract):
    """The behaviour every ``DeskStore`` must show; subclass and define ``make_store``.

    The inbox queries' half (filters, sorts, cursors, counts, search) is
    ``InboxContract``'s; a bot's conversation and handoff ``BotContract``'s;
    the order index's ``OrderContract``'s.
    """

    def make_store(self) -> DeskStore:
        """Return a new, empty store. Override this."""
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

    def test_observation_ids_list_a_profile_s_rows_first_stored_first(self) -> None:
        """observation_ids() gives the ids stored under one profile id, in order, sliced.

        Writing an observation again under another profile (an unmerge
        re-attributing it) moves it there and keeps its place in the order.
        """
        store = self.make_store()
        seen = [Observation(id=f"o{n}", at=T0 + timedelta(minutes=n)) for n in range(6)]
        owners = ("p1", "p2", "p1", "p1", "p2", "p1")
        for observation, owner in zip(seen, owners, strict=True):
            store.apply(ChangeSet(observations=((observation, owner),)))
        assert store.observation_ids("p1") == ["o0", "o2", "o3", "o5"]
        assert store.observation_ids("p2") == ["o1", "o4"]
        assert store.observation_ids("p1", start=1) == ["o2", "o3", "o5"]
        assert store.observation_ids("p1", start=1, limit=2) == ["o2", "o3"]
        assert store.observation_ids("p1", limit=0) == []
        assert store.observation_ids("p1", start=9) == []
        assert store.observation_ids("nobody") == []
        store.apply(ChangeSet(observations=((seen[3], "p2"), (seen[0], "p2"))))
        assert store.observation_ids("p1") == ["o2", "o5"]
        assert store.observation_ids("p2") == ["o0", "o1", "o3", "o4"]

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

    def test_creation_and_queue_events_round_trip(self) -> None:
        """A conversation's creation and queue moves are stored and read back as they were."""
        store = self.make_store()
        base: dict[str, Any] = {"customer_id": "p1", "conversation_id": "c1", "at": T0}
        created = ConversationCreated(id="e1", channel=Channel("whatsapp"), queue="billing",
                                      priority=Priority.HIGH, actor=Author(kind=AuthorKind.SYSTEM),
                                      **base)  # fmt: skip
        moved = QueueChanged(id="e2", previous="billing", queue=None, **base)
        store.commit(Changes(events=(created, moved)))
        assert store.events(conversation_id="c1") == [created, moved]

    def test_article_feedback_events_read_back_as_written(self) -> None:
        """Offers, used suggestions and ratings keep their articles, scores and verdicts."""
        store = self.make_store()
        base: dict[str, Any] = {"customer_id": "p1", "conversation_id": "c1", "at": T0}
        offered = (
            OfferedArticle(id="returns", locale="pt-BR", score=3.25, confidence=0.625),
            OfferedArticle(id="refunds", locale="pt-BR", score=1.5, confidence=0.3),
        )
        events = (
            ArticlesOffered(id="e1", articles=offered, min_confidence=0.3, **base),
            ArticlesOffered(id="e2", min_confidence=0.5, **base),
            SuggestionUsed(id="e3", article_id="returns", locale="pt-BR", agent_id="a1", **base),
            AnswerRated(id="e4", article_id="returns", locale="pt-BR", helpful=False, **base),
        )  # fmt: skip
        store.commit(Changes(events=events))
        store.commit(Changes(events=events[:1]))
        assert tuple(store.events(conversation_id="c1")) == events

    def test_public_messages_keep_visibility_post_parent_and_author_facts(self) -> None:
        """A social comment reads back with its visibility, post, parent and author facts."""
        store = self.make_store()
        message = Message(
            id="x:105",
            channel=Channel.X,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER, id="38", followers=48210, verified=True),
            sent_at=T0,
            text="@shop still waiting",
            external_id="105",
            visibility=Visibility.PUBLIC,
            post_id="104",
            parent_id="103",
        )
        event = MessageEvent(id="msg:x:105", at=T0, customer_id="p1", conversation_id="c1",
                             source="x", external_id="105", message=message)  # fmt: skip
        store.commit(Changes(events=(event,)))
        assert list(store.events(conversation_id="c1")) == [event]

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

    def test_every_audit_action_reads_back(self) -> None:
        """An entry of each ``AuditAction`` (``MOVE_CONVERSATION`` too) reads back as written."""
        store = self.make_store()
        entries = tuple(
            AuditEntry(id=f"a{n}", at=T0, actor="lea", action=action, customer_id="p1")
            for n, action in enumerate(AuditAction, 1)
        )
        store.commit(Changes(audit=entries))
        assert store.audit(customer_id="p1") == list(entries)

    def test_due_returns_what_is_due_earliest_first(self) -> None:
        """``due`` lists records due by ``now``, earliest then by id, at most ``limit``."""
        store = self.make_store()
        zone = timezone(timedelta(hours=-5))
        at = {"c1": T0 + timedelta(minutes=30), "c2": T0 + timedelta(minutes=10),
              "c3": (T0 + timedelta(minutes=10)).astimezone(zone), "c4": None,
              "c5": T0 + timedelta(hours=2)}  # fmt: skip
        store.commit(
            Changes(
                conversations=tuple(
                    attrs.evolve(_record(cid, "p1"), due_at=due, timers={"x": due} if due else {})
                    for cid, due in at.items()
                )
            )
        )
        now = T0 + timedelta(hours=1)
        assert [r.id for r in store.due(now, limit=10)] == ["c2", "c3", "c1"]
        assert [r.id for r in store.due(now, limit=2)] == ["c2", "c3"]
        assert [r.id for r in store.due(T0 + timedelta(minutes=10), limit=10)] == ["c2", "c3"]
        assert store.due(T0, limit=10) == []
        found = store.due(now, limit=1)[0]
        assert found == attrs.evolve(_record("c2", "p1"), due_at=at["c2"], timers={"x": at["c2"]},
                                     version=1)  # fmt: skip

    def test_due_follows_each_write(self) -> None:
        """A record written with a later or no ``due_at`` leaves the due list; reads change nothing."""
        store = self.make_store()
        now = T0 + timedelta(hours=1)
        store.commit(Changes(conversations=(attrs.evolve(_record("c1", "p1"), due_at=T0),)))
        assert [r.id for r in store.due(now, limit=5)] == ["c1"]
        assert [r.id for r in store.due(now, limit=5)] == ["c1"]
        for version, due in ((1, now + timedelta(minutes=1)), (2, None), (3, T0)):
            record = attrs.evolve(_record("c1", "p1"), due_at=due, version=version)
            store.commit(Changes(conversations=(record,)))
        assert [(r.id, r.version) for r in store.due(now, limit=5)] == [("c1", 4)]
        record = attrs.evolve(_record("c1", "p1"), due_at=None, version=4)
        store.commit(Changes(conversations=(record,)))
        assert store.due(now, limit=5) == []
        # An erasure's record replaces the stored one in the index too.
        stored = attrs.evolve(_record("c2", "p2"), due_at=T0)
        store.commit(Changes(conversations=(stored,)))
        erased = attrs.evolve(stored, due_at=None, erased_at=T0)
        store.erase(Erasure(conversations=(erased,), customer_ids=("p2",)))
        assert store.due(now, limit=5) == []

    def test_claimed_due_work_comes_in_due_order_and_commits_with_its_claim(self) -> None:
        """``claim_due`` (a ``DueClaimStore``): due order, ``skip``, a commit inside kept or undone.

        Skipped for a store without ``claim_due``: ``Desk.tick`` reads it with ``due``.
        """
        store: Any = self.make_store()
        if not callable(getattr(store, "claim_due", None)):
            pytest.skip("the store has no claim_due (omnicx.storage.DueClaimStore)")
        now = T0 + timedelta(hours=1)
        at = {"c1": T0 + timedelta(minutes=30), "c2": T0, "c3": None}
        store.commit(Changes(conversations=tuple(
            attrs.evolve(_record(cid, "p1"), due_at=due) for cid, due in at.items()
        )))  # fmt: skip
        with store.claim_due(now) as record:
            assert (record.id if record else None) == "c2"
            store.commit(Changes(conversations=(attrs.evolve(record, due_at=None),)))
        assert [r.id for r in store.due(now, limit=5)] == ["c1"]
        with store.claim_due(now, skip=["c1"]) as record:
            assert record is None

        def commit_then_fail() -> None:
            with store.claim_due(now) as record:
                assert (record.id if record else None) == "c1"
                store.commit(Changes(conversations=(attrs.evolve(record, due_at=None),),
                                     events=(_note("claimed", "p1", "c1"),)))  # fmt: skip
                raise _Held

        with pytest.raises(_Held):
            commit_then_fail()
        # The claim ended in an error: what it committed is undone.
        assert [(r.id, r.version) for r in store.due(now, limit=5)] == [("c1", 1)]
        assert store.events() == []

    def test_a_claim_reads_its_own_commits_and_gives_no_id_twice(self) -> None:
        """Inside a claim reads see its commits, a lost race undoes only itself, ids stay unique.

        Skipped for a store without ``claim_due``, like the test above.
        """
        store: Any = self.make_store()
        if not callable(getattr(store, "claim_due", None)):
            pytest.skip("the store has no claim_due (omnicx.storage.DueClaimStore)")
        now = T0 + timedelta(hours=1)
        given = {store.next_id("x")}
        store.commit(Changes(conversations=(attrs.evolve(_record("c1", "p1"), due_at=T0),)))

        def claim_and_fail() -> None:
            with store.claim_due(now) as record:
                assert record is not None
                given.update(store.next_id("x") for _ in range(3))
                done = attrs.evolve(record, due_at=None)
                store.commit(Changes(conversations=(done,), events=(_note("e1", "p1", "c1"),)))
                assert store.conversation("c1").version == 2
                assert [e.id for e in store.events(conversation_id="c1")] == ["e1"]
                assert store.due(now, limit=5) == []
                # A stale write inside the claim loses alone; the claim goes on.
                with pytest.raises(ConflictError):
                    store.commit(Changes(conversations=(done,)))
                assert store.conversation("c1").version == 2
                raise _Held

        with pytest.raises(_Held):
            claim_and_fail()
        assert [(r.id, r.version) for r in store.due(now, limit=5)] == [("c1", 1)]
        assert store.events() == []
        more = [store.next_id("x") for _ in range(70)]
        assert len(set(more)) == 70
        assert not given & set(more)
        with store.claim_due(now) as record:
            assert (record.id if record else None) == "c1"
            store.commit(Changes(conversations=(attrs.evolve(record, due_at=None),)))
        assert store.due(now, limit=5) == []
        assert store.conversation("c1").version == 2

    # -- invariants checked inside the commit ---------------------------------

    def test_a_link_written_since_it_was_read_is_a_conflict_and_writes_nothing(self) -> None:
        """Two commits linking one identifier to two new profiles: the second fails whole."""
        store = self.make_store()
        key = "email:ada@example.com"

        def claim(profile_id: str) -> Changes:
            return Changes(
                identity=ChangeSet(
                    profiles=(_profile(profile_id, "ada@example.com"),),
                    links=(Link(key=key, profile_ids=(profile_id,)),),
                ),
                conversations=(_record(f"c-{profile_id}", profile_id),),
                events=(_note(f"e-{profile_id}", profile_id, f"c-{profile_id}"),),
                receipts=((f"k-{profile_id}", {"customer_id": profile_id}),),
                links_read={key: None},
            )

        store.commit(claim("p1"))
        with pytest.raises(ConflictError, match=r"identifier link 'email:ada@example\.com'"):
            store.commit(claim("p2"))
        assert store.link(key) == Link(key=key, profile_ids=("p1",))
        assert (store.profile("p2"), store.conversation("c-p2")) == (None, None)
        assert [e.id for e in store.events()] == ["e-p1"]
        assert store.receipt("k-p2") is None
        # Read as it is now, the same link can be rewritten.
        moved = Link(key=key, profile_ids=("p1", "p3"))
        store.commit(Changes(identity=ChangeSet(links=(moved,)), links_read={key: store.link(key)}))
        assert store.link(key) == moved

    def test_a_recorded_call_key_is_a_conflict_and_writes_nothing(self) -> None:
        """A call whose own key another commit recorded fails whole (redelivered webhooks)."""
        store = self.make_store()

        def deliver(conversation_id: str) -> Changes:
            return Changes(
                conversations=(_record(conversation_id, "p1"),),
                events=(_note(f"e-{conversation_id}", "p1", conversation_id),),
                receipts=(("in:m1", {"customer_id": "p1", "conversation_id": conversation_id}),),
                new_receipts=("in:m1",),
            )

        store.commit(deliver("c1"))
        with pytest.raises(ConflictError, match="'in:m1' was already recorded"):
            store.commit(deliver("c2"))
        assert store.conversation("c2") is None
        assert [e.id for e in store.events()] == ["e-c1"]
        assert store.receipt("in:m1") == {"customer_id": "p1", "conversation_id": "c1"}

    def test_a_thread_reference_moved_since_it_was_read_is_a_conflict(self) -> None:
        """A reference indexed since the call read it refuses the commit."""
        store = self.make_store()
        store.commit(Changes(conversations=(_record("c1", "p1"),), thread_refs=(("mid:x", "c1"),),
                             refs_read={"mid:x": None}))  # fmt: skip
        with pytest.raises(ConflictError, match="thread reference 'mid:x' changed"):
            store.commit(
                Changes(
                    conversations=(_record("c2", "p1"),),
                    thread_refs=(("mid:x", "c2"),),
                    refs_read={"mid:x": None},
                )
            )
        assert (store.conversation("c2"), store.conversation_for_ref("mid:x")) == (None, "c1")
        store.commit(Changes(thread_refs=(("mid:x", "c2"),), refs_read={"mid:x": "c1"}))
        assert store.conversation_for_ref("mid:x") == "c2"
        # A key named twice in one commit (a message referencing its own id) is one write.
        twice = (("mid:y", "c2"), ("mid:y", "c2"))
        store.commit(Changes(thread_refs=twice, refs_read={"mid:y": None}))
        assert store.conversation_for_ref("mid:y") == "c2"

    def test_a_profile_written_from_a_stale_read_is_a_conflict(self) -> None:
        """Writing a profile read at an older version (or as new) refuses the whole commit."""
        store = self.make_store()
        store.commit(Changes(identity=ChangeSet(profiles=(_profile("p1", "a@x.example"),))))
        renamed = attrs.evolve(_profile("p1", "a@x.example"), names=("Ada", "Ada L."))
        for read in (0, 2):
            with pytest.raises(ConflictError, match="customer 'p1' changed since it was read"):
                store.commit(
                    Changes(
                        identity=ChangeSet(profiles=(renamed,)),
                        profile_versions={"p1": read},
                        events=(_note("e1", "p1"),),
                    )
                )
        assert (store.profile_version("p1"), store.events()) == (1, [])
        assert store.profile("p1") == _profile("p1", "a@x.example")

    def test_a_desk_losing_a_race_retries_into_the_first_result(self) -> None:
        """Two workers on one store: the later commit fails whole, its retry finds the first.

        The second worker computes its commit before the first one commits:
        a redelivered webhook (the same message), then two first messages of
        one new customer. Committed after the first, it must raise
        ``ConflictError`` and write nothing, and the retried call must find
        the first result: one customer, each message once.
        """
        store = self.make_store()
        clock = FixedClock(T0)

        def received(mid: str, email: str, minutes: int) -> MessageReceived:
            message = _erasure._email(mid, T0 + timedelta(minutes=minutes), name="Ada")
            sender = (email_identifier(email),)
            return MessageReceived(message=message, sender=sender, sender_name="Ada")

        def race(late: MessageReceived, early: MessageReceived) -> tuple[Receipt, Receipt]:
            held = _HeldCommit(store)
            with pytest.raises(_Held):
                Desk(store=held, clock=clock).receive(late)
            won = Desk(store=store, clock=clock).receive(early)
            before = store.events()
            assert held.changes is not None
            with pytest.raises(ConflictError):
                store.commit(held.changes)
            assert store.events() == before
            return won, Desk(store=store, clock=clock).receive(late)

        ada = received("race-1@example.com", "ada.race@example.com", 0)
        won, retried = race(ada, ada)
        assert (retried.replayed, retried.conversation_id) == (True, won.conversation_id)
        first = received("race-2@example.com", "bo.race@example.com", 1)
        second = received("race-3@example.com", "bo.race@example.com", 2)
        won, retried = race(second, first)
        assert retried.customer_id == won.customer_id != retried.key
        link = store.link(match_key(email_identifier("bo.race@example.com")))
        assert link is not None
        assert link.profile_ids == (won.customer_id,)
        events = store.events()
        created = {e.conversation_id for e in events if isinstance(e, StatusChanged)}
        assert {e.conversation_id for e in events} <= created
        messages = [e.message.id for e in events if isinstance(e, MessageEvent)]
        assert sorted(messages) == sorted({m.message.id for m in (ada, first, second)})

    # -- listening state (omnicx.storage.ListeningStore) -----------------------

    def test_listening_state_round_trips_with_versions(self) -> None:
        """A listening record reads back as written, by name, each write counting a version."""
        store: Any = self.make_store()
        assert store.listening("social") is None
        first = ListeningRecord(name="social", state='{"a":1}', pending=('{"alert":1}',))
        store.put_listening(first)
        assert store.listening("social") == attrs.evolve(first, version=1)
        assert store.listening("other") is None
        store.put_listening(ListeningRecord(name="social", state='{"a":2}', version=1))
        assert store.listening("social") == ListeningRecord(
            name="social", state='{"a":2}', version=2
        )

    def test_stale_listening_version_is_a_conflict_and_writes_nothing(self) -> None:
        """Two workers storing one listener's state: the one that read it stale fails."""
        store: Any = self.make_store()
        store.put_listening(ListeningRecord(name="social", state="one"))
        read = store.listening("social")
        store.put_listening(attrs.evolve(read, state="two"))
        with pytest.raises(ConflictError, match="listening state 'social' changed since it"):
            store.put_listening(attrs.evolve(read, state="three"))
        with pytest.raises(ConflictError, match=r"read version 0, stored 2"):
            store.put_listening(ListeningRecord(name="social", state="new"))
        assert store.listening("social").state == "two"
        assert store.listening("social").version == 2

    # -- agents and waiting work (omnicx.storage.AgentStore) -----------------

    def test_agents_round_trip_by_id_with_versions(self) -> None:
        """Agent records read back as written, by id, each write counting a version."""
        store: Any = self.make_store()
        b = AgentRecord(agent=Agent(id="b", status=AgentStatus.ONLINE, capacity=3,
                                    queues={"q"}, skills={"s"}, languages={"en"}),
                        holding={"c1": 2}, offered_at=(T0,))  # fmt: skip
        store.commit(Changes(agents=(AgentRecord(agent=Agent(id="a")), b)))
        assert store.agent("zz") is None
        assert [r.id for r in store.agents()] == ["a", "b"]
        assert store.agent("b") == attrs.evolve(b, version=1)
        assert store.agent("b").load == 2
        store.commit(Changes(agents=(attrs.evolve(store.agent("b"), holding={}),)))
        assert store.agent("b").version == 2
        assert store.agent("b").holding == {}

    def test_stale_agent_version_is_a_conflict_and_writes_nothing(self) -> None:
        """Two writers of one agent: the second, from a stale read, fails atomically."""
        store: Any = self.make_store()
        store.commit(Changes(agents=(AgentRecord(agent=Agent(id="a")),)))
        read = store.agent("a")
        store.commit(Changes(agents=(attrs.evolve(read, holding={"c1": 1}),)))
        with pytest.raises(ConflictError, match="agent 'a' changed since it was read"):
            store.commit(
                Changes(
                    agents=(attrs.evolve(read, holding={"c2": 1}),),
                    conversations=(_record("c9", "p9"),),
                    receipts=(("k1", {"ok": True}),),
                )
            )
        assert store.agent("a").holding == {"c1": 1}
        assert store.conversation("c9") is None
        assert store.receipt("k1") is None
        with pytest.raises(ConflictError):
            store.commit(Changes(agents=(AgentRecord(agent=Agent(id="a")),)))  # not new

    def test_waiting_work_by_priority_then_original_age(self) -> None:
        """Waiting work reads most urgent first, then oldest, filtered by offered."""
        store: Any = self.make_store()
        old = WaitingWork(id="old", channel=Channel.EMAIL, arrived_at=T0)
        new = WaitingWork(id="new", channel=Channel.CHAT, arrived_at=T0 + timedelta(minutes=5))
        urgent = WaitingWork(id="urgent", channel=Channel.EMAIL, priority=Priority.URGENT,
                             arrived_at=T0 + timedelta(hours=1), offered_to="a",
                             offer_expires=T0 + timedelta(hours=2), declined_by={"b"},
                             skills={"s"}, language="es", queue="q")  # fmt: skip
        store.commit(Changes(waiting=(new, urgent, old)))
        assert [w.id for w in store.waiting_work()] == ["urgent", "old", "new"]
        assert [w.id for w in store.waiting_work(limit=2)] == ["urgent", "old"]
        assert [w.id for w in store.waiting_work(offered=True)] == ["urgent"]
        assert [w.id for w in store.waiting_work(offered=False)] == ["old", "new"]
        assert store.waiting("urgent") == attrs.evolve(urgent, version=1)
        assert store.waiting("none") is None

    def test_waiting_work_writes_and_deletes_are_version_checked(self) -> None:
        """An offer and its answer race: one wins, the other is a ConflictError."""
        store: Any = self.make_store()
        store.commit(Changes(waiting=(WaitingWork(id="c1", channel=Channel.EMAIL, arrived_at=T0),)))
        read = store.waiting("c1")
        store.commit(Changes(waiting=(attrs.evolve(read, offered_to="a"),)))
        with pytest.raises(ConflictError, match="waiting work for conversation 'c1'"):
            store.commit(Changes(waiting_done=(read,)))
        with pytest.raises(ConflictError):
            store.commit(Changes(waiting=(attrs.evolve(read, offered_to="b"),)))
        assert store.waiting("c1").offered_to == "a"
        store.commit(Changes(waiting_done=(store.waiting("c1"),)))
        assert store.waiting("c1") is None
        assert store.waiting_work() == []


class _Held(Exception):
    """A commit held back, to be replayed later by the test."""


class _HeldCommit:
    """A store whose commit is kept instead of written: a worker caught mid-call."""

    def __init__(self, store: DeskStore) -> None:
        self._store = store
        self.changes: Changes | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def commit(self, changes: Changes) -> None:
        self.changes = changes
        raise _Held

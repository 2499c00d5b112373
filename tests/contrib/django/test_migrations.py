"""DjangoStore's migration 0003: what grows with history moves out of the stored records.

A database migrated to 0002 holds a conversation record listing its
messages' ids and profiles listing their observations' ids (as omnicx
wrote them before); ``migrate`` to 0003 moves the ids into the
thread-reference rows, counts each profile's own observations and numbers
the observation rows in the order the lists gave. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from omnicx import serde
from omnicx.identity import MergeRecord, Profile, observation_ids_of
from omnicx.storage import Changes, ConversationRecord
from omnicx.testing._inbox_data import T0, inbox_record

BEFORE, AFTER = ("omnicx", "0002_ids_sequence"), ("omnicx", "0003_rows_for_history")
OLD_SUMMARY = {"message_ids": ["a@x", "taken@x"], "external_ids": [["email", "x1"], ["sms", "s:2"]]}


def _migrate(alias: str, target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connections[alias])
    executor.loader.build_graph()
    executor.migrate([target])


def _newest(alias: str) -> tuple[str, str]:
    """The app's last migration, whatever its number."""
    executor = MigrationExecutor(connections[alias])
    (leaf,) = executor.loader.graph.leaf_nodes("omnicx")
    return leaf


@pytest.fixture(params=["default", "postgres"])
def alias(request: pytest.FixtureRequest) -> Iterator[str]:
    """A test database taken back to 0002 (and forward to the newest again after)."""
    name: str = request.param
    if name == "postgres":
        request.getfixturevalue("postgres_url")
    _migrate(name, BEFORE)
    try:
        yield name
    finally:
        _migrate(name, _newest(name))


def _newest(alias: str) -> tuple[str, str]:
    # Later migrations than 0003 exist: the database must end on the last.
    loader = MigrationExecutor(connections[alias]).loader
    (leaf,) = loader.graph.leaf_nodes("omnicx")
    return leaf


def _old_profile(profile_id: str, listed: list[str], **fields: Any) -> str:
    data = serde.to_dict(Profile(id=profile_id, created_at=T0, last_seen_at=T0, **fields))
    del data["observed"]
    data["observation_ids"] = listed
    return json.dumps(data)


def _old_conversations(alias: str, *records: ConversationRecord) -> None:
    """Conversation rows as omnicx wrote them before 0006 (no bot column)."""
    from omnicx.contrib.django._store_rows import conversation_columns

    for record in records:
        columns = {"id": record.id, "version": 1, **conversation_columns(record)}
        del columns["bot"]
        names = ", ".join(columns)
        marks = ", ".join(["%s"] * len(columns))
        with connections[alias].cursor() as cursor:
            cursor.execute(f"INSERT INTO omnicx_conversation ({names}) VALUES ({marks})",
                           list(columns.values()))  # fmt: skip


def _write_old_rows(alias: str) -> None:
    from omnicx.contrib.django.store import DjangoStore

    DjangoStore(alias).commit(Changes(thread_refs=(("mid:taken@x", "c9"),)))
    _old_conversations(alias, inbox_record("c1"), inbox_record("c2"))
    merge = serde.to_dict(
        MergeRecord(id="m1", at=T0, survivor_id="p1", absorbed_id="p2", evidence=(),
                    observation_id=None,
                    survivor_before=Profile(id="p1", created_at=T0, last_seen_at=T0),
                    absorbed_before=Profile(id="p2", created_at=T0, last_seen_at=T0))
    )  # fmt: skip
    for side, listed in (("survivor_before", ["o1"]), ("absorbed_before", ["o2"])):
        del merge[side]["observed"]
        merge[side]["observation_ids"] = listed
    observation = {"at": serde.to_dict(T0), "identifiers": [], "name": None, "address": None,
                   "attributes": {}}  # fmt: skip
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT data FROM omnicx_conversation WHERE id = 'c1'")
        (data,) = cursor.fetchone()
        record = json.loads(data)
        record["summary"].update(OLD_SUMMARY)
        cursor.execute("UPDATE omnicx_conversation SET data = %s WHERE id = 'c1'",
                       [json.dumps(record)])  # fmt: skip
        # Stored out of the profiles' order: the lists give the order.
        for oid, pid in (("o3", "p1"), ("o2", "p2"), ("o1", "p1")):
            cursor.execute("INSERT INTO omnicx_observation (id, profile_id, data) VALUES (%s, %s, %s)",
                           [oid, pid, json.dumps({**observation, "id": oid})])  # fmt: skip
        cursor.execute(
            "INSERT INTO omnicx_profile (id, version, data) VALUES (%s, %s, %s)",
            ["p1", 2, _old_profile("p1", ["o1", "o2", "o3"], merge_ids=("m1",))],
        )
        cursor.execute(
            "INSERT INTO omnicx_profile (id, version, data) VALUES (%s, %s, %s)",
            ["p2", 1, _old_profile("p2", ["o2"], merged_into="p1")],
        )
        cursor.execute("INSERT INTO omnicx_merge (id, data) VALUES (%s, %s)",
                       ["m1", json.dumps(merge)])  # fmt: skip


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_0003_moves_listed_ids_into_rows_of_their_own(alias: str) -> None:
    from omnicx.contrib.django.store import DjangoStore
    from omnicx.identity import ChangeSet, Observation

    _write_old_rows(alias)
    _migrate(alias, AFTER)
    store = DjangoStore(alias)
    assert store.conversation_for_ref("mid:a@x") == "c1"
    assert store.conversation_for_ref("ext:email:x1") == "c1"
    assert store.conversation_for_ref("ext:sms:s:2") == "c1"
    assert store.conversation_for_ref("mid:taken@x") == "c9"  # the rows gave it elsewhere first
    record = store.conversation("c1")
    assert record is not None
    assert (record.summary.message_ids, record.summary.external_ids) == (frozenset(), frozenset())
    assert store.conversation("c2") == inbox_record("c2", version=1)
    p1, p2, m1 = store.profile("p1"), store.profile("p2"), store.merge("m1")
    assert p1 is not None
    assert p2 is not None
    assert m1 is not None
    assert (p1.observed, p2.observed) == (2, 1)
    assert (m1.survivor_before.observed, m1.absorbed_before.observed) == (1, 1)
    assert store.observation_ids("p1") == ["o1", "o3"]
    assert observation_ids_of(store, m1.survivor_before) == ["o1"]
    assert sorted(observation_ids_of(store, p1)) == ["o1", "o2", "o3"]
    # A new observation numbers on after the migrated ones.
    store.apply(ChangeSet(observations=((Observation(id="o4", at=T0), "p1"),)))
    assert store.observation_ids("p1") == ["o1", "o3", "o4"]


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_0006_fills_the_bot_column_from_stored_records(alias: str) -> None:
    """Bot-owned rows stored before 0006 leave the unassigned view and answer ``bot``."""
    from omnicx.contrib.django.store import DjangoStore
    from omnicx.model import BotOwner
    from omnicx.storage import ANY_BOT, NO_BOT, UNASSIGNED, InboxFilter, MemoryStore

    _migrate(alias, ("omnicx", "0005_listening"))
    records = _bot_records()
    _old_conversations(alias, *records)
    _migrate(alias, ("omnicx", "0006_conversation_bot"))
    store, memory = DjangoStore(alias), MemoryStore()
    memory.commit(Changes(conversations=records))
    for f in (InboxFilter(assignee=UNASSIGNED), InboxFilter(bot=ANY_BOT), InboxFilter(bot=NO_BOT),
              InboxFilter(bot="returns-bot"), InboxFilter()):  # fmt: skip
        assert [r.id for r in store.inbox(f).records] == [r.id for r in memory.inbox(f).records]
        assert store.inbox_counts(f) == memory.inbox_counts(f)
    assert [r.id for r in store.inbox(InboxFilter(assignee=UNASSIGNED)).records] == ["c3"]
    assert [r.id for r in store.inbox(InboxFilter(bot="returns-bot")).records] == ["c1"]
    owned = store.conversation("c1")
    assert owned is not None
    assert owned.conversation.bot == BotOwner(id="returns-bot", since=T0)


def _bot_records() -> tuple[ConversationRecord, ...]:
    import attrs

    from omnicx.model import BotOwner

    def owned(record: ConversationRecord, bot: str) -> ConversationRecord:
        conversation = attrs.evolve(record.conversation, bot=BotOwner(id=bot, since=T0))
        return attrs.evolve(record, conversation=conversation)

    return (
        owned(inbox_record("c1"), "returns-bot"),
        owned(inbox_record("c2"), "faq-bot"),
        inbox_record("c3"),
        inbox_record("c4", assignee="a1"),
    )

"""Eight worker processes on one store: the stream redelivered and shuffled, agents racing.

Every customer message and every agent action is delivered 1-3 times, each
copy to a different worker process (``spawn``), shuffled within windows of
100 deliveries, so copies of one new customer's message, merges of one
person's profiles and agents on one conversation race each other. Each
store must then hold what a serial run of the same stream holds, compared
as ``omnicx.testing.final_state``: whole on a settled stream (agents act
once every message is in, the arrival-order condition of docs/timeline.md),
and, with agents racing the messages, all but the instants of the agents'
notes and replies (``procs.racing_outcome``). The stores: SQLite and
PostgreSQL through SqliteStore and PostgresStore, and through DjangoStore
with each worker its own Django (``procs.DjangoFactory``).
``benchmarks/run procs`` runs the same at 20,000 messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from omnicx.storage import DeskStore, MemoryStore
from omnicx.testing import FinalState, final_state
from omnicx.testing import _processes as procs

# Small enough for CI on two cores; the benchmark runs the full size.
SPEC = procs.StreamSpec(messages=int(os.environ.get("OMNICX_PROCS_MESSAGES", "1000")))
# The stricter run: agents act only once every message is in (the arrival-order
# condition), so the whole final_state must equal the serial run's.
SETTLED = procs.StreamSpec(
    messages=int(os.environ.get("OMNICX_PROCS_SETTLED_MESSAGES", "300")), settled=True
)


def _serial(spec: procs.StreamSpec) -> DeskStore:
    serial = MemoryStore()
    assert procs.run_serial(serial, spec)["failures"] == []
    assert procs.violations(serial, procs.make_stream(spec)) == []
    return serial


def _same_outcome(spec: procs.StreamSpec, state: FinalState, serial: FinalState) -> None:
    if spec.settled:
        assert state == serial, state.differences(serial)
    else:
        # Agents race the messages: the condition does not hold, and only
        # the instants of the agents' notes and replies may differ.
        assert procs.racing_outcome(state) == procs.racing_outcome(serial)


def _prove(factory: procs.StoreFactory, store: DeskStore, spec: procs.StreamSpec = SPEC) -> None:
    stream = procs.make_stream(spec)
    run = procs.run_processes(factory, spec)
    assert run["failures"] == []
    assert run["calls"] == len(stream.order)
    assert procs.violations(store, stream) == []
    serial = _serial(spec)
    assert procs.comparable_state(store, stream) == procs.comparable_state(serial, stream)
    _same_outcome(spec, final_state(store), final_state(serial))


def test_the_stream_races_what_it_should() -> None:
    """The stream holds copies on different workers, merges and several agents per conversation."""
    stream = procs.make_stream(SPEC)
    copies: dict[tuple[str, int], list[int]] = {}
    for worker, kind, number in stream.order:
        copies.setdefault((kind, number), []).append(worker)
    assert {len(w) for w in copies.values()} == {1, 2, 3}
    assert all(len(set(w)) == len(w) for w in copies.values())
    assert len(copies) == len(stream.messages) + len(stream.actions)
    assert any(len(e.sender) == 2 for e in stream.messages)  # a chat visitor's email: a merge
    assert {a.kind for a in stream.actions} == set(procs.ACTION_KINDS)
    assert procs.make_stream(SPEC) == stream


@pytest.mark.parametrize("spec", [SPEC, SETTLED], ids=["racing", "settled"])
def test_a_backwards_serial_run_ends_in_the_same_state(spec: procs.StreamSpec) -> None:
    """The compared state is order-independent: the stream delivered backwards agrees.

    Settled, the whole ``final_state`` agrees; racing, exactly the agents'
    notes and replies are stamped at other instants (the worker's clock).
    """
    stream = procs.make_stream(spec)
    first, second = _serial(spec), MemoryStore()
    backwards = [(kind, number) for _, kind, number in reversed(stream.order)]
    assert procs.deliver(procs.desk_for(second), stream, backwards)["failures"] == []
    assert procs.violations(second, stream) == []
    assert procs.comparable_state(first, stream) == procs.comparable_state(second, stream)
    forwards, backwards_state = final_state(first), final_state(second)
    _same_outcome(spec, backwards_state, forwards)
    if not spec.settled:
        differing = forwards.differences(backwards_state, limit=10**6)
        assert differing, "the racing stream should move some agent's instant"
        assert all(line.startswith("timeline of") for line in differing)


def test_a_settled_stream_delivers_every_message_before_any_action() -> None:
    """Settled: each worker's messages, then its actions, every action at one instant after."""
    stream = procs.make_stream(SETTLED)
    kinds = [kind for _, kind, _ in stream.order]
    assert kinds == sorted(kinds, key=lambda kind: kind == "a")
    last = max(m.message.sent_at for m in stream.messages)
    assert {a.at for a in stream.actions} == {a.at for a in stream.actions[:1]}
    assert stream.actions[0].at > last
    mine = [kind for kind, _ in stream.of(0)]
    assert [len(p) for p in stream.phases_of(0)] == [mine.count("m"), mine.count("a")]


def test_the_checks_see_a_lost_update_and_a_missing_message() -> None:
    """A run that skipped a message and an agent action is reported, not passed."""
    stream = procs.make_stream(SPEC)
    store = MemoryStore()
    targets = {a.target for a in stream.actions}
    skipped_message = next(("m", n) for n in range(len(stream.messages)) if n not in targets)
    skipped_action = next(d[1:] for d in stream.order if d[1] == "a")
    kept = [d[1:] for d in stream.order if d[1:] not in (skipped_message, skipped_action)]
    procs.deliver(procs.desk_for(store), stream, kept)
    found = procs.violations(store, stream)
    assert any("stored 0 times" in v for v in found)
    assert any(f"proc-act-{skipped_action[1]} " in v for v in found)


def test_eight_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    """8 spawned workers on one SQLite file: every invariant holds, the state is the serial run's."""
    from omnicx.storage import SqliteStore

    path = str(tmp_path / "desk.sqlite3")
    SqliteStore(path).close()
    with SqliteStore(path) as store:
        _prove(procs.SqliteFactory(path), store)


def test_eight_processes_on_one_postgres_schema(empty_postgres: dict[str, Any]) -> None:
    """8 spawned workers on one PostgreSQL schema: the same proof."""
    factory = procs.PostgresFactory(empty_postgres["url"], empty_postgres["schema"])
    store = factory()
    empty_postgres["opened"].append(store)
    _prove(factory, store)


def test_eight_processes_settled_on_one_sqlite_file(tmp_path: Path) -> None:
    """Agents only after every message: the whole final_state equals the serial run's."""
    from omnicx.storage import SqliteStore

    path = str(tmp_path / "desk.sqlite3")
    SqliteStore(path).close()
    with SqliteStore(path) as store:
        _prove(procs.SqliteFactory(path), store, SETTLED)


def test_eight_processes_settled_on_one_postgres_schema(empty_postgres: dict[str, Any]) -> None:
    """The same stricter proof on PostgreSQL."""
    factory = procs.PostgresFactory(empty_postgres["url"], empty_postgres["schema"])
    store = factory()
    empty_postgres["opened"].append(store)
    _prove(factory, store, SETTLED)


# DjangoStore is slower per call; its proof runs on a smaller stream of the same shape.
DJANGO_SPEC = procs.StreamSpec(messages=int(os.environ.get("OMNICX_PROCS_DJANGO_MESSAGES", "150")))


def _prove_django(factory: procs.DjangoFactory) -> None:
    # The parent's Django is pytest-django's: migrating and reading run in
    # spawned processes of their own, set up like the workers.
    stream = procs.make_stream(DJANGO_SPEC)
    procs.in_process(factory.migrate)
    run = procs.run_processes(factory, DJANGO_SPEC)
    assert run["failures"] == []
    assert run["calls"] == len(stream.order)
    problems, state, outcome = procs.check_in_process(factory, DJANGO_SPEC)
    assert problems == []
    serial = _serial(DJANGO_SPEC)
    assert state == procs.comparable_state(serial, stream)
    _same_outcome(DJANGO_SPEC, outcome, final_state(serial))


def test_eight_processes_on_one_sqlite_file_through_django(tmp_path: Path) -> None:
    """8 spawned workers, each its own Django, on one SQLite file through DjangoStore."""
    _prove_django(
        procs.DjangoFactory("host_settings", procs.django_sqlite(tmp_path / "db.sqlite3"))
    )


def test_eight_processes_on_one_postgres_schema_through_django(
    django_postgres: tuple[str, str],
) -> None:
    """8 spawned workers, each its own Django, on one PostgreSQL schema through DjangoStore."""
    _prove_django(procs.DjangoFactory("host_settings", procs.django_postgres(*django_postgres)))


def test_a_django_factory_refuses_a_django_set_up_on_another_database(tmp_path: Path) -> None:
    """In a process whose Django is already set up (this one), it says so rather than write elsewhere."""
    factory = procs.DjangoFactory("host_settings", procs.django_sqlite(tmp_path / "db.sqlite3"))
    with pytest.raises(RuntimeError, match="already set up on another database"):
        factory()


def test_a_failure_in_a_spawned_process_is_raised_in_the_parent(tmp_path: Path) -> None:
    """``in_process`` hands back what the process raised, not a hang or a bare exit code."""
    factory = procs.DjangoFactory("no_such_settings_module", procs.django_sqlite(tmp_path / "x"))
    with pytest.raises(ModuleNotFoundError, match="no_such_settings_module"):
        procs.in_process(factory.migrate)


def test_the_worker_entry_points_report_what_they_did_and_what_failed() -> None:
    """Run in this process: a worker's counts, a tick runner's report, a factory that fails."""
    import queue
    import threading

    from omnicx.testing._erasure import T0

    small = procs.StreamSpec(messages=40, workers=2)
    stream = procs.make_stream(small)
    store = MemoryStore()
    out: queue.Queue[Any] = queue.Queue()
    procs._worker(lambda: store, small, 0, threading.Barrier(1), out)
    index, result = out.get_nowait()
    assert (index, result["calls"], result["failures"]) == (0, len(stream.of(0)), [])
    procs._tick_runner(lambda: store, T0, {}, threading.Barrier(1), out)
    assert out.get_nowait()["failures"] == []

    def broken() -> DeskStore:
        raise OSError("no such store")

    start = threading.Barrier(2)
    procs._worker(broken, small, 1, start, out)
    assert out.get_nowait()[1]["failures"] == ["worker 1: OSError('no such store')"]
    assert start.broken  # the other workers stop waiting
    procs._tick_runner(broken, T0, {}, threading.Barrier(2), out)
    assert out.get_nowait()["failures"] == ["OSError('no such store')"]

"""Export: one customer's complete data, merged-in profiles included, readable back."""

from __future__ import annotations

import json

import pytest

from omnicx.desk import Desk
from omnicx.desk._demo import demo_desk, run_sample
from omnicx.errors import NotFoundError, ValidationError
from omnicx.privacy._export import export_customer, export_document, load_export
from omnicx.storage import MemoryStore, SqliteStore


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def desk(request: pytest.FixtureRequest) -> Desk:
    store = MemoryStore() if request.param == "memory" else SqliteStore()
    desk = demo_desk(store)
    run_sample(desk)
    return desk


def test_export_holds_every_event_the_timeline_shows(desk: Desk) -> None:
    """The export's events are exactly the customer's unified timeline."""
    export = export_customer(desk.store, "p1", now=desk.clock.now(), actor="lead", reason="request")
    assert export.events == desk.timeline("p1")
    assert {e.TAG for e in export.events} >= {"message", "order", "survey.answered"}
    assert [c.id for c in export.conversations] == [r.id for r in desk.conversations("p1")]


def test_export_covers_merged_in_profiles_from_either_id(desk: Desk) -> None:
    """Sam's two merged profiles, the merge and both profiles' events are exported."""
    by_old_id = export_customer(
        desk.store, "p4", now=desk.clock.now(), actor="lead", reason="request"
    )
    by_new_id = export_customer(
        desk.store, "p2", now=desk.clock.now(), actor="lead", reason="request"
    )
    assert by_old_id == by_new_id
    assert [p.id for p in by_new_id.profiles] == ["p2", "p4"]
    assert [(m.survivor_id, m.absorbed_id) for m in by_new_id.merges] == [("p2", "p4")]
    assert {e.customer_id for e in by_new_id.events} == {"p2", "p4"}
    # Every sighting of either profile, read from the observation rows.
    assert sorted(by_new_id.observation_ids) == sorted(
        [*desk.store.observation_ids("p2"), *desk.store.observation_ids("p4")]
    )
    assert len(by_new_id.observation_ids) == sum(p.observed for p in by_new_id.profiles) > 1


def test_document_round_trips_through_json(desk: Desk) -> None:
    """The versioned JSON document reads back to the same export."""
    export = export_customer(desk.store, "p2", now=desk.clock.now(), actor="lead", reason="request")
    document = json.loads(json.dumps(export_document(export)))
    assert (document["format"], document["version"]) == ("omnicx.customer-export", 1)
    assert load_export(document) == export


def test_bad_documents_are_refused_with_their_path(desk: Desk) -> None:
    """Another format, another version or a broken field is a ValidationError."""
    document = export_document(
        export_customer(desk.store, "p2", now=desk.clock.now(), actor="lead", reason="request")
    )
    with pytest.raises(ValidationError, match=r"format: expected 'omnicx\.customer-export'"):
        load_export({**document, "format": "other"})
    with pytest.raises(ValidationError, match="version: unsupported export version 9"):
        load_export({**document, "version": 9})
    broken = {**document, "customer": {**document["customer"], "vip": "yes"}}
    with pytest.raises(ValidationError, match=r"customer\.vip: expected true or false"):
        load_export(broken)


def test_unknown_customer_is_not_found(desk: Desk) -> None:
    """Exporting an id the store never had names it."""
    with pytest.raises(NotFoundError, match="nope"):
        export_customer(desk.store, "nope", now=desk.clock.now(), actor="lead", reason="request")

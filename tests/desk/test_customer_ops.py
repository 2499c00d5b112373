"""Fixing a customer by hand: merge two, edit one, all audited and checked first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.identity import Standing, email_identifier, phone_identifier
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import AuditAction, DeskStore, MemoryStore, SqliteStore

from .test_desk import inbound

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VIP_RULES = RuleEngine.compile(
    load_rules({"rules": [
        {"id": "vip", "when": {"field": "customer.vip", "op": "eq", "value": True},
         "then": {"queue": "vip"}},
        {"id": "rest", "then": {"queue": "general"}},
    ]})
)  # fmt: skip
ACTORS = {
    "ann": Actor(id="ann", role=BUILTIN_ROLES["agent"]),
    "lea": Actor(id="lea", role=BUILTIN_ROLES["lead"]),
    "rex": Actor(id="rex", role=BUILTIN_ROLES["read_only"]),
}


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


def _two_customers(desk: Desk) -> tuple[str, str]:
    ada = desk.receive(inbound(1)).customer_id
    phone = (phone_identifier("+14155550100"),)
    other = desk.receive(inbound(2, channel="sms", sender=phone)).customer_id
    assert ada != other
    return ada, other


def test_a_manual_merge_joins_timelines_is_audited_and_undoes(store: DeskStore) -> None:
    """A lead merges the email and the SMS customer; unmerge splits them back."""
    desk = Desk(store=store, clock=FixedClock(T0), actors=ACTORS)
    ada, other = _two_customers(desk)
    merge_id = desk.merge(ada, other, actor_id="lea", reason="same person on the phone",
                          request_id="m1")  # fmt: skip
    assert desk.merge(ada, other, actor_id="lea", reason="retry", request_id="m1") == merge_id
    assert desk.customer(other).id == desk.customer(ada).id
    assert len(desk.conversations(ada)) == 2
    entry = [e for e in store.audit() if e.action is AuditAction.MERGE][-1]
    assert (entry.actor, entry.reason, entry.details["merge_id"]) == (
        "lea",
        "same person on the phone",
        merge_id,
    )
    with pytest.raises(ConflictError, match="already one profile"):
        desk.merge(ada, other, actor_id="lea", reason="again")
    desk.unmerge(merge_id, actor_id="lea", reason="wrong person")
    assert desk.customer(other).id != desk.customer(ada).id


def test_merging_needs_the_merge_permission_and_known_customers(store: DeskStore) -> None:
    """Agents cannot merge (leads can); an unknown id is NotFound; nothing is written."""
    desk = Desk(store=store, clock=FixedClock(T0), actors=ACTORS)
    ada, other = _two_customers(desk)
    audit_before = len(store.audit())
    with pytest.raises(PermissionDenied):
        desk.merge(ada, other, actor_id="ann", reason="x")
    with pytest.raises(NotFoundError):
        desk.merge(ada, "nobody", actor_id="lea", reason="x")
    assert len(store.audit()) == audit_before
    assert desk.customer(other).id != desk.customer(ada).id


def test_update_customer_makes_routing_see_the_change(store: DeskStore) -> None:
    """An agent marks a customer VIP: the next message routes to the VIP queue."""
    desk = Desk(store=store, clock=FixedClock(T0), rules=VIP_RULES, actors=ACTORS)
    first = desk.receive(inbound(1))
    assert first.queue == "general"
    customer = desk.update_customer(first.customer_id, actor_id="ann", vip=True, tier="gold",
                                    language="de", timezone="Europe/Berlin", name="Ada Lovelace",
                                    attributes={"plan": "pro"}, reason="called in")  # fmt: skip
    assert (customer.vip, customer.tier, customer.language, customer.timezone) == (
        True,
        "gold",
        "de",
        "Europe/Berlin",
    )
    assert customer.name == "Ada Lovelace"
    assert customer.attributes["plan"] == "pro"
    desk.solve(first.conversation_id, actor_id="ann")
    desk.clock.advance(days=30)  # type: ignore[attr-defined]
    assert desk.receive(inbound(2)).queue == "vip"
    entry = [e for e in store.audit() if e.action is AuditAction.CUSTOMER_UPDATE][-1]
    assert entry.details["fields"] == ("name", "vip", "tier", "language", "timezone", "plan")
    assert "Ada Lovelace" not in repr(entry)  # fields by name, never values
    removed = desk.update_customer(first.customer_id, actor_id="ann", attributes={"plan": None})
    assert "plan" not in removed.attributes


def test_bad_edits_report_every_problem_and_write_nothing(store: DeskStore) -> None:
    """Wrong types, an unknown zone, a non-BCP 47 language: all listed, nothing stored."""
    desk = Desk(store=store, clock=FixedClock(T0), actors=ACTORS)
    ada = desk.receive(inbound(1)).customer_id
    before = desk.customer(ada)
    with pytest.raises(ValidationError) as caught:
        desk.update_customer(ada, actor_id="ann", vip="yes", language="english",  # type: ignore[arg-type]
                             timezone="Mars/Olympus", attributes={"when": datetime.now})  # fmt: skip
    paths = [p.path for p in caught.value.problems]
    assert paths == ["vip", "language", "timezone", "attributes.when"]
    assert "did you mean 'en'" in str(caught.value)
    assert desk.customer(ada) == before
    with pytest.raises(PermissionDenied):
        desk.update_customer(ada, actor_id="rex", vip=True)


def test_shopify_vip_tag_makes_the_customer_vip_through_enrichment(store: DeskStore) -> None:
    """A customers/create webhook with tags 'VIP, wholesale' routes the next message to VIP."""
    from omnicx.channels import Enrichment

    desk = Desk(store=store, clock=FixedClock(T0), rules=VIP_RULES,
                standing=Standing(tiers=[("1000", "silver")]))  # fmt: skip
    desk.enrich(Enrichment(identifiers=(email_identifier("ada@example.com"),),
                           attributes={"tags": ["VIP", "wholesale"], "lifetime_value": "1200"}),
                key="shopify-1")  # fmt: skip
    receipt = desk.receive(inbound(1))
    assert receipt.queue == "vip"
    assert desk.customer(receipt.customer_id).tier == "silver"

"""The audit log: merges, unmerges, assignments, rule changes, exports and erasures."""

from __future__ import annotations

from omnicx.desk._demo import demo_desk, run_sample
from omnicx.privacy._erase import erase_customer
from omnicx.privacy._export import export_customer
from omnicx.storage import AuditAction, MemoryStore


def test_every_audited_action_leaves_one_entry_with_actor_and_reason() -> None:
    """Each kind of action is recorded once, queryable by customer and by actor."""
    store = MemoryStore()
    desk = demo_desk(store)
    run = run_sample(desk)
    sam = run.customers["sam"]
    (merged,) = store.audit(customer_id=sam)
    assert (merged.action, merged.actor, merged.details["absorbed_id"]) == (
        AuditAction.MERGE, "omnicx", "p4"
    )  # fmt: skip
    desk.assign(run.conversations["tom"], agent_id="anna", actor_id="lead")
    restored = desk.unmerge(merged.details["merge_id"], actor_id="lead", reason="two people")
    assert restored == "p4"
    desk.replace_rules(desk.rules, actor_id="admin", reason="holiday hours", version="v2")
    export_customer(store, "p1", now=desk.clock.now(), actor="lead", reason="access request")
    erase_customer(store, "p5", now=desk.clock.now(), actor="lead", reason="erasure request")
    actions = [entry.action for entry in store.audit()]
    assert actions == [
        AuditAction.MERGE, AuditAction.ASSIGNMENT, AuditAction.UNMERGE,
        AuditAction.RULES_CHANGE, AuditAction.EXPORT, AuditAction.ERASURE,
    ]  # fmt: skip
    assert [e.action for e in store.audit(actor="lead")] == [
        AuditAction.ASSIGNMENT, AuditAction.UNMERGE, AuditAction.EXPORT, AuditAction.ERASURE
    ]  # fmt: skip
    (assignment,) = [e for e in store.audit() if e.action is AuditAction.ASSIGNMENT]
    assert (assignment.conversation_id, assignment.details["assignee"]) == (
        run.conversations["tom"], "anna"
    )  # fmt: skip
    assert desk.customer("p4").id == "p4"  # the unmerged profile is live again


def test_a_split_and_its_undo_are_audited() -> None:
    """A split of a customer, undone through the desk, leaves its audit entry and the customer whole."""
    from omnicx.identity import observation_ids_of, split

    store = MemoryStore()
    desk = demo_desk(store)
    run = run_sample(desk)
    sam = store.profile(run.customers["sam"])
    assert sam is not None
    held = observation_ids_of(store, sam)
    assert len(held) > 1
    first, *rest = held
    record = split(store, sam.id, [[first], rest], at=desk.clock.now())
    assert desk.undo_split(record.id, actor_id="lead", reason="one person") == sam.id
    (entry,) = [e for e in store.audit() if e.action is AuditAction.SPLIT]
    assert (entry.actor, entry.customer_id, entry.details["merge_id"]) == (
        "lead",
        sam.id,
        record.id,
    )
    assert entry.details["undone"] is True
    assert store.profile(sam.id) == sam

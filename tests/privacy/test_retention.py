"""Retention: old events lose their content per channel, in batches, idempotently."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx.desk._demo import demo_desk, run_sample
from omnicx.errors import ValidationError
from omnicx.metrics import compute_metrics, report_to_dict
from omnicx.model import MessageEvent
from omnicx.privacy._retention import (
    RetentionMode,
    RetentionPolicy,
    apply_retention,
)
from omnicx.storage import MemoryStore, SqliteStore


def _messages(store: MemoryStore | SqliteStore) -> list[MessageEvent]:
    return [e for e in store.events() if isinstance(e, MessageEvent)]


@pytest.mark.parametrize("make", [MemoryStore, SqliteStore])
def test_anonymise_per_channel_keeps_metrics_and_is_idempotent(make: type) -> None:
    """Email older than 3 days loses its text; other channels keep theirs; reports stay."""
    store = make()
    desk = demo_desk(store)
    run_sample(desk)
    now = desk.clock.now()
    before = report_to_dict(compute_metrics(store.events(), now=now, by=("channel",)))
    policy = RetentionPolicy(channel_days={"email": 3})
    report = apply_retention(store, policy, now=now, batch_size=2)
    cutoff = now - timedelta(days=3)
    old_email = [e for e in _messages(store) if e.message.channel.name == "email" and e.at < cutoff]
    assert report.anonymised == len(old_email) > 0
    assert report.batches == -(-report.anonymised // 2)
    assert all(e.message.text == "" for e in old_email)
    assert any(e.message.text for e in _messages(store) if e.message.channel.name != "email")
    assert report_to_dict(compute_metrics(store.events(), now=now, by=("channel",))) == before
    again = apply_retention(store, policy, now=now)
    assert (again.anonymised, again.batches) == (0, 0)


def test_delete_mode_removes_old_events() -> None:
    """In delete mode every event past the default age is gone."""
    store = MemoryStore()
    desk = demo_desk(store)
    run_sample(desk)
    now = desk.clock.now()
    total = len(store.events())
    report = apply_retention(
        store, RetentionPolicy(default_days=2, mode=RetentionMode.DELETE), now=now
    )
    assert report.deleted > 0
    assert len(store.events()) == total - report.deleted
    assert all(now - e.at <= timedelta(days=2) for e in store.events())


def test_policy_from_data_reports_every_problem() -> None:
    """Unknown keys, bad ages and modes are reported together with their paths."""
    policy = RetentionPolicy.from_dict({"default_days": 365, "channel_days": {"sms": 30}})
    assert (policy.default_days, policy.channel_days, policy.mode) == (
        365, {"sms": 30}, RetentionMode.ANONYMISE
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        RetentionPolicy.from_dict(
            {"defualt_days": 1, "channel_days": {"sms": 0}, "mode": "delet", "default_days": True}
        )
    assert str(caught.value).splitlines() == [
        "defualt_days: unknown key (did you mean 'default_days'?)",
        "default_days: must be a whole number of days >= 1",
        "channel_days.sms: must be a whole number of days >= 1",
        "mode: unknown mode 'delet' (did you mean 'delete'?)",
    ]
    with pytest.raises(ValidationError, match="channel_days: must map"):
        RetentionPolicy.from_dict({"channel_days": []})
    with pytest.raises(ValidationError, match="batch_size: must be >= 1"):
        apply_retention(
            MemoryStore(), policy, now=demo_desk(MemoryStore()).clock.now(), batch_size=0
        )

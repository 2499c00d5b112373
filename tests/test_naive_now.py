"""A naive ``now=`` fails where it is passed, naming the argument, never deep inside."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from omnicx import FixedClock
from omnicx.errors import ValidationError
from omnicx.metrics import compute_metrics, fold_conversation
from omnicx.privacy import RetentionMode, RetentionPolicy, apply_retention, export_customer
from omnicx.storage import MemoryStore

NAIVE = datetime(2026, 3, 2, 9, 0)

CALLS: dict[str, Callable[[Any], object]] = {
    "FixedClock": lambda now: FixedClock(now),
    "compute_metrics": lambda now: compute_metrics([], now=now),
    "fold_conversation": lambda now: fold_conversation([], now=now),
    "apply_retention": lambda now: apply_retention(
        MemoryStore(), RetentionPolicy(default_days=30, mode=RetentionMode.DELETE), now=now
    ),
    "export_customer": lambda now: export_customer(
        MemoryStore(), "p1", now=now, actor="dpo", reason="request"
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("now", [NAIVE, "2026-03-02T09:00:00Z"], ids=["naive", "text"])
def test_now_must_be_an_aware_datetime(name: str, now: object) -> None:
    """Each public entry point taking ``now`` refuses a naive or non-datetime value first."""
    with pytest.raises(ValidationError) as caught:
        CALLS[name](now)
    assert caught.value.problems[0].path == "now"
    assert "timezone-aware" in str(caught.value)

"""MetricsConfig checks its settings and reports every problem with its path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx.errors import ValidationError
from omnicx.metrics import MetricsConfig


def test_bad_settings_are_reported_together() -> None:
    """A negative window and an inverted scale are both named."""
    with pytest.raises(ValidationError) as caught:
        MetricsConfig(fcr_window=timedelta(days=-1), csat_scale=(5, 1))
    assert str(caught.value).splitlines() == [
        "fcr_window: must not be negative",
        "csat_scale: minimum 5 must be below maximum 1",
    ]


def test_threshold_must_lie_on_the_scale() -> None:
    """The satisfied threshold is a score on the configured scale."""
    with pytest.raises(ValidationError) as caught:
        MetricsConfig(csat_satisfied_from=9)
    assert str(caught.value) == "csat_satisfied_from: 9 is outside 1-5"


def test_defaults() -> None:
    """Defaults: 7-day FCR window, satisfied = 4-5 of 5, no calendar."""
    config = MetricsConfig()
    assert config.fcr_window == timedelta(days=7)
    assert config.is_satisfied(4, 1, 5)
    assert not config.is_satisfied(3, 1, 5)
    assert config.calendar is None

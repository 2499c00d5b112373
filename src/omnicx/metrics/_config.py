"""What a metrics computation is configured with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import Problem, ValidationError


class BusinessTime(Protocol):
    """Anything that counts business seconds between two instants.

    ``omnicx.sla.BusinessCalendar`` fits; so does a host's own schedule.
    """

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Business seconds in the half-open interval ``[start, end)``."""
        ...


def _check(config: MetricsConfig) -> None:
    problems = []
    if not config.fcr_window.total_seconds() >= 0:
        problems.append(Problem("fcr_window", "must not be negative"))
    low, high = config.csat_scale
    if not low < high:
        problems.append(Problem("csat_scale", f"minimum {low} must be below maximum {high}"))
    elif not low <= config.csat_satisfied_from <= high:
        problems.append(
            Problem("csat_satisfied_from", f"{config.csat_satisfied_from} is outside {low}-{high}")
        )
    if problems:
        raise ValidationError(problems)


@attrs.frozen(kw_only=True)
class MetricsConfig:
    """Settings of the metric definitions; the defaults follow common helpdesk practice.

    Attributes:
        fcr_window: first contact resolution needs no customer follow-up for
            this long after the first solve (default 7 days).
        csat_scale: the scale CSAT answers are read on (default 1-5); answers
            on another scale are mapped onto it linearly.
        csat_satisfied_from: the lowest satisfied score on ``csat_scale``
            (default 4: "4-5 of 5").
        calendar: business hours; with one, every duration also has a
            business-seconds figure, without one those figures stay empty.
        survey_sent_event: the ``CustomEvent.name`` that records a survey
            was offered (the response-rate denominator).
        attributes_event: the ``CustomEvent.name`` whose ``data`` sets
            custom attributes used as ``attr.<key>`` breakdowns.
    """

    fcr_window: timedelta = timedelta(days=7)
    csat_scale: tuple[int, int] = attrs.field(default=(1, 5), converter=frozen_seq)
    csat_satisfied_from: int = 4
    calendar: BusinessTime | None = attrs.field(default=None, eq=False)
    survey_sent_event: str = "survey.sent"
    attributes_event: str = "conversation.attributes"

    def __attrs_post_init__(self) -> None:
        _check(self)

    def is_satisfied(self, score: int, scale_min: int, scale_max: int) -> bool:
        """True when a CSAT answer, mapped onto ``csat_scale``, is satisfied."""
        low, high = self.csat_scale
        if (scale_min, scale_max) != (low, high):
            score_on_scale = low + (score - scale_min) * (high - low) / (scale_max - scale_min)
            return score_on_scale >= self.csat_satisfied_from
        return score >= self.csat_satisfied_from

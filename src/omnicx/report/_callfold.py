"""The dashboard's calls: each customer's call events, kept apart from the conversations' folds.

Call figures need a customer's whole timeline (a callback may come on any of
their conversations, and a call may be on no conversation at all), while the
dashboard folds per conversation. So the collector keeps, per customer,
only what ``CallAccumulator`` reads: their call webhooks (``CallEvent``s
with a ``call_id`` and a ``status``), the first wrap-up instant per call,
and the instants of their outbound messages as integer microseconds (8
bytes each, the callback candidates). Memory grows with the calls and the
outbound messages, never with the other events; customers with no call
count nowhere and are dropped at the end.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo

import attrs

from omnicx._frozen import frozen_seq
from omnicx.metrics import CallAccumulator, CallReport
from omnicx.metrics._calls import _calls
from omnicx.model import CallEvent, CallWrappedUp, Direction, Event, MessageEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@attrs.frozen(kw_only=True)
class CallDay:
    """The inbound calls that began on one local day, by outcome.

    ``missed`` includes ``abandoned`` (as in ``CallReport``); calls still
    ringing at ``now`` are in ``inbound`` only.
    """

    day: date
    inbound: int = 0
    answered: int = 0
    missed: int = 0
    abandoned: int = 0


@attrs.frozen(kw_only=True)
class CallFigures:
    """The call figures of a dashboard: ``call_metrics`` of its events, and per day."""

    report: CallReport = attrs.field(factory=CallReport)
    days: tuple[CallDay, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def any(self) -> bool:
        """True when the events hold a call (inbound or outbound)."""
        return self.report.inbound + self.report.outbound > 0


class CallFold:
    """Per customer, the parts of their timeline the call figures read."""

    def __init__(self) -> None:
        # Three maps, each filled only for the customers it concerns: most
        # customers with an outbound message never call, and cost one entry.
        self._calls: dict[str, list[CallEvent]] = {}
        self._wrapped: dict[str, dict[str, datetime]] = {}
        self._messages: dict[str, array[int]] = {}

    def feed(self, event: Event) -> None:
        """Keep the event's part, if the call figures read it."""
        customer = event.customer_id
        if isinstance(event, CallEvent):
            if event.call_id is not None and event.status is not None:
                self._calls.setdefault(customer, []).append(event)
        elif isinstance(event, CallWrappedUp):
            wrapped = self._wrapped.setdefault(customer, {})
            at = event.at.astimezone(UTC)
            wrapped[event.call_id] = min(at, wrapped.get(event.call_id, at))
        elif isinstance(event, MessageEvent) and event.message.direction is Direction.OUTBOUND:
            micros = (event.at - _EPOCH) // _MICRO
            found = self._messages.get(customer)
            if found is None:
                found = self._messages[customer] = array("q")
            found.append(micros)

    def figures(self, tz: tzinfo) -> CallFigures:
        """The figures of every customer with a call; days in ``tz``."""
        accumulator = CallAccumulator()
        days: dict[date, list[int]] = {}
        for customer, call_events in self._calls.items():
            messages = (_EPOCH + m * _MICRO for m in self._messages.get(customer, ()))
            calls = _calls(call_events)
            accumulator._add_calls(calls, self._wrapped.get(customer, {}), messages)
            for call in calls.values():
                if call.direction is not Direction.INBOUND:
                    continue
                cell = days.setdefault(call.started.astimezone(tz).date(), [0, 0, 0, 0])
                cell[0] += 1
                cell[1] += call.answered is not None
                cell[2] += call.missed
                cell[3] += call.abandoned
        return CallFigures(
            report=accumulator.report(),
            days=[_day(day, cell) for day, cell in sorted(days.items())],
        )


def _day(day: date, cell: Iterable[int]) -> CallDay:
    inbound, answered, missed, abandoned = cell
    return CallDay(day=day, inbound=inbound, answered=answered, missed=missed, abandoned=abandoned)

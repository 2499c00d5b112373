"""The desk's social listening: public mentions fed to the listener, its alerts acted on."""

from __future__ import annotations

from collections.abc import Iterable

from omnicx.desk._desk_base import DeskBase
from omnicx.desk._listen import (
    AlertOutcome,
    ListenReport,
    alert_message,
    alert_of,
    clear_pending,
    decide,
    listening_store,
    store_fed,
)
from omnicx.errors import ValidationError
from omnicx.listening import Alert, Mention
from omnicx.routing import RuleEngine


class DeskListening(DeskBase):
    """The desk's ``listen``: mentions in, alerts through ``Listening.rules``."""

    __slots__ = ()

    def listen(self, mentions: Iterable[Mention] = ()) -> ListenReport:
        """Feed public mentions to the desk's listener; act on the alerts through the alert rules.

        The listener resumes from the state in the store (``Listening.name``),
        takes ``mentions``, closes every bucket the desk's clock has passed,
        and its new state goes back to the store with the alerts it raised,
        in one compare-and-set write. Each alert then goes through
        ``Listening.rules``: notifications go to the case's outbox (or, with
        no case, to ``AlertOutcome.notify``), and a rule naming a queue opens
        a case there, one per alert key: a redelivered batch, a retry, or a
        restart after the state was stored opens no second one. Call it with
        no mentions from a periodic job, so a quiet hour still closes.

        Raises:
            ValidationError: with no ``listening`` configured, or a store
                that keeps no listening state.
            ConflictError: another worker stored the listening state
                meanwhile; nothing was written: call again
                (``omnicx.storage.retry_on_conflict``).
        """
        listening = self.listening
        if listening is None:
            raise ValidationError.single(
                "Desk.listening", "no listening configured: pass Desk(listening=Listening(...))"
            )
        store = listening_store(self.store)
        now = self.clock.now()
        batch = tuple(mentions)
        record, late = store_fed(
            store, listening, lambda listener: listener.feed(batch) + listener.advance(now)
        )
        outcomes = [self._act_on(alert_of(entry), listening.rules) for entry in record.pending]
        version = clear_pending(store, listening.name, set(record.pending))
        return ListenReport(alerts=outcomes, late=late, version=version)

    def _act_on(self, alert: Alert, rules: RuleEngine | None) -> AlertOutcome:
        if rules is None:
            return AlertOutcome(alert=alert)
        event = alert_message(alert)
        decision = decide(rules, event)
        case = self._receive(event, rules) if decision.queue is not None else None
        return AlertOutcome(
            alert=alert, fired=decision.fired, notify=decision.notifications, case=case
        )

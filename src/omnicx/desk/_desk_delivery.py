"""The desk's side of sending: providers' ids of sent messages, delivery updates, handovers."""

from __future__ import annotations

from omnicx import serde
from omnicx.channels import DeliveryState, DeliveryUpdate
from omnicx.desk import _agent_changes as changes
from omnicx.desk._desk_base import HANDED_OVER, DeskBase
from omnicx.desk._receipt import Receipt
from omnicx.model import Channel
from omnicx.storage import Changes
from omnicx.timeline import external_key

_EARLY = "early:"


class DeskDelivery(DeskBase):
    """The desk's ``record_sent``, ``delivery`` and ``handed_over``."""

    __slots__ = ()

    def record_sent(
        self,
        conversation_id: str,
        *,
        channel: Channel,
        external_id: str,
        message_id: str | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Tell the desk the provider's id of a message the host sent.

        Delivery updates (``delivery``) for that id then land on this
        conversation, and those that arrived before this call land now (the
        receipt returned is the last call's); a customer's reply quoting it
        threads here too. ``message_id`` is the email Message-ID the host's
        mailer actually sent under, when it rewrote the desk's: it is
        indexed too, so replies and own-mail copies naming it thread here.
        """
        change = changes.sent(channel=channel, external_id=external_id, message_id=message_id)
        # The provider's id names the call: recording it again changes nothing.
        request = request_id or f"sent:{channel.name}:{external_id}"
        receipt = self._act(conversation_id, request, change)
        for state in DeliveryState:
            # Updates the provider sent before this call land now, each once.
            request = f"delivery:{channel.name}:{external_id}:{state.value}"
            kept = self.store.receipt(_EARLY + request)
            if kept is not None:
                data = {k: v for k, v in kept.items() if k != "customer_id"}
                update = serde.from_dict(DeliveryUpdate, data)
                receipt = self._act(conversation_id, request, changes.delivered(update))
        return receipt

    def delivery(self, update: DeliveryUpdate) -> Receipt | None:
        """Record a provider's delivery update (sent, delivered, read, failed).

        Returns None when the message is not known yet (``record_sent`` not
        called for it): the update is kept, and lands on the conversation
        when ``record_sent`` names it. Idempotent per message and state.
        """
        conversation_id = self.store.conversation_for_ref(
            external_key(update.channel, update.external_id)
        )
        request = f"delivery:{update.channel.name}:{update.external_id}:{update.state.value}"
        if conversation_id is None:
            # The provider can report before the host records the id: keep
            # the update until record_sent names its conversation.
            early = serde.to_dict(update)
            early["customer_id"] = None
            self.store.commit(Changes(receipts=((_EARLY + request, early),)))
            return None
        return self._act(conversation_id, request, changes.delivered(update))

    def handed_over(self, *outgoing_ids: str) -> None:
        """Record that the host sent these outbox items (``Outgoing.id``).

        A replayed receipt (a redelivered webhook, a retried action) then
        leaves them out, so the loop in docs/desk.md sends each item once.
        Call it after the provider accepted the item; calling it again, or
        for an id already recorded, changes nothing.
        """
        receipts = tuple((HANDED_OVER + i, {"customer_id": None}) for i in outgoing_ids if i)
        if receipts:
            self.store.commit(Changes(receipts=receipts))

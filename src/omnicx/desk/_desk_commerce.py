"""The desk's commerce: orders and profile facts from webhooks, orders on conversations."""

from __future__ import annotations

from omnicx.channels import Enrichment
from omnicx.desk import _orders as commerce
from omnicx.desk._desk_base import DeskBase, changes_without_conversation
from omnicx.desk._inbound import audit_merges
from omnicx.desk._unit import Unit
from omnicx.errors import NotFoundError, ValidationError
from omnicx.identity import Observation, resolve
from omnicx.model import Order
from omnicx.privacy import Action, Resource
from omnicx.storage import Changes


class DeskCommerce(DeskBase):
    """The desk's ``enrich``, ``attach_order`` and ``orders``."""

    __slots__ = ()

    def enrich(self, enrichment: Enrichment, *, key: str, customer_id: str | None = None) -> str:
        """Record orders, payments, subscriptions and profile facts from a commerce webhook.

        The enrichment's identifiers resolve (and may merge) the customer like
        any message; its attributes fold into the profile; its events join the
        customer's timeline, and each order event folds into the stored order
        (``Desk.orders``). ``key`` makes the call idempotent (use the
        webhook's delivery id). Returns the customer id.

        ``customer_id`` names the customer instead (identifiers and
        attributes are then not used): for a payload that names none, such
        as a Stripe dispute (only its charge). A Shopify refund names only
        its order: without ``customer_id`` it goes to that order's customer.

        Raises:
            NotFoundError: ``customer_id`` is unknown, or the order a refund
                names was never recorded.
            ValidationError: at ``customer_id``, nothing names the customer.
        """
        stored = self.store.receipt(f"enrich:{key}")
        if stored is not None:
            return str(stored["customer_id"])
        unit = Unit.open(self.store, f"enrich:{key}", self.clock.now())
        owner = commerce.owner(unit, enrichment, customer_id)
        if owner is None:
            first = min((e.at for e in enrichment.events), default=unit.now)
            observation = Observation(
                id=unit.key,
                at=first,
                identifiers=enrichment.identifiers,
                name=enrichment.name,
                attributes=enrichment.attributes,
            )
            resolution = resolve(unit.staged, observation, policy=self.identity,
                                 rules=self.merge_rules)  # fmt: skip
            audit_merges(unit, resolution)
            owner = resolution.customer_id
        commerce.record_events(unit, enrichment.events, owner)
        self.store.commit(changes_without_conversation(unit, {"customer_id": owner}))
        return owner

    def attach_order(
        self,
        conversation_id: str,
        order_id: str,
        *,
        system: str = "shopify",
        actor_id: str,
    ) -> Order:
        """Attach one of the customer's orders to a conversation that discusses it.

        Idempotent: attaching it again changes nothing. The order must
        belong to the conversation's customer (merged profiles included).
        Needs the ``edit_fields`` permission on the conversation.

        Raises:
            NotFoundError: the conversation, or the customer's order, is unknown.
        """
        record = self._record(conversation_id)
        self.check(actor_id, Action.EDIT_FIELDS,
                   Resource.conversation(conversation_id, record.conversation.queue))  # fmt: skip
        unit = Unit.open(self.store, f"attach:{conversation_id}:{system}:{order_id}",
                         self.clock.now())  # fmt: skip
        mine = {o.key for o in commerce.customer_orders(unit, record.conversation.customer_id)}
        order = unit.order(system, order_id)
        if order is None or order.key not in mine:
            raise NotFoundError("order", f"{system}:{order_id}")
        attached = commerce.attach(unit, order, conversation_id)
        if attached is not order:
            self.store.commit(Changes(**unit.order_changes()))
        return attached

    def orders(
        self, *, customer_id: str | None = None, conversation_id: str | None = None
    ) -> list[Order]:
        """A customer's orders (merged profiles included), or those attached to a conversation.

        By system then order id. Give one of ``customer_id`` or ``conversation_id``.

        Raises:
            NotFoundError: the customer or conversation is unknown.
            ValidationError: neither or both were given.
        """
        if (customer_id is None) == (conversation_id is None):
            raise ValidationError.single(
                "customer_id", "give one of customer_id or conversation_id"
            )
        unit = Unit.open(self.store, "read", self.clock.now())
        if conversation_id is not None:
            record = self._record(conversation_id)
            found = commerce.customer_orders(unit, record.conversation.customer_id)
            return [o for o in found if conversation_id in o.conversation_ids]
        assert customer_id is not None
        return commerce.customer_orders(unit, customer_id)

"""A customer to erase: a shop tells of her, she writes by email (threaded) and SMS.

``write_and_erase`` runs her messages (and another customer's) through a
desk, erases her, and returns what must be gone and what must stay. The
store contract and omnicx's own cache and file scans share it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from omnicx.channels import Enrichment, MessageReceived
from omnicx.desk import Desk
from omnicx.identity import email_identifier, phone_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, ThreadRefs
from omnicx.privacy import erase_customer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ADA_EMAIL = "ada.lovelace@analytical.example"
ADA_PHONE = "+447400555123"
ADA_NAME = "Ada Lovelace"
# Her Message-IDs: her first email, its reply, and a parent never received.
ADA_MIDS = (
    "ada-first.7f3a@analytical.example",
    "ada-reply.9c1e@analytical.example",
    "ada-lost-parent.44b0@analytical.example",
)
ADA_SMS_ID = "SMada5550123"
ADA_CITY = "Adaville-on-Thames"  # a profile attribute from a shop's webhook
ERASED = (ADA_EMAIL, ADA_PHONE, ADA_PHONE.lstrip("+"), ADA_NAME, *ADA_MIDS, ADA_SMS_ID, ADA_CITY)
"""Strings no store row, event, cache or file may hold after her erasure."""

BO_EMAIL = "bo.kept@other.example"
KEPT = (BO_EMAIL,)
"""Another customer's strings, still stored after Ada's erasure."""


@attrs.frozen(kw_only=True)
class ErasureRun:
    """What ``write_and_erase`` did.

    Attributes:
        erased_id: the erased customer's profile id.
        kept_id: the other customer's profile id.
        receipt_keys: every idempotency key the calls were made under.
    """

    erased_id: str
    kept_id: str
    receipt_keys: tuple[str, ...]


def _email(mid: str, at: datetime, *, refs: tuple[str, ...] = (), name: str = ADA_NAME) -> Message:
    return Message(
        id=f"email:{mid}",
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER, id=None, name=name),
        sent_at=at,
        text=f"Hello, this is {name} about my order",
        external_id=mid,
        thread=ThreadRefs(
            message_id=mid, in_reply_to=refs[-1:], references=refs, subject="Order question"
        ),
    )


def write_and_erase(desk: Desk) -> ErasureRun:
    """A shop tells of Ada; she writes twice by email and once by SMS, Bo once; Ada is erased."""
    first, reply, lost = ADA_MIDS
    ada = (email_identifier(ADA_EMAIL),)
    shop = Enrichment(identifiers=ada, name=ADA_NAME, attributes={"city": ADA_CITY})
    desk.enrich(shop, key="shop-ada-1")
    calls = [
        MessageReceived(message=_email(first, T0), sender=ada, sender_name=ADA_NAME),
        MessageReceived(
            message=_email(reply, T0 + timedelta(minutes=5), refs=(lost, first)),
            sender=(*ada, phone_identifier(ADA_PHONE)),
            sender_name=ADA_NAME,
        ),
        MessageReceived(
            message=Message(
                id=f"sms:{ADA_SMS_ID}",
                channel=Channel.SMS,
                direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER, id=ADA_PHONE),
                sent_at=T0 + timedelta(minutes=9),
                text=f"{ADA_NAME} again, call me on {ADA_PHONE}",
                external_id=ADA_SMS_ID,
            ),
            sender=(phone_identifier(ADA_PHONE, verified=True),),
        ),
        MessageReceived(
            message=_email("bo-1@other.example", T0 + timedelta(minutes=12), name="Bo"),
            sender=(email_identifier(BO_EMAIL),),
            sender_name="Bo",
        ),
    ]
    receipts = [desk.receive(call) for call in calls]
    erased, kept = receipts[0].customer_id, receipts[-1].customer_id
    erase_customer(desk.store, erased, now=T0 + timedelta(hours=1), actor="lead", reason="request")
    return ErasureRun(
        erased_id=erased,
        kept_id=kept,
        receipt_keys=("enrich:shop-ada-1", *(f"in:{call.message.id}" for call in calls)),
    )

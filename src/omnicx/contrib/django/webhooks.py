"""The webhook logic behind every view, framework-free: a request in, a status and body out.

``handle(name, request)`` verifies the signature over the raw body, parses
it with the configured adapter, runs each event through the desk (retried
when it lost a race), and says what to answer:

| outcome | status |
|---|---|
| done (or a redelivery: the first receipt again) | 200 |
| authentic, but an event the desk does not take | 200, ``ignored`` |
| the signature is missing or wrong | 401 |
| the body is not the provider's format | 400 |
| the channel is not configured | 404 |
| still losing races after every retry | 503, ``Retry-After: 1`` |

The views (``views.py``) only move Django's request into a ``WebhookRequest``
(``omnicx.channels.WebhookRequest``, received at the desk's clock).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.channels import (
    CALL_EVENT_TYPES,
    CallUpdate,
    ChannelEvent,
    DeliveryUpdate,
    EmailAdapter,
    Enrichment,
    MessageReceived,
    MetaDispatcher,
    WebhookAnswer,
    WebhookOutcome,
    WebhookReceiver,
    WebhookRequest,
    handle_webhook,
    verification_handshake,
)
from omnicx.channels._signatures import header
from omnicx.contrib.django.conf import Channels
from omnicx.desk import Desk, ErasedCustomerError, Receipt
from omnicx.errors import (
    ConflictError,
    NotFoundError,
    SignatureError,
    StoreBusyError,
    ValidationError,
)
from omnicx.storage import retry_on_conflict

__all__ = ["EMAIL_SIGNATURE_HEADER", "Answer", "handle", "sign_email"]

EMAIL_SIGNATURE_HEADER = "X-Omnicx-Signature"
"""The header the host's mail relay signs an inbound email with (``sign_email``)."""

_RETRIED = (ConflictError, StoreBusyError)


@attrs.frozen(kw_only=True)
class Answer:
    """What to answer: a status, a JSON document (or plain text), and the receipts made."""

    status: int
    data: Any = None
    text: str | None = None
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    receipts: tuple[Receipt, ...] = ()


def sign_email(secret: str, body: bytes) -> str:
    """The ``X-Omnicx-Signature`` value for a raw email: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _verify_email(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    given = header(headers, EMAIL_SIGNATURE_HEADER)
    if not given:
        raise SignatureError(EMAIL_SIGNATURE_HEADER, "missing signature header")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), sign_email(secret, body).encode()):
        raise SignatureError(EMAIL_SIGNATURE_HEADER, "signature does not match the request")


def _error(status: int, message: str) -> Answer:
    return Answer(status=status, data={"error": message})


@attrs.frozen(kw_only=True)
class _SignedEmail:
    # Raw RFC 5322 from the host's mail relay, signed with the email secret.
    secret: str = attrs.field(repr=False)
    adapter: EmailAdapter = attrs.field(factory=EmailAdapter)

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        _verify_email(self.secret, request.body, request.headers)

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        return self.adapter.parse(request)


def handle(name: str, request: WebhookRequest, desk: Desk, channels: Channels) -> Answer:
    """Answer one webhook request for the view ``name`` (a key of ``OMNICX["CHANNELS"]``).

    ``meta`` is Messenger's and Instagram's one callback, routed by the body's
    ``object`` and each entry's page (``MetaDispatcher``). GET on
    ``whatsapp`` and ``meta`` is Meta's verification handshake. Verifying,
    parsing and the status follow ``omnicx.channels.handle_webhook``.
    """
    if request.method == "GET" and name in ("whatsapp", "meta"):
        names = ("whatsapp",) if name == "whatsapp" else ("messenger", "instagram")
        tokens = [channels.verify_tokens[n] for n in names if n in channels.verify_tokens]
        return _answer(verification_handshake(request, verify_tokens=tokens))
    if request.method != "POST":
        return Answer(status=405, data={"error": "POST only"}, headers={"Allow": "POST"})
    receiver = _receiver(name, channels)
    if receiver is None:
        return _error(404, f"the {name} channel is not configured in OMNICX['CHANNELS']")
    answer = handle_webhook(receiver, request, now=desk.clock.now())
    if answer.outcome is not WebhookOutcome.ACCEPTED:
        return _answer(answer)
    if answer.enrichment is not None:
        return _commerce(name, request, answer.enrichment, desk)
    return _take(name, answer.events, desk)


def _answer(answer: WebhookAnswer) -> Answer:
    """The Django answer for a webhook that gave no events to take."""
    if answer.outcome is WebhookOutcome.CHALLENGED:
        return Answer(status=200, text=answer.body.decode(), content_type="text/plain")
    if answer.outcome is WebhookOutcome.IGNORED:
        # Authentic but not ours to take: 200, so the provider stops retrying.
        return Answer(status=200, data={"ignored": [answer.error]})
    return _error(answer.status, answer.error or "refused")


def _receiver(name: str, channels: Channels) -> WebhookReceiver | None:
    if name == "meta":
        adapters = [a for a in (channels.messenger, channels.instagram) if a is not None]
        return MetaDispatcher(adapters=adapters) if adapters else None
    if name == "email":
        if channels.email is None:
            return None
        assert channels.email_secret is not None  # conf builds the two together
        return _SignedEmail(secret=channels.email_secret, adapter=channels.email)
    found: WebhookReceiver | None = getattr(channels, name, None)
    return found


def _take(name: str, events: Any, desk: Desk) -> Answer:
    receipts: list[Receipt] = []
    ignored: list[str] = []
    for event in events:
        call: Callable[[], Receipt | None]
        if isinstance(event, MessageReceived):
            call = _receive(desk, event)
        elif isinstance(event, DeliveryUpdate):
            call = _delivery(desk, event)
        elif isinstance(event, CALL_EVENT_TYPES):
            call = _call(desk, event)
        else:
            ignored.append(event.TAG)
            continue
        try:
            receipt = retry_on_conflict(call, retry_on=_RETRIED)
        except _RETRIED:
            return Answer(status=503, data={"error": "busy; retry"}, headers={"Retry-After": "1"},
                          receipts=tuple(receipts))  # fmt: skip
        except ErasedCustomerError as error:
            ignored.append(str(error))
            continue
        if receipt is not None:
            receipts.append(receipt)
    summary = [_summary(r) for r in receipts]
    body = {"receipts": summary, "ignored": ignored}
    if name in ("twilio", "voice"):
        # Twilio reads the answer as TwiML: an empty Response sends nothing back
        # (to the incoming call it hangs up: a host that answers calls routes
        # its voice URL to a view of its own that returns its TwiML).
        return Answer(status=200, text="<Response></Response>", content_type="text/xml",
                      receipts=tuple(receipts))  # fmt: skip
    return Answer(status=200, data=body, receipts=tuple(receipts))


def _receive(desk: Desk, event: MessageReceived) -> Callable[[], Receipt | None]:
    return lambda: desk.receive(event)


def _delivery(desk: Desk, event: DeliveryUpdate) -> Callable[[], Receipt | None]:
    return lambda: desk.delivery(event)


def _call(desk: Desk, event: CallUpdate) -> Callable[[], Receipt | None]:
    # A missed call's callback task has a conversation receipt; other call events none.
    return lambda: desk.receive_call(event).receipt


def _summary(receipt: Receipt) -> dict[str, Any]:
    # Ids and routing only: the outbox (addresses, text) goes to the sender, not the provider.
    return {
        "key": receipt.key,
        "customer_id": receipt.customer_id,
        "conversation_id": receipt.conversation_id,
        "queue": receipt.queue,
        "replayed": receipt.replayed,
    }


def _commerce(name: str, request: WebhookRequest, enrichment: Enrichment, desk: Desk) -> Answer:
    if name == "shopify":
        delivery = request.headers.get("X-Shopify-Webhook-Id")
        key = f"shopify:{delivery or hashlib.sha256(request.body).hexdigest()}"
    else:
        key = f"stripe:{enrichment.events[0].external_id}"
    try:
        customer_id = retry_on_conflict(lambda: desk.enrich(enrichment, key=key), retry_on=_RETRIED)
    except _RETRIED:
        return Answer(status=503, data={"error": "busy; retry"}, headers={"Retry-After": "1"})
    except NotFoundError as error:
        # A refund of an order not recorded yet: the provider's retry brings it after the order.
        return Answer(
            status=409, data={"error": f"{error}; retry later"}, headers={"Retry-After": "60"}
        )
    except ValidationError as error:
        # Authentic, but it names no customer (a Stripe dispute): the host's own code attributes it.
        return Answer(status=200, data={"ignored": [str(error)]})
    return Answer(status=200, data={"customer_id": customer_id, "key": key})

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
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_map
from omnicx.channels import (
    ChannelAdapter,
    DeliveryUpdate,
    Enrichment,
    MessageReceived,
    WebhookRequest,
)
from omnicx.channels._signatures import header
from omnicx.contrib.django.conf import Channels
from omnicx.desk import Desk, ErasedCustomerError, Receipt
from omnicx.errors import ConflictError, PayloadError, PayloadReason, SignatureError, StoreBusyError
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
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=frozen_map)
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


def handle(name: str, request: WebhookRequest, desk: Desk, channels: Channels) -> Answer:
    """Answer one webhook request for the view ``name`` (a key of ``OMNICX["CHANNELS"]``).

    ``meta`` is Messenger's and Instagram's one callback, told apart by the
    body's ``object``. GET on ``whatsapp`` and ``meta`` is Meta's
    verification handshake.
    """
    if request.method == "GET" and name in ("whatsapp", "meta"):
        return _handshake(name, request.query, channels)
    if request.method != "POST":
        return Answer(status=405, data={"error": "POST only"}, headers={"Allow": "POST"})
    try:
        if name in ("shopify", "stripe"):
            return _commerce(name, request, desk, channels)
        adapter = _adapter(name, request.body, channels)
        if adapter is None:
            return _error(404, f"the {name} channel is not configured in OMNICX['CHANNELS']")
        if name == "email":
            assert channels.email_secret is not None  # conf builds the two together
            _verify_email(channels.email_secret, request.body, request.headers)
        else:
            adapter.verify(request, now=desk.clock.now())
        events = adapter.parse(request)
    except SignatureError as error:
        return _error(401, str(error))
    except PayloadError as error:
        return _refused(error)
    return _take(name, events, desk)


def _refused(error: PayloadError) -> Answer:
    if error.reason is PayloadReason.UNSUPPORTED:
        # Authentic but not ours to take: 200, so the provider stops retrying.
        return Answer(status=200, data={"ignored": [str(error)]})
    return _error(400, str(error))


def _handshake(name: str, query: Mapping[str, str], channels: Channels) -> Answer:
    """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
    names = ("whatsapp",) if name == "whatsapp" else ("messenger", "instagram")
    tokens = [channels.verify_tokens[n] for n in names if n in channels.verify_tokens]
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") == "subscribe" and any(
        hmac.compare_digest(given.encode(), token.encode()) for token in tokens
    ):
        return Answer(status=200, text=query.get("hub.challenge", ""), content_type="text/plain")
    return _error(403, "hub.verify_token does not match (or no verify_token is configured)")


def _adapter(name: str, body: bytes, channels: Channels) -> ChannelAdapter | None:
    if name != "meta":
        found: ChannelAdapter | None = getattr(channels, name, None)
        return found
    try:
        kind = json.loads(body).get("object")
    except (ValueError, AttributeError):
        raise PayloadError(PayloadReason.MALFORMED, "body is not a JSON object") from None
    chosen = channels.instagram if kind == "instagram" else channels.messenger
    # An object neither adapter speaks is verified by either, then refused as unsupported.
    return chosen or channels.messenger or channels.instagram


def _take(name: str, events: Any, desk: Desk) -> Answer:
    receipts: list[Receipt] = []
    ignored: list[str] = []
    for event in events:
        call: Callable[[], Receipt | None]
        if isinstance(event, MessageReceived):
            call = _receive(desk, event)
        elif isinstance(event, DeliveryUpdate):
            call = _delivery(desk, event)
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
    if name == "twilio":
        # Twilio reads the answer as TwiML: an empty Response sends nothing back.
        return Answer(status=200, text="<Response></Response>", content_type="text/xml",
                      receipts=tuple(receipts))  # fmt: skip
    return Answer(status=200, data=body, receipts=tuple(receipts))


def _receive(desk: Desk, event: MessageReceived) -> Callable[[], Receipt | None]:
    return lambda: desk.receive(event)


def _delivery(desk: Desk, event: DeliveryUpdate) -> Callable[[], Receipt | None]:
    return lambda: desk.delivery(event)


def _summary(receipt: Receipt) -> dict[str, Any]:
    # Ids and routing only: the outbox (addresses, text) goes to the sender, not the provider.
    return {
        "key": receipt.key,
        "customer_id": receipt.customer_id,
        "conversation_id": receipt.conversation_id,
        "queue": receipt.queue,
        "replayed": receipt.replayed,
    }


def _commerce(name: str, request: WebhookRequest, desk: Desk, channels: Channels) -> Answer:
    enrichment: Enrichment
    if name == "shopify":
        shopify = channels.shopify
        if shopify is None:
            return _error(404, "the shopify channel is not configured in OMNICX['CHANNELS']")
        shopify.verify(request, now=desk.clock.now())
        enrichment = shopify.parse(request)
        delivery = request.headers.get("X-Shopify-Webhook-Id")
        key = f"shopify:{delivery or hashlib.sha256(request.body).hexdigest()}"
    else:
        stripe = channels.stripe
        if stripe is None:
            return _error(404, "the stripe channel is not configured in OMNICX['CHANNELS']")
        stripe.verify(request, now=desk.clock.now())
        enrichment = stripe.parse(request)
        key = f"stripe:{enrichment.events[0].external_id}"
    try:
        customer_id = retry_on_conflict(lambda: desk.enrich(enrichment, key=key), retry_on=_RETRIED)
    except _RETRIED:
        return Answer(status=503, data={"error": "busy; retry"}, headers={"Retry-After": "1"})
    return Answer(status=200, data={"customer_id": customer_id, "key": key})

"""The webhook entry, sans-IO: a request in, the HTTP answer the provider expects out.

``handle_webhook(receiver, request, now=...)`` verifies, parses and says what
to answer; the host sends the answer and takes the events:

| outcome | status | why |
|---|---|---|
| ``ACCEPTED`` | 200 | verified and parsed (Twilio gets an empty TwiML ``<Response/>``) |
| ``IGNORED`` | 200 | authentic, but a kind of event the adapter does not take, or another page's: a 2xx stops the provider's retries |
| ``FORGED`` | 401 | the signature is missing or wrong |
| ``MALFORMED`` | 400 | not the provider's format (or a GET to an ``XAdapter`` without a ``crc_token``) |
| ``CHALLENGED`` | 200 | a GET verification handshake passed: Meta's ``hub.challenge`` echoed, or X's ``crc_token`` answered |
| ``REFUSED`` | 403 | a Meta handshake with a wrong token (or none configured), or a CRC check to a receiver that answers none |
| ``NOT_ALLOWED`` | 405 | any other method |

``verification_handshake`` answers Meta's GET subscription check alone,
``XAdapter.handshake`` X's challenge-response check alone.
"""

from __future__ import annotations

import enum
import hmac
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.channels._enrichment import Enrichment
from omnicx.channels._events import ChannelEvent
from omnicx.channels._request import WebhookRequest
from omnicx.channels._twilio import TwilioAdapter
from omnicx.channels._twilio_voice import TwilioVoiceAdapter
from omnicx.channels._x import XAdapter
from omnicx.errors import PayloadError, PayloadReason, SignatureError


class WebhookReceiver(Protocol):
    """Anything ``handle_webhook`` can drive: every adapter, ``MetaDispatcher``,
    ``ShopifyWebhook`` and ``StripeWebhook``."""

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Raise ``SignatureError`` unless ``request`` is authentic at ``now``."""

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent] | Enrichment:
        """The request's events (or a commerce webhook's enrichment), or ``PayloadError``."""


class WebhookOutcome(enum.Enum):
    """What ``handle_webhook`` made of a request (the status follows from it)."""

    ACCEPTED = "accepted"
    IGNORED = "ignored"
    FORGED = "forged"
    MALFORMED = "malformed"
    CHALLENGED = "challenged"
    REFUSED = "refused"
    NOT_ALLOWED = "not_allowed"


_STATUS = {
    WebhookOutcome.ACCEPTED: 200,
    WebhookOutcome.IGNORED: 200,
    WebhookOutcome.FORGED: 401,
    WebhookOutcome.MALFORMED: 400,
    WebhookOutcome.CHALLENGED: 200,
    WebhookOutcome.REFUSED: 403,
    WebhookOutcome.NOT_ALLOWED: 405,
}


@attrs.frozen(kw_only=True)
class WebhookAnswer:
    """The HTTP answer to send, and what the request carried.

    Attributes:
        outcome: what became of the request; ``status`` follows from it.
        status: the HTTP status the provider expects.
        body: the response body; ``content_type`` says what it is.
        headers: extra response headers (``Allow`` on a 405).
        events: the channel events parsed (empty unless ACCEPTED).
        enrichment: a commerce webhook's profile facts (Shopify, Stripe), if any.
        error: the refusal's message (never a secret or the payload's text).
    """

    outcome: WebhookOutcome
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    events: tuple[ChannelEvent, ...] = attrs.field(default=(), converter=frozen_seq)
    enrichment: Enrichment | None = None
    error: str | None = None


def _answer(outcome: WebhookOutcome, data: object, **extra: object) -> WebhookAnswer:
    body = json.dumps(data, separators=(",", ":")).encode()
    return WebhookAnswer(outcome=outcome, status=_STATUS[outcome], body=body, **extra)  # type: ignore[arg-type]


def verification_handshake(
    request: WebhookRequest, *, verify_tokens: Collection[str]
) -> WebhookAnswer:
    """Answer Meta's GET subscription check (WhatsApp, Messenger, Instagram).

    Meta calls the callback URL with ``hub.mode=subscribe``,
    ``hub.verify_token`` (the token set in the app dashboard) and
    ``hub.challenge``; the endpoint must answer 200 with the challenge as the
    body when the token is one it set. Tokens are compared in constant time.
    """
    query = request.query
    given = query.get("hub.verify_token", "")
    matches = [
        hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8", "replace"))
        for token in verify_tokens
    ]
    if query.get("hub.mode") == "subscribe" and any(matches):
        challenge = query.get("hub.challenge", "")
        return WebhookAnswer(
            outcome=WebhookOutcome.CHALLENGED,
            status=200,
            body=challenge.encode("utf-8", "replace"),
            content_type="text/plain",
        )
    refused = "hub.verify_token does not match (or no verify_token is configured)"
    return _answer(WebhookOutcome.REFUSED, {"error": refused}, error=refused)


def _crc(receiver: WebhookReceiver, request: WebhookRequest) -> WebhookAnswer:
    # X: "a GET request ... with a crc_token parameter"; the answer is a JSON
    # body with the response_token, and a 200.
    if not isinstance(receiver, XAdapter):
        refused = "this receiver answers no CRC check (X's crc_token goes to an XAdapter)"
        return _answer(WebhookOutcome.REFUSED, {"error": refused}, error=refused)
    try:
        body = receiver.handshake(request)
    except PayloadError as error:
        return _answer(WebhookOutcome.MALFORMED, {"error": str(error)}, error=str(error))
    return WebhookAnswer(outcome=WebhookOutcome.CHALLENGED, status=200, body=body)


def handle_webhook(
    receiver: WebhookReceiver,
    request: WebhookRequest,
    *,
    now: datetime,
    verify_tokens: Collection[str] = (),
) -> WebhookAnswer:
    """Verify and parse ``request``; say what to answer (see the module's table).

    Args:
        receiver: the adapter (or ``MetaDispatcher``, ``ShopifyWebhook``,
            ``StripeWebhook``) the URL belongs to.
        request: the request as received, ``received_at`` from the host's clock.
        now: the host's clock, for signatures with a timestamp (Stripe).
        verify_tokens: the tokens a GET verification handshake may carry
            (Meta); empty refuses every handshake. X's CRC check needs none:
            the ``XAdapter``'s consumer secret answers it.
    """
    if request.method.upper() == "GET":
        if "hub.mode" in request.query:
            return verification_handshake(request, verify_tokens=verify_tokens)
        if "crc_token" in request.query or isinstance(receiver, XAdapter):
            return _crc(receiver, request)
    if request.method.upper() != "POST":
        return _answer(
            WebhookOutcome.NOT_ALLOWED, {"error": "POST only"}, headers={"Allow": "POST"}
        )
    try:
        receiver.verify(request, now=now)
    except SignatureError as error:
        return _answer(WebhookOutcome.FORGED, {"error": str(error)}, error=str(error))
    except PayloadError as error:  # a scheme that reads the body to verify (SNS)
        return _answer(WebhookOutcome.MALFORMED, {"error": str(error)}, error=str(error))
    try:
        parsed = receiver.parse(request)
    except PayloadError as error:
        if error.reason is PayloadReason.UNSUPPORTED:
            # Authentic but not ours to take: 2xx, so the provider stops retrying.
            return _answer(WebhookOutcome.IGNORED, {"ignored": str(error)}, error=str(error))
        return _answer(WebhookOutcome.MALFORMED, {"error": str(error)}, error=str(error))
    if isinstance(parsed, Enrichment):
        return _answer(WebhookOutcome.ACCEPTED, {"received": 1}, enrichment=parsed)
    events = tuple(parsed)
    if isinstance(receiver, TwilioAdapter | TwilioVoiceAdapter):
        # Twilio reads the answer as TwiML: an empty Response sends nothing back
        # (for Voice's incoming-call webhook it hangs up: answer that one with
        # the host's own TwiML).
        return WebhookAnswer(
            outcome=WebhookOutcome.ACCEPTED,
            status=200,
            body=b"<Response></Response>",
            content_type="text/xml",
            events=events,
        )
    return _answer(WebhookOutcome.ACCEPTED, {"received": len(events)}, events=events)

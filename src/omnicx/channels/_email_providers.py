"""Inbound email through a provider's webhook: SendGrid, Mailgun and Postmark.

Each provider receives the mail for the business's domain and POSTs it to
the host. Each adapter checks that provider's own signature, takes the raw
RFC 5322 message the provider forwards, and parses it with
:class:`EmailAdapter`, so the same mail gives the same ``MessageReceived``
through any provider as through the raw MIME adapter. Every provider needs
its raw-message option turned on (the parsed fields alone lose the
Message-ID threading and attachment details): SendGrid's "POST the raw, full
MIME message", a Mailgun route forwarding to a URL ending in ``mime``,
Postmark's "Include raw email content in JSON payload".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx.channels._email import EmailAdapter
from omnicx.channels._events import ChannelEvent
from omnicx.channels._form_data import form_fields, text_field
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import SendCheck
from omnicx.channels._wire import load_json, unsupported
from omnicx.errors import PayloadError, SignatureError
from omnicx.model import Channel

SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
"""The header SendGrid puts its base64 ECDSA signature in (Inbound Parse security policy)."""
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
"""The header holding the timestamp SendGrid signed with the body."""


@attrs.frozen(kw_only=True)
class _RawEmail:
    """The shape every provider adapter shares: raw MIME in, the email adapter's events out."""

    strip_quotes: bool = True
    trust_sender: bool = False

    @property
    def channel(self) -> Channel:
        """Always ``Channel.EMAIL``."""
        return Channel.EMAIL

    @property
    def capabilities(self) -> Capabilities:
        """The email adapter's: no text limit, no window."""
        return self._email.capabilities

    @property
    def _email(self) -> EmailAdapter:
        return EmailAdapter(strip_quotes=self.strip_quotes, trust_sender=self.trust_sender)

    def _parse_mime(self, mime: bytes, request: WebhookRequest) -> Sequence[ChannelEvent]:
        return self._email.parse(attrs.evolve(request, body=mime))

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return self._email.check(outbound)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """One RFC 5322 message for the host's SMTP client or the provider's SMTP relay.

        The same as :meth:`EmailAdapter.render`.
        """
        return self._email.render(outbound)


def _missing_raw(field: str, option: str) -> PayloadError:
    return unsupported(f"no raw message in {field!r}; turn on {option}", field)


@attrs.frozen(kw_only=True)
class SendGridInboundAdapter(_RawEmail):
    """SendGrid Inbound Parse: ``multipart/form-data`` with the raw message in ``email``.

    SendGrid signs each request when a security policy with signature
    verification is attached to the Parse setting: ECDSA (P-256, SHA-256)
    over the ``X-Twilio-Email-Event-Webhook-Timestamp`` value followed by
    the raw body, base64 in ``X-Twilio-Email-Event-Webhook-Signature``. The
    policy's public key (base64 DER, as SendGrid returns it, or PEM) checks
    it. Needs the ``cryptography`` package (``pip install omnicx[crypto]``).
    A key that is not an elliptic-curve public key raises ``ValidationError``
    when the adapter is made.
    Turn on "POST the raw, full MIME message" (``send_raw``).

    Attributes:
        public_key: the security policy's ``public_key``.
        strip_quotes, trust_sender: as for :class:`EmailAdapter`.
    """

    public_key: str = attrs.field(repr=False, kw_only=True)
    _key: Any = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        """Read the key once: a key that is not one fails here, not at the first webhook."""
        from omnicx.channels._x509 import ecdsa_key  # optional dependency: imported on use

        object.__setattr__(self, "_key", ecdsa_key(self.public_key, "public_key"))

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check SendGrid's ECDSA signature over the timestamp and the raw body."""
        from omnicx.channels._x509 import verify_ecdsa  # optional dependency: imported on use

        signature = request.headers.get(SENDGRID_SIGNATURE_HEADER)
        if not signature:
            raise SignatureError(SENDGRID_SIGNATURE_HEADER, "missing signature header")
        stamp = request.headers.get(SENDGRID_TIMESTAMP_HEADER)
        if not stamp:
            raise SignatureError(SENDGRID_TIMESTAMP_HEADER, "missing signature timestamp")
        signed = stamp.encode("utf-8", "replace") + request.body
        verify_ecdsa(self._key, signed, signature, SENDGRID_SIGNATURE_HEADER)

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """The message in the ``email`` field, parsed as raw RFC 5322."""
        fields = form_fields(request.body, request.headers)
        mime = fields.get("email")
        if not mime:
            raise _missing_raw("email", "'POST the raw, full MIME message' (send_raw)")
        return self._parse_mime(mime, request)


def sign_mailgun(signing_key: str, timestamp: str, token: str) -> str:
    """Mailgun's ``signature`` field: hex HMAC-SHA256 of timestamp + token with the signing key."""
    data = (timestamp + token).encode("utf-8", "replace")
    return hmac.new(signing_key.encode(), data, hashlib.sha256).hexdigest()


@attrs.frozen(kw_only=True)
class MailgunInboundAdapter(_RawEmail):
    """A Mailgun route's ``forward()`` to a URL ending in ``mime``: the raw message in ``body-mime``.

    Mailgun signs the form fields ``timestamp`` and ``token`` with the
    account's HTTP webhook signing key (hex HMAC-SHA256 of timestamp +
    token, in ``signature``). The signature covers those two fields, not the
    message; a host that keeps the tokens it has seen refuses a replayed one.

    Attributes:
        signing_key: the HTTP webhook signing key (never shown).
        strip_quotes, trust_sender: as for :class:`EmailAdapter`.
    """

    signing_key: str = attrs.field(repr=False, kw_only=True)

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check the ``signature`` field against ``timestamp`` and ``token``."""
        fields = form_fields(request.body, request.headers)
        given = text_field(fields, "signature")
        if not given:
            raise SignatureError("signature", "missing signature field")
        timestamp = text_field(fields, "timestamp") or ""
        token = text_field(fields, "token") or ""
        if not timestamp or not token:
            raise SignatureError("signature", "the timestamp or token field is missing")
        expected = sign_mailgun(self.signing_key, timestamp, token)
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
            raise SignatureError("signature", "signature does not match the request")

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """The message in the ``body-mime`` field, parsed as raw RFC 5322."""
        mime = form_fields(request.body, request.headers).get("body-mime")
        if not mime:
            raise _missing_raw("body-mime", "a route forwarding to a URL ending in 'mime'")
        return self._parse_mime(mime, request)


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic credentials (what Postmark sends)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


@attrs.frozen(kw_only=True)
class PostmarkInboundAdapter(_RawEmail):
    """Postmark inbound webhooks: JSON with the raw message in ``RawEmail``.

    Postmark signs nothing; it documents HTTP Basic credentials in the
    webhook URL (``https://user:password@host/path``), which it sends as an
    ``Authorization`` header, compared here in constant time. They
    authenticate the sender, not the body. Turn on "Include raw email content
    in JSON payload" for the inbound stream.

    Attributes:
        username, password: the credentials in the webhook URL (the password never shown).
        strip_quotes, trust_sender: as for :class:`EmailAdapter`.
    """

    username: str = attrs.field(kw_only=True)
    password: str = attrs.field(repr=False, kw_only=True)

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check the ``Authorization: Basic`` credentials."""
        given = request.headers.get("Authorization")
        if not given:
            raise SignatureError("Authorization", "missing Authorization header")
        expected = basic_authorization(self.username, self.password)
        if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected.encode()):
            raise SignatureError("Authorization", "credentials do not match")

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """The message in ``RawEmail``, parsed as raw RFC 5322."""
        root = load_json(request.body)
        raw = root.opt_text("RawEmail")
        if not raw:
            raise _missing_raw("RawEmail", "'Include raw email content in JSON payload'")
        return self._parse_mime(raw.encode("utf-8"), request)

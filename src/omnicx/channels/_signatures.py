"""Webhook signature schemes, each compared in constant time.

Every ``verify_*`` raises ``SignatureError`` naming the header; every
``sign_*`` builds the header value a provider would send (for tests and for
hosts that sign their own web-chat traffic).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from omnicx.channels._request import Headers
from omnicx.errors import SignatureError

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Look ``name`` up case-insensitively: HTTP header names are case-insensitive (RFC 9110 5.1)."""
    if isinstance(headers, Headers):
        return headers.get(name)
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _required(headers: Mapping[str, str], name: str) -> str:
    value = header(headers, name)
    if not value:
        raise SignatureError(name, "missing signature header")
    return value


def _check(name: str, given: str, expected: str) -> None:
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise SignatureError(name, "signature does not match the request")


def sign_hub_sha256(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends: ``sha256=`` + hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_hub_sha256(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Verify Meta's ``X-Hub-Signature-256`` (WhatsApp Cloud API, Messenger, Instagram)."""
    name = "X-Hub-Signature-256"
    _check(name, _required(headers, name), sign_hub_sha256(secret, body))


def sign_twilio(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` value for a form-encoded POST.

    Twilio's documented scheme: take the full URL, append each POST parameter
    sorted by name as name+value with no delimiters, HMAC-SHA1 with the auth
    token, base64-encode.
    """
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], headers: Mapping[str, str]
) -> None:
    """Verify ``X-Twilio-Signature`` over ``url`` and the form parameters."""
    name = "X-Twilio-Signature"
    _check(name, _required(headers, name), sign_twilio(auth_token, url, params))


def sign_shopify(secret: str, body: bytes) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value: base64 HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_shopify(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Verify Shopify's ``X-Shopify-Hmac-Sha256``."""
    name = "X-Shopify-Hmac-Sha256"
    _check(name, _required(headers, name), sign_shopify(secret, body))


def sign_stripe(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Stripe-Signature`` value: ``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``."""
    signed = str(timestamp).encode() + b"." + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def verify_stripe(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> None:
    """Verify ``Stripe-Signature`` and refuse replays older than ``tolerance``.

    Stripe's scheme: the header lists ``t=`` (Unix seconds) and one or more
    ``v1=`` signatures (several while a secret rolls); any ``v1`` matching the
    HMAC-SHA256 of ``"<t>.<body>"`` passes. Stripe's libraries default to a
    five-minute tolerance between ``t`` and now.
    """
    name = "Stripe-Signature"
    value = _required(headers, name)
    timestamp: int | None = None
    candidates: list[str] = []
    for element in value.split(","):
        key, _, item = element.strip().partition("=")
        # Read before any HMAC check, so by anyone: ASCII digits only ("²" is
        # a digit to str.isdigit), and few enough to stay a float.
        if key == "t" and _UNIX_SECONDS.fullmatch(item):
            timestamp = int(item)
        elif key == "v1":
            candidates.append(item)
    if timestamp is None or not candidates:
        raise SignatureError(name, "header lacks a timestamp or a v1 signature")
    age = now.timestamp() - timestamp
    if abs(age) > tolerance.total_seconds():
        raise SignatureError(name, "timestamp is outside the replay tolerance")
    expected = sign_stripe(secret, body, timestamp).rpartition("v1=")[2]
    if not any(
        hmac.compare_digest(c.encode("utf-8", "replace"), expected.encode()) for c in candidates
    ):
        raise SignatureError(name, "signature does not match the request")


X_SIGNATURE_HEADER = "X-Twitter-Webhooks-Signature"
"""The header X's Account Activity API signs each webhook POST with."""


def sign_x(consumer_secret: str, data: bytes) -> str:
    """``sha256=`` + base64 HMAC-SHA256 keyed with the app's consumer secret.

    X's Account Activity API uses it twice: over a webhook's raw body (the
    ``X-Twitter-Webhooks-Signature`` header) and over the ``crc_token`` of a
    challenge-response check (the ``response_token``).
    """
    digest = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def verify_x(consumer_secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Verify X's ``X-Twitter-Webhooks-Signature`` over the raw body."""
    _check(
        X_SIGNATURE_HEADER,
        _required(headers, X_SIGNATURE_HEADER),
        sign_x(consumer_secret, body),
    )

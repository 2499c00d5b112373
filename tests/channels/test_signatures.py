"""Webhook signature schemes: documented vectors, tolerance, and tamper properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.channels import (
    sign_hub_sha256,
    sign_shopify,
    sign_stripe,
    sign_twilio,
    verify_hub_sha256,
    verify_shopify,
    verify_stripe,
    verify_twilio,
)
from omnicx.errors import PayloadReason, SignatureError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_twilio_matches_the_documented_example() -> None:
    """Twilio's security page example: URL plus sorted params, auth token 12345."""
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sign_twilio("12345", url, params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    verify_twilio(
        "12345", url, params.items(), {"x-twilio-signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ="}
    )


def test_twilio_signature_covers_the_url() -> None:
    """The same params posted to another URL do not verify."""
    signature = sign_twilio("tok", "https://a.example/hook", [("Body", "hi")])
    with pytest.raises(SignatureError) as info:
        verify_twilio(
            "tok", "https://b.example/hook", [("Body", "hi")], {"X-Twilio-Signature": signature}
        )
    assert str(info.value) == "X-Twilio-Signature: signature does not match the request"
    assert info.value.header == "X-Twilio-Signature"
    assert info.value.reason is PayloadReason.BAD_SIGNATURE


def test_missing_header_is_named() -> None:
    """A missing signature is a SignatureError naming the header, not a crash."""
    with pytest.raises(SignatureError) as info:
        verify_hub_sha256("s", b"{}", {})
    assert str(info.value) == "X-Hub-Signature-256: missing signature header"


def test_hub_signature_format() -> None:
    """Meta's header is ``sha256=`` and the lower-case hex digest; header names are case-insensitive."""
    value = sign_hub_sha256("secret", b'{"a":1}')
    assert value.startswith("sha256=")
    assert len(value) == 7 + 64
    verify_hub_sha256("secret", b'{"a":1}', {"x-hub-signature-256": value})


def test_shopify_signature_is_base64() -> None:
    """Shopify's header is the base64 HMAC-SHA256 of the raw body (vector from openssl dgst)."""
    value = sign_shopify("hush", b"{}")
    assert value == "UFwgrGBPZilFtmKh8TqcovA78LGYb1BdWu9I4Q2oyRg="
    verify_shopify("hush", b"{}", {"X-Shopify-Hmac-Sha256": value})


def test_stripe_accepts_any_matching_v1_and_refuses_replays() -> None:
    """Several v1 values (secret rolling) pass if one matches; an old timestamp is a replay."""
    stamp = int(NOW.timestamp())
    good = sign_stripe("whsec_x", b"{}", stamp)
    header = {"Stripe-Signature": good.replace("v1=", "v1=deadbeef,v1=", 1)}
    verify_stripe("whsec_x", b"{}", header, now=NOW)
    verify_stripe("whsec_x", b"{}", header, now=NOW + timedelta(minutes=5))
    with pytest.raises(SignatureError) as info:
        verify_stripe("whsec_x", b"{}", header, now=NOW + timedelta(minutes=5, seconds=1))
    assert str(info.value) == "Stripe-Signature: timestamp is outside the replay tolerance"
    verify_stripe(
        "whsec_x", b"{}", header, now=NOW + timedelta(hours=1), tolerance=timedelta(hours=2)
    )


@pytest.mark.parametrize("value", ["v1=abc", "t=123", "t=abc,v1=00", "garbage"])
def test_stripe_malformed_header(value: str) -> None:
    """A header without a timestamp or a v1 signature is refused, naming the header."""
    with pytest.raises(SignatureError) as info:
        verify_stripe("k", b"{}", {"Stripe-Signature": value}, now=NOW)
    assert str(info.value) == "Stripe-Signature: header lacks a timestamp or a v1 signature"


def test_stripe_wrong_signature() -> None:
    """A fresh timestamp with a wrong digest is refused."""
    header = {"Stripe-Signature": f"t={int(NOW.timestamp())},v1=00"}
    with pytest.raises(SignatureError, match="does not match"):
        verify_stripe("k", b"{}", header, now=NOW)


def _flip(body: bytes, index: int) -> bytes:
    changed = bytearray(body)
    changed[index % len(changed)] ^= 0x20
    return bytes(changed)


@given(
    secret=st.text(min_size=1, max_size=20),
    body=st.binary(min_size=1, max_size=200),
    index=st.integers(0, 400),
)
def test_body_signatures_verify_and_fail_on_any_change(
    secret: str, body: bytes, index: int
) -> None:
    """Hub, Shopify and Stripe signatures verify on what they signed and fail on one changed byte."""
    verify_hub_sha256(secret, body, {"X-Hub-Signature-256": sign_hub_sha256(secret, body)})
    verify_shopify(secret, body, {"X-Shopify-Hmac-Sha256": sign_shopify(secret, body)})
    stripe = {"Stripe-Signature": sign_stripe(secret, body, int(NOW.timestamp()))}
    verify_stripe(secret, body, stripe, now=NOW)
    changed = _flip(body, index)
    with pytest.raises(SignatureError):
        verify_hub_sha256(secret, changed, {"X-Hub-Signature-256": sign_hub_sha256(secret, body)})
    with pytest.raises(SignatureError):
        verify_shopify(secret, changed, {"X-Shopify-Hmac-Sha256": sign_shopify(secret, body)})
    with pytest.raises(SignatureError):
        verify_stripe(secret, changed, stripe, now=NOW)


@given(
    params=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), min_size=1, max_size=6),
    extra=st.text(min_size=1, max_size=5),
)
def test_twilio_signatures_fail_when_a_value_changes(
    params: list[tuple[str, str]], extra: str
) -> None:
    """Changing any parameter value changes the signature."""
    url = "https://h.example/sms"
    signature = sign_twilio("tok", url, params)
    verify_twilio("tok", url, params, {"X-Twilio-Signature": signature})
    changed = [(params[0][0], params[0][1] + extra), *params[1:]]
    with pytest.raises(SignatureError):
        verify_twilio("tok", url, changed, {"X-Twilio-Signature": signature})

"""Provider-format samples and signers for every shipped adapter, for the channels benchmark."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs

from omnicx.channels import (
    WEBCHAT_SIGNATURE_HEADER,
    ChannelAdapter,
    EmailAdapter,
    FacebookCommentsAdapter,
    InstagramAdapter,
    InstagramCommentsAdapter,
    MailgunInboundAdapter,
    MessengerAdapter,
    PostmarkInboundAdapter,
    SendGridInboundAdapter,
    SesInboundAdapter,
    ShopifyWebhook,
    StripeWebhook,
    TwilioAdapter,
    TwilioVoiceAdapter,
    WebChatAdapter,
    WebhookRequest,
    WhatsAppAdapter,
    XAdapter,
    sign_hub_sha256,
    sign_shopify,
    sign_stripe,
    sign_twilio,
    sign_webchat,
    sign_x,
    sns_string_to_sign,
)
from omnicx.testing import _email_envelopes as envelopes
from omnicx.testing import shopify_samples, stripe_samples, voice_samples
from omnicx.testing._voice_samples import VOICE_URL

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
Headers = Mapping[str, str]


@attrs.frozen(kw_only=True)
class Target:
    """One adapter under fuzz: its samples, how to sign a body, how a host verifies and parses."""

    name: str
    samples: Sequence[WebhookRequest]
    sign: Callable[[bytes, Headers], dict[str, str]]
    verify: Callable[[WebhookRequest], None]
    parse: Callable[[WebhookRequest], object]
    peer: tuple[str, Callable[[], object]] | None = None
    resign_body: Callable[[bytes], bytes] | None = None


def channel(name: str, adapter: ChannelAdapter, samples: Sequence[WebhookRequest],
            sign: Callable[[bytes, Headers], dict[str, str]], **extra: Any) -> Target:  # fmt: skip
    """A target for a ``ChannelAdapter``."""
    return Target(
        name=name,
        samples=samples,
        sign=sign,
        verify=lambda r: adapter.verify(r, now=r.received_at),
        parse=adapter.parse,
        **extra,
    )


def _request(body: bytes, headers: Headers, url: str = "") -> WebhookRequest:
    # Every sample is received at NOW, by the host's clock.
    return WebhookRequest(body=body, headers=headers, url=url, received_at=NOW)


def _with(headers: Headers, name: str, value: str) -> dict[str, str]:
    return {**{k: v for k, v in headers.items() if k.lower() != name.lower()}, name: value}


def _hub(secret: str) -> Callable[[bytes, Headers], dict[str, str]]:
    return lambda body, headers: _with(
        headers, "X-Hub-Signature-256", sign_hub_sha256(secret, body)
    )


def _hub_sample(secret: str, payload: object) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return _request(body=body, headers={"X-Hub-Signature-256": sign_hub_sha256(secret, body)})


# -- Twilio Messaging: form posts signed over URL + sorted params ---------------

TWILIO_URL = "https://h.example/twilio/sms"


def _twilio_sign(body: bytes, headers: Headers) -> dict[str, str]:
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        params = []
    return _with(headers, "X-Twilio-Signature", sign_twilio("tw-secret", TWILIO_URL, params))


def _twilio_sample(params: list[tuple[str, str]]) -> WebhookRequest:
    body = urlencode(params).encode()
    return _request(body=body, headers=_twilio_sign(body, {}), url=TWILIO_URL)


TWILIO = [
    _twilio_sample([
        ("ToCountry", "US"), ("SmsMessageSid", "SM1a2b"), ("NumMedia", "1"),
        ("SmsSid", "SM1a2b"), ("SmsStatus", "received"), ("Body", "Where is my order?"),
        ("To", "+14155550199"), ("NumSegments", "1"), ("MessageSid", "SM1a2b"),
        ("AccountSid", "AC1"), ("From", "+14155550100"), ("ApiVersion", "2010-04-01"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/SM1a2b/Media/ME1"),
    ]),
    _twilio_sample([
        ("MessageSid", "SM9"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003"),
        ("To", "whatsapp:+14155550100"), ("From", "whatsapp:+14155550199"), ("AccountSid", "AC1"),
    ]),
]  # fmt: skip

# -- WhatsApp Cloud API ----------------------------------------------------------

_WA_VALUE = {
    "messaging_product": "whatsapp",
    "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1065"},
    "contacts": [{"profile": {"name": "Kerry Fisher"}, "wa_id": "16315551234"}],
    "messages": [
        {"from": "16315551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
         "timestamp": "1772452800", "type": "text", "text": {"body": "Where is my order?"}},
        {"from": "16315551234", "id": "wamid.2", "timestamp": "1772452801", "type": "interactive",
         "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}},
    ],
    "statuses": [{"id": "wamid.out1", "status": "read", "timestamp": "1772452802",
                  "recipient_id": "16315551234"}],
}  # fmt: skip
WHATSAPP = [
    _hub_sample("wa-secret", {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": _WA_VALUE}]}],
    }),
]  # fmt: skip


def _messaging(obj: str) -> dict[str, object]:
    items = [
        {"sender": {"id": "678"}, "recipient": {"id": "1"}, "timestamp": 1772452800000,
         "message": {"mid": "m_1", "text": "hi", "attachments": [
             {"type": "image", "payload": {"url": "https://cdn.example/a.jpg"}}]}},
        {"sender": {"id": "678"}, "recipient": {"id": "1"}, "timestamp": 1772452801000,
         "read": {"watermark": 1772452800000}},
        {"sender": {"id": "678"}, "recipient": {"id": "1"}, "timestamp": 1772452802000,
         "postback": {"mid": "m_2", "title": "Track order", "payload": "TRACK"}},
    ]  # fmt: skip
    return {"object": obj, "entry": [{"id": "1", "time": 1772452800000, "messaging": items}]}


# -- email: raw RFC 5322 ---------------------------------------------------------

EMAIL_RAW = (
    b"Return-Path: <ada@example.com>\r\n"
    b"From: =?utf-8?q?Ada_L=C3=B6velace?= <Ada@Example.com>\r\n"
    b"To: support@shop.example, Bob <bob@example.com>\r\n"
    b"Cc: carol@example.com\r\n"
    b"Subject: Re: Order #1001\r\n"
    b"Date: Mon, 02 Mar 2026 12:00:00 +0000\r\n"
    b"Message-ID: <CAF=abc123@mail.example.com>\r\n"
    b"In-Reply-To: <reply-1@shop.example>\r\n"
    b"References: <first@shop.example> <reply-1@shop.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b'Content-Type: multipart/alternative; boundary="b2"\r\n'
    b"\r\n"
    b"--b2\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"It arrived broken. Gr=C3=BC=C3=9Fe\r\n"
    b"\r\n"
    b"On Mon, 2 Mar 2026 at 10:00, Support <support@shop.example> wrote:\r\n"
    b"> Your order shipped.\r\n"
    b"--b2\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>It arrived broken.</p>\r\n"
    b"--b2--\r\n"
    b"--b1\r\n"
    b'Content-Type: image/png; name="photo.png"\r\n'
    b'Content-Disposition: attachment; filename="photo.png"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-ID: <img1@mail.example.com>\r\n"
    b"\r\n"
    b"iVBORw0KGgo=\r\n"
    b"--b1--\r\n"
)

# -- web chat ------------------------------------------------------------------


def _webchat_sample(payload: object) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return _request(
        body=body, headers={WEBCHAT_SIGNATURE_HEADER: sign_webchat("chat-secret", body)}
    )


WEBCHAT = [
    _webchat_sample({
        "type": "message", "id": "m-1", "session_id": "s-1", "sent_at": "2026-03-02T12:00:00Z",
        "visitor": {"id": "v-9", "name": "Ada", "email": "ada@example.com", "phone": "+441632960001"},
        "text": "Hello", "page_url": "https://shop.example/cart",
        "attachments": [{"url": "https://cdn.example/a.png", "filename": "a.png",
                         "content_type": "image/png", "size": 123}],
    }),
    _webchat_sample({"type": "read", "session_id": "s-1", "message_ids": ["out-1", "out-2"],
                     "at": "2026-03-02T12:00:05Z"}),
    _webchat_sample({"type": "edit", "id": "m-1", "session_id": "s-1", "visitor": {"id": "v-9"},
                     "text": "Hello again", "at": "2026-03-02T12:00:09Z"}),
    _webchat_sample({"type": "transcript", "session_id": "s-2", "visitor": {"id": "v-9"},
                     "turns": [{"id": "t-1", "author": "bot", "name": "Shopbot",
                                "sent_at": "2026-03-02T11:58:00Z", "text": "Hi! How can I help?"},
                               {"id": "t-2", "author": "visitor",
                                "sent_at": "2026-03-02T11:58:30Z", "text": "My parcel is late"},
                               {"id": "t-3", "author": "agent", "agent_id": "ana", "name": "Ana",
                                "sent_at": "2026-03-02T11:59:10Z", "text": "Let me check."}]}),
]  # fmt: skip

# -- Shopify and Stripe (profile enrichment) -------------------------------------

_ORDER = {
    "id": 820982911946154508, "name": "#9999", "email": "ada@example.com",
    "created_at": "2026-03-02T07:00:00-05:00", "currency": "USD", "total_price": "199.00",
    "financial_status": "paid", "line_items": [{"id": 1, "quantity": 2, "price": "99.50"}],
    "customer": {"id": 115310627314723954, "email": "ada@example.com", "phone": "+14155550100",
                 "verified_email": True, "first_name": "Ada", "last_name": "Lovelace",
                 "orders_count": 3, "total_spent": "450.00", "tags": "VIP, wholesale"},
}  # fmt: skip


def _shopify_sign(body: bytes, headers: Headers) -> dict[str, str]:
    return _with(headers, "X-Shopify-Hmac-Sha256", sign_shopify("shop-secret", body))


def _shopify_sample(topic: str, payload: object) -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": "b54557e4"}
    return _request(body=body, headers=_shopify_sign(body, headers))


def _stripe_sign(body: bytes, headers: Headers) -> dict[str, str]:
    return _with(headers, "Stripe-Signature", sign_stripe("whsec_x", body, int(NOW.timestamp())))


_CHARGE = {
    "id": "evt_1", "object": "event", "type": "charge.succeeded", "created": 1772452800,
    "data": {"object": {"id": "ch_1", "object": "charge", "amount": 1999, "currency": "usd",
                        "customer": "cus_1", "receipt_email": "ada@example.com",
                        "payment_intent": "pi_1", "status": "succeeded",
                        "billing_details": {"email": "ada@example.com", "name": "Ada"}}},
}  # fmt: skip


# Public conversations: a Facebook comment reply, an Instagram comment and
# mention, an X mention and a DM.
_FEED = {
    "object": "page",
    "entry": [
        {
            "id": "1",
            "time": 1772452800,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "item": "comment",
                        "verb": "add",
                        "comment_id": "7_2",
                        "post_id": "1_7",
                        "parent_id": "7_1",
                        "from": {"id": "678", "name": "Ada"},
                        "message": "Still waiting",
                        "created_time": 1772452800,
                        "photo": "https://scontent.example/p.jpg",
                    },
                }
            ],
        }
    ],
}
_IG_CHANGES = {
    "object": "instagram",
    "entry": [
        {
            "id": "1",
            "time": 1772452800,
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "id": "178",
                        "text": "where is it?",
                        "parent_id": "177",
                        "from": {"id": "678", "username": "ada"},
                        "media": {"id": "179", "media_product_type": "FEED"},
                    },
                },
                {"field": "mentions", "value": {"media_id": "180", "comment_id": "181"}},
            ],
        }
    ],
}
_X_ACTIVITY = {
    "for_user_id": "1",
    "tweet_create_events": [
        {
            "id_str": "105",
            "text": "@shop help",
            "timestamp_ms": "1772452800000",
            "in_reply_to_status_id_str": "104",
            "user": {
                "id_str": "38",
                "screen_name": "ada",
                "name": "Ada",
                "followers_count": 120,
                "verified": False,
            },
        }
    ],
    "direct_message_events": [
        {
            "type": "message_create",
            "id": "9",
            "created_timestamp": "1772452800000",
            "message_create": {
                "target": {"recipient_id": "1"},
                "sender_id": "38",
                "message_data": {"text": "hi"},
            },
        }
    ],
    "users": {"38": {"id": "38", "screen_name": "ada", "name": "Ada"}},
}


def _x_sign(body: bytes, headers: Headers) -> dict[str, str]:
    return _with(headers, "X-Twitter-Webhooks-Signature", sign_x("x-secret", body))


def _x_sample(payload: object) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return _request(body=body, headers=_x_sign(body, {}))


# -- Twilio Voice: the same signature; one call's life, a missed call, a voicemail ---


def _voice_sign(body: bytes, headers: Headers) -> dict[str, str]:
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        params = []
    return _with(headers, "X-Twilio-Signature", sign_twilio("tw-secret", VOICE_URL, params))


def _targets() -> list[Target]:
    shopify, stripe = ShopifyWebhook(secret="shop-secret"), StripeWebhook(secret="whsec_x")
    stripe_body = json.dumps(_CHARGE).encode()
    return [
        channel("twilio", TwilioAdapter(account_sid="AC1", auth_token="tw-secret"), TWILIO,
                _twilio_sign),
        channel("voice", TwilioVoiceAdapter(account_sid="AC1", auth_token="tw-secret"),
                voice_samples("tw-secret"), _voice_sign),
        channel("whatsapp", WhatsAppAdapter(phone_number_id="1065", app_secret="wa-secret"),
                WHATSAPP, _hub("wa-secret")),
        channel("messenger", MessengerAdapter(page_id="1", app_secret="fb-secret"),
                [_hub_sample("fb-secret", _messaging("page"))], _hub("fb-secret")),
        channel("instagram", InstagramAdapter(page_id="1", app_secret="ig-secret"),
                [_hub_sample("ig-secret", _messaging("instagram"))], _hub("ig-secret")),
        channel("facebook", FacebookCommentsAdapter(page_id="1", app_secret="fb-secret"),
                [_hub_sample("fb-secret", _FEED)], _hub("fb-secret")),
        channel("ig-comments", InstagramCommentsAdapter(account_id="1", app_secret="ig-secret"),
                [_hub_sample("ig-secret", _IG_CHANGES)], _hub("ig-secret")),
        channel("x", XAdapter(user_id="1", consumer_secret="x-secret"),
                [_x_sample(_X_ACTIVITY)], _x_sign),
        channel("email", EmailAdapter(), [_request(body=EMAIL_RAW, headers={})],
                lambda body, headers: dict(headers)),
        channel("webchat", WebChatAdapter(secret="chat-secret"), WEBCHAT, _webchat_sign),
        Target(
            name="shopify",
            samples=[_shopify_sample("orders/create", _ORDER),
                     _shopify_sample("customers/create", _ORDER["customer"]),
                     *shopify_samples("shop-secret")],
            sign=_shopify_sign,
            verify=lambda r: shopify.verify(r, now=r.received_at),
            parse=shopify.parse,
        ),
        Target(
            name="stripe",
            samples=[_request(body=stripe_body, headers=_stripe_sign(stripe_body, {})),
                     *stripe_samples("whsec_x", now=NOW)],
            sign=_stripe_sign,
            verify=lambda r: stripe.verify(r, now=r.received_at),
            parse=stripe.parse,
        ),
    ]  # fmt: skip


KEYS = envelopes.make_keys()


def _sendgrid_sign(body: bytes, headers: Headers) -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    stamp = "1772452800"
    signature = KEYS.ec_private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return _with(headers, "X-Twilio-Email-Event-Webhook-Signature",
                 base64.b64encode(signature).decode())  # fmt: skip


def _resign_sns(body: bytes) -> bytes:
    # SNS signs fields inside the body: sign the mutated fields again, as SNS
    # would have, when the body is still an object of strings to sign.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if not isinstance(message, dict):
        return body
    fields = {k: v for k, v in message.items() if isinstance(v, str)}
    digest = hashes.SHA256() if fields.get("SignatureVersion") == "2" else hashes.SHA1()
    signed = KEYS.rsa_private.sign(sns_string_to_sign(fields), padding.PKCS1v15(), digest)
    message["Signature"] = base64.b64encode(signed).decode()
    return json.dumps(message).encode()


def _email_targets() -> list[Target]:
    mime = EMAIL_RAW
    raw = EmailAdapter()
    # The named peer: the raw MIME adapter parsing the same mail, no envelope.
    received = _request(mime, {})
    peer = ("EmailAdapter (raw)", lambda: raw.parse(received))
    return [
        channel("sendgrid", SendGridInboundAdapter(public_key=KEYS.ec_public),
                [envelopes.sendgrid(mime, KEYS)], _sendgrid_sign, peer=peer),
        channel("mailgun", MailgunInboundAdapter(signing_key="mg-key"),
                [envelopes.mailgun(mime, "mg-key"),
                 envelopes.mailgun(mime, "mg-key", multipart=False)],
                lambda body, headers: dict(headers), peer=peer),  # signs timestamp+token only
        channel("postmark", PostmarkInboundAdapter(username="inbound", password="pm"),
                [envelopes.postmark(mime, "inbound", "pm")],
                lambda body, headers: dict(headers), peer=peer),  # credentials, no body signature
        channel("ses", SesInboundAdapter(certificates={envelopes.CERT_URL: KEYS.certificate}),
                [envelopes.ses(mime, KEYS),
                 envelopes.ses(mime, KEYS, version="2", base64_content=True)],
                lambda body, headers: dict(headers), peer=peer, resign_body=_resign_sns),
    ]  # fmt: skip


def _webchat_sign(body: bytes, headers: Headers) -> dict[str, str]:
    return _with(headers, WEBCHAT_SIGNATURE_HEADER, sign_webchat("chat-secret", body))


TARGETS = _targets() + _email_targets()

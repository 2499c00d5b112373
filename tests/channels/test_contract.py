"""Every reference adapter passes the public contract suite in ``omnicx.testing``."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from omnicx.channels import (
    WEBCHAT_SIGNATURE_HEADER,
    ChannelAdapter,
    EmailAdapter,
    Enrichment,
    InstagramAdapter,
    MessengerAdapter,
    OutboundMessage,
    ShopifyWebhook,
    StripeWebhook,
    TwilioAdapter,
    TwilioVoiceAdapter,
    WebChatAdapter,
    WebhookRequest,
    WhatsAppAdapter,
    sign_hub_sha256,
    sign_shopify,
    sign_stripe,
    sign_twilio,
    sign_webchat,
)
from omnicx.errors import SignatureError
from omnicx.testing import AdapterContract, check_mutations, voice_samples

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _outbound(to: str) -> OutboundMessage:
    return OutboundMessage(
        to=to, sender="support@shop.example", now=NOW, text="Thanks!", last_inbound_at=NOW
    )


class TestTwilioContract(AdapterContract):
    secrets = ("tw-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return TwilioAdapter(account_sid="AC1", auth_token="tw-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        url = "https://h.example/twilio"
        params = [
            ("MessageSid", "SM1"),
            ("From", "+14155550100"),
            ("To", "+14155550199"),
            ("Body", "hi there"),
        ]
        body = urlencode(params).encode()
        return [
            WebhookRequest(
                received_at=NOW,
                body=body,
                headers={"X-Twilio-Signature": sign_twilio("tw-secret", url, params)},
                url=url,
            )
        ]

    def outbound(self) -> OutboundMessage:
        return _outbound("+14155550100")


def _hub(secret: str, payload: object) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return WebhookRequest(
        received_at=NOW, body=body, headers={"X-Hub-Signature-256": sign_hub_sha256(secret, body)}
    )


class TestWhatsAppContract(AdapterContract):
    secrets = ("wa-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return WhatsAppAdapter(phone_number_id="1065", app_secret="wa-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        message = {
            "from": "16315551234",
            "id": "wamid.1",
            "timestamp": "1772452800",
            "type": "text",
            "text": {"body": "hi"},
        }
        value = {
            "contacts": [{"profile": {"name": "K"}, "wa_id": "16315551234"}],
            "messages": [message],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
        return [_hub("wa-secret", payload)]

    def outbound(self) -> OutboundMessage:
        return _outbound("+16315551234")


def _messaging(obj: str) -> dict[str, object]:
    item = {
        "sender": {"id": "678"},
        "recipient": {"id": "1"},
        "timestamp": 1772452800000,
        "message": {"mid": "m_1", "text": "hi"},
    }
    return {"object": obj, "entry": [{"id": "1", "time": 1772452800000, "messaging": [item]}]}


class TestMessengerContract(AdapterContract):
    secrets = ("fb-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return MessengerAdapter(page_id="1", app_secret="fb-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        return [_hub("fb-secret", _messaging("page"))]

    def outbound(self) -> OutboundMessage:
        return _outbound("678")


class TestInstagramContract(AdapterContract):
    secrets = ("ig-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return InstagramAdapter(page_id="1", app_secret="ig-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        return [_hub("ig-secret", _messaging("instagram"))]

    def outbound(self) -> OutboundMessage:
        return _outbound("678")


class TestEmailContract(AdapterContract):
    signed = False

    def make_adapter(self) -> ChannelAdapter:
        return EmailAdapter()

    def samples(self) -> Sequence[WebhookRequest]:
        raw = b"From: Ada <ada@example.com>\r\nMessage-ID: <a@b>\r\nSubject: Hi\r\n\r\nHello\r\n"
        return [WebhookRequest(received_at=NOW, body=raw)]

    def outbound(self) -> OutboundMessage:
        return _outbound("ada@example.com")


class TestWebChatContract(AdapterContract):
    secrets = ("chat-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return WebChatAdapter(secret="chat-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        payload = {
            "type": "message",
            "id": "m-1",
            "session_id": "s",
            "sent_at": "2026-03-02T12:00:00Z",
            "visitor": {"id": "v"},
            "text": "hi",
        }
        transcript = {
            "type": "transcript",
            "session_id": "s",
            "visitor": {"id": "v"},
            "turns": [
                {"id": "t1", "author": "bot", "sent_at": "2026-03-02T11:59:00Z", "text": "Hi"},
                {"id": "t2", "author": "visitor", "sent_at": "2026-03-02T11:59:30Z", "text": "hi"},
                {"id": "t3", "author": "agent", "agent_id": "a", "sent_at": "2026-03-02T12:00:00Z"},
            ],
        }
        requests = []
        for value in (payload, transcript):
            body = json.dumps(value).encode()
            headers = {WEBCHAT_SIGNATURE_HEADER: sign_webchat("chat-secret", body)}
            requests.append(WebhookRequest(received_at=NOW, body=body, headers=headers))
        return requests

    def outbound(self) -> OutboundMessage:
        return _outbound("s")


# Shopify and Stripe enrich profiles (their parse returns an Enrichment, their
# verify has its own shape), so they run the same mutations without the class.

_SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#9999",
    "created_at": "2026-03-02T12:00:00-05:00",
    "currency": "USD",
    "total_price": "199.00",
    "financial_status": "paid",
    "line_items": [{"quantity": 2}],
    "customer": {"id": 115310627314723954, "email": "ada@example.com", "phone": "+14155550100",
                 "first_name": "Ada", "orders_count": 3, "total_spent": "450.00",
                 "tags": "VIP, wholesale"},
}  # fmt: skip


def test_shopify_survives_every_mutation() -> None:
    webhook = ShopifyWebhook(secret="shop-secret")
    body = json.dumps(_SHOPIFY_ORDER).encode()
    sample = WebhookRequest(received_at=NOW,
        body=body,
        headers={"X-Shopify-Hmac-Sha256": sign_shopify("shop-secret", body),
                 "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"},
    )  # fmt: skip
    customer = json.dumps(_SHOPIFY_ORDER["customer"]).encode()
    sample2 = WebhookRequest(received_at=NOW,
        body=customer,
        headers={"X-Shopify-Hmac-Sha256": sign_shopify("shop-secret", customer),
                 "X-Shopify-Topic": "customers/create"},
    )  # fmt: skip

    def attempt(request: WebhookRequest) -> object:
        with contextlib.suppress(SignatureError):
            webhook.verify(request, now=NOW)
        return webhook.parse(request)

    results = check_mutations(attempt, [sample, sample2])
    assert any(isinstance(r, Enrichment) for r in results)


def test_stripe_survives_every_mutation() -> None:
    webhook = StripeWebhook(secret="whsec_x")
    event = {"id": "evt_1", "type": "charge.succeeded", "created": 1772452800,
             "data": {"object": {"id": "ch_1", "currency": "usd", "amount": 1999,
                                 "customer": "cus_1", "receipt_email": "ada@example.com",
                                 "payment_intent": "pi_1", "status": "succeeded"}}}  # fmt: skip
    body = json.dumps(event).encode()
    stamp = int(NOW.timestamp())
    sample = WebhookRequest(
        received_at=NOW,
        body=body,
        headers={"Stripe-Signature": sign_stripe("whsec_x", body, stamp)},
    )

    def attempt(request: WebhookRequest) -> object:
        with contextlib.suppress(SignatureError):
            webhook.verify(request, now=NOW)
        return webhook.parse(request)

    results = check_mutations(attempt, [sample])
    assert any(isinstance(r, Enrichment) for r in results)


class TestTwilioVoiceContract(AdapterContract):
    secrets = ("voice-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return TwilioVoiceAdapter(account_sid="AC1", auth_token="voice-secret")

    def samples(self) -> Sequence[WebhookRequest]:
        return voice_samples("voice-secret")

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(to="+14155550100", sender="+14155550199", now=NOW, text="Hello")

"""Every reference adapter passes the public contract suite in ``omnicx.testing``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from omnicx.channels import (
    RECEIVED_AT_HEADER,
    WEBCHAT_SIGNATURE_HEADER,
    ChannelAdapter,
    EmailAdapter,
    InstagramAdapter,
    MessengerAdapter,
    OutboundMessage,
    TwilioAdapter,
    WebChatAdapter,
    WhatsAppAdapter,
    sign_hub_sha256,
    sign_twilio,
    sign_webchat,
)
from omnicx.testing import AdapterContract, SignedRequest

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RECEIVED = {RECEIVED_AT_HEADER: "2026-03-02T12:00:00Z"}


def _outbound(to: str) -> OutboundMessage:
    return OutboundMessage(
        to=to, sender="support@shop.example", now=NOW, text="Thanks!", last_inbound_at=NOW
    )


class TestTwilioContract(AdapterContract):
    secrets = ("tw-secret",)
    headers = RECEIVED

    def make_adapter(self) -> ChannelAdapter:
        return TwilioAdapter(account_sid="AC1", auth_token="tw-secret")

    def samples(self) -> Sequence[SignedRequest]:
        url = "https://h.example/twilio"
        params = [
            ("MessageSid", "SM1"),
            ("From", "+14155550100"),
            ("To", "+14155550199"),
            ("Body", "hi there"),
        ]
        body = urlencode(params).encode()
        return [
            SignedRequest(
                body=body,
                headers={"X-Twilio-Signature": sign_twilio("tw-secret", url, params)},
                url=url,
            )
        ]

    def outbound(self) -> OutboundMessage:
        return _outbound("+14155550100")


def _hub(secret: str, payload: object) -> SignedRequest:
    body = json.dumps(payload).encode()
    return SignedRequest(body=body, headers={"X-Hub-Signature-256": sign_hub_sha256(secret, body)})


class TestWhatsAppContract(AdapterContract):
    secrets = ("wa-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return WhatsAppAdapter(phone_number_id="1065", app_secret="wa-secret")

    def samples(self) -> Sequence[SignedRequest]:
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

    def samples(self) -> Sequence[SignedRequest]:
        return [_hub("fb-secret", _messaging("page"))]

    def outbound(self) -> OutboundMessage:
        return _outbound("678")


class TestInstagramContract(AdapterContract):
    secrets = ("ig-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return InstagramAdapter(page_id="1", app_secret="ig-secret")

    def samples(self) -> Sequence[SignedRequest]:
        return [_hub("ig-secret", _messaging("instagram"))]

    def outbound(self) -> OutboundMessage:
        return _outbound("678")


class TestEmailContract(AdapterContract):
    signed = False
    headers = RECEIVED

    def make_adapter(self) -> ChannelAdapter:
        return EmailAdapter()

    def samples(self) -> Sequence[SignedRequest]:
        raw = b"From: Ada <ada@example.com>\r\nMessage-ID: <a@b>\r\nSubject: Hi\r\n\r\nHello\r\n"
        return [SignedRequest(body=raw)]

    def outbound(self) -> OutboundMessage:
        return _outbound("ada@example.com")


class TestWebChatContract(AdapterContract):
    secrets = ("chat-secret",)

    def make_adapter(self) -> ChannelAdapter:
        return WebChatAdapter(secret="chat-secret")

    def samples(self) -> Sequence[SignedRequest]:
        payload = {
            "type": "message",
            "id": "m-1",
            "session_id": "s",
            "sent_at": "2026-03-02T12:00:00Z",
            "visitor": {"id": "v"},
            "text": "hi",
        }
        body = json.dumps(payload).encode()
        return [
            SignedRequest(
                body=body, headers={WEBCHAT_SIGNATURE_HEADER: sign_webchat("chat-secret", body)}
            )
        ]

    def outbound(self) -> OutboundMessage:
        return _outbound("s")

"""The bundled sample week: real webhook payloads from five channels and Shopify.

Four customers write over one week (Monday 2 to Sunday 8 March 2026):

- Maya Chen, a high-value Shopify customer, emails about a late order and
  thanks the team on WhatsApp the next morning (a channel switch inside one
  conversation), then rates the support.
- Tom Becker texts that he was charged twice and wants a refund; nobody
  answers within the hour (an SLA breach). Next day he opens the web chat
  with the same phone number and lands in the same conversation.
- Lena Vogel emails a question, is answered and solved, then replies on
  the same email thread two days later about a return (a reopen).
- Jo asks a question by Instagram DM on Friday evening, after hours.
- Sam Okafor chats on the website with his email, texts from his phone, and
  then chats again giving both: his two profiles merge, with the evidence.

Every payload is in the provider's documented format and goes through the
real adapter (signature check included), exactly as a host's webhook would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import attrs

from omnicx._frozen import frozen_map
from omnicx.channels import (
    EmailAdapter,
    InstagramAdapter,
    ShopifyWebhook,
    TwilioAdapter,
    WebChatAdapter,
    WebhookRequest,
    WhatsAppAdapter,
    sign_hub_sha256,
    sign_shopify,
    sign_twilio,
    sign_webchat,
)

WEEK_START = datetime(2026, 3, 2, tzinfo=UTC)
DEMO_NOW = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)
"""The demo's "now": Sunday evening, after the sample week."""

TWILIO_URL = "https://desk.shop.example/hooks/twilio"
SECRETS = {"twilio": "tw-demo", "meta": "meta-demo", "chat": "chat-demo", "shopify": "shp-demo"}

EMAIL = EmailAdapter()
TWILIO = TwilioAdapter(account_sid="AC-demo", auth_token=SECRETS["twilio"])
WHATSAPP = WhatsAppAdapter(phone_number_id="106540352242922", app_secret=SECRETS["meta"])
INSTAGRAM = InstagramAdapter(page_id="17841400000000000", app_secret=SECRETS["meta"])
WEBCHAT = WebChatAdapter(secret=SECRETS["chat"])
SHOPIFY = ShopifyWebhook(secret=SECRETS["shopify"])


@attrs.frozen(kw_only=True)
class Delivery:
    """One webhook delivery of the sample: which adapter, the raw request."""

    at: datetime
    adapter: str
    body: bytes
    headers: Mapping[str, str] = attrs.field(converter=frozen_map)
    url: str = ""
    who: str = ""
    """Which sample customer sent it (agent steps refer to it)."""

    @property
    def request(self) -> WebhookRequest:
        """The delivery as the host receives it: received at ``at``."""
        return WebhookRequest(
            body=self.body, headers=self.headers, url=self.url, received_at=self.at
        )


@attrs.frozen(kw_only=True)
class AgentStep:
    """An agent action of the sample: ``action`` on the conversation of a customer."""

    at: datetime
    action: str
    customer: str
    agent: str = "anna"
    text: str = ""
    score: int = 0


Step = Delivery | AgentStep


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return WEEK_START.replace(day=day, hour=hour, minute=minute)


def _email(
    at: datetime,
    sender: str,
    subject: str,
    text: str,
    message_id: str,
    references: tuple[str, ...] = (),
) -> Delivery:
    threading = ""
    if references:
        # A reply carries its parent in In-Reply-To and the thread in References.
        threading = (
            f"In-Reply-To: <{references[-1]}>\r\n"
            f"References: {' '.join(f'<{r}>' for r in references)}\r\n"
        )
    raw = (
        f"From: {sender}\r\nTo: Shop Support <support@shop.example>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n{threading}"
        f"Date: {at.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n"
    ).encode()
    return Delivery(at=at, adapter="email", body=raw, headers={})


def _sms(at: datetime, phone: str, text: str, sid: str) -> Delivery:
    params = {
        "MessageSid": sid,
        "AccountSid": "AC-demo",
        "From": phone,
        "To": "+14155550199",
        "Body": text,
        "NumMedia": "0",
    }
    headers = {"X-Twilio-Signature": sign_twilio(SECRETS["twilio"], TWILIO_URL, params.items())}
    return Delivery(
        at=at, adapter="sms", body=urlencode(params).encode(), headers=headers, url=TWILIO_URL
    )


def _signed_meta(at: datetime, adapter: str, payload: Mapping[str, Any]) -> Delivery:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign_hub_sha256(SECRETS["meta"], body)}
    return Delivery(at=at, adapter=adapter, body=body, headers=headers)


def _whatsapp(at: datetime, wa_id: str, name: str, text: str, wamid: str) -> Delivery:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [
            {"from": wa_id, "id": wamid, "timestamp": str(int(at.timestamp())), "type": "text",
             "text": {"body": text}}
        ],
    }  # fmt: skip
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }
    return _signed_meta(at, "whatsapp", payload)


def _instagram(at: datetime, psid: str, text: str, mid: str) -> Delivery:
    millis = int(at.timestamp() * 1000)
    item = {
        "sender": {"id": psid},
        "recipient": {"id": "17841400000000000"},
        "timestamp": millis,
        "message": {"mid": mid, "text": text},
    }
    entry = {"id": "17841400000000000", "time": millis, "messaging": [item]}
    return _signed_meta(at, "instagram", {"object": "instagram", "entry": [entry]})


def _chat(
    at: datetime, message_id: str, session: str, visitor: Mapping[str, str], text: str
) -> Delivery:
    payload = {
        "type": "message",
        "id": message_id,
        "session_id": session,
        "sent_at": at.isoformat(),
        "visitor": dict(visitor),
        "text": text,
    }
    body = json.dumps(payload).encode()
    return Delivery(
        at=at,
        adapter="chat",
        body=body,
        headers={"X-Omnicx-Signature": sign_webchat(SECRETS["chat"], body)},
    )


def _shopify_order(at: datetime) -> Delivery:
    order = {
        "id": 5012345678901,
        "name": "#1042",
        "email": "maya.chen@example.com",
        "created_at": at.isoformat(),
        "currency": "GBP",
        "total_price": "329.00",
        "financial_status": "paid",
        "line_items": [{"quantity": 1}],
        "customer": {
            "id": 7001234567,
            "email": "Maya.Chen@example.com",
            "verified_email": True,
            "phone": "+447911123456",
            "first_name": "Maya",
            "last_name": "Chen",
            "orders_count": 9,
            "total_spent": "6120.00",
        },
    }
    body = json.dumps(order).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign_shopify(SECRETS["shopify"], body),
        "X-Shopify-Webhook-Id": "wh-1042",
    }
    return Delivery(at=at, adapter="shopify", body=body, headers=headers)


def sample_week() -> Iterator[Step]:
    """The sample week's steps, in time order."""
    sam_chat = {"id": "v-sam", "name": "Sam Okafor", "email": "sam.okafor@example.org"}
    yield attrs.evolve(_shopify_order(_at(2, 8, 55)), who="maya")
    yield attrs.evolve(
        _email(_at(2, 9, 12), "Maya Chen <Maya.Chen@Example.com>", "Order #1042 hasn't shipped",
               "Hi, my order #1042 still shows as unfulfilled. Can you check? Thanks, Maya",
               "c1f3@mail.example"),
        who="maya",
    )  # fmt: skip
    yield AgentStep(
        at=_at(2, 9, 41), action="reply", customer="maya", text="Hi Maya, it ships today."
    )
    yield attrs.evolve(
        _chat(_at(2, 11, 5), "m-s1", "s-sam-1", sam_chat, "Do you have the blue jacket in L?"),
        who="sam",
    )
    yield AgentStep(at=_at(2, 11, 20), action="reply", customer="sam", agent="ben",
                    text="Yes, in stock!")  # fmt: skip
    yield AgentStep(at=_at(2, 11, 25), action="solve", customer="sam", agent="ben")
    yield attrs.evolve(
        _whatsapp(_at(3, 8, 30), "447911123456", "Maya", "Thanks, it arrived this morning!",
                  "wamid.demo1"),
        who="maya",
    )  # fmt: skip
    yield AgentStep(at=_at(3, 9, 5), action="solve", customer="maya")
    yield AgentStep(at=_at(3, 9, 30), action="survey", customer="maya", score=5)
    yield attrs.evolve(
        _sms(_at(3, 14, 0), "+14155550100",
             "I was charged twice for order 2211, I want a refund now!", "SM-demo-1"),
        who="tom",
    )  # fmt: skip
    yield attrs.evolve(
        _chat(_at(4, 9, 0), "m-t1", "s-tom-1",
              {"id": "v-tom", "name": "Tom Becker", "phone": "+1 415 555 0100",
               "email": "tom.becker@example.com"}, "Any news on my refund?"),
        who="tom",
    )  # fmt: skip
    yield attrs.evolve(
        _sms(_at(4, 10, 15), "+447400123456", "Hi it's Sam, is the jacket back in M?", "SM-demo-2"),
        who="sam",
    )
    yield attrs.evolve(
        _email(_at(4, 11, 0), "Lena Vogel <lena.vogel@example.at>", "Shipping to Austria",
               "Hello, do you ship to Austria? Lena", "lena1@mail.example"),
        who="lena",
    )  # fmt: skip
    yield AgentStep(at=_at(4, 11, 30), action="reply", customer="lena", agent="ben",
                    text="Yes, 3-5 days to Austria.")  # fmt: skip
    yield AgentStep(at=_at(4, 11, 35), action="solve", customer="lena", agent="ben")
    yield attrs.evolve(
        _chat(_at(5, 15, 0), "m-s2", "s-sam-2", {**sam_chat, "phone": "+44 7400 123456"},
              "Following up on the jacket in M"),
        who="sam",
    )  # fmt: skip
    yield AgentStep(at=_at(5, 15, 10), action="reply", customer="sam", agent="ben",
                    text="Back in stock Friday.")  # fmt: skip
    yield attrs.evolve(
        _email(_at(6, 16, 0), "Lena Vogel <lena.vogel@example.at>", "Re: Shipping to Austria",
               "The jacket doesn't fit, can I return it?", "lena2@mail.example",
               references=("lena1@mail.example", "reply-lena@shop.example")),
        who="lena",
    )  # fmt: skip
    yield AgentStep(at=_at(6, 16, 40), action="reply", customer="lena", agent="ben",
                    text="Of course, here is your return label.")  # fmt: skip
    yield AgentStep(at=_at(6, 17, 0), action="solve", customer="lena", agent="ben")
    yield attrs.evolve(
        _instagram(_at(6, 18, 30), "17841455500001", "Is the blue jacket coming back in XS?",
                   "ig-m1"),
        who="jo",
    )  # fmt: skip
    yield AgentStep(at=_at(7, 10, 0), action="survey", customer="lena", score=4)

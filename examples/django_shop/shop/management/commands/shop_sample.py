"""``manage.py shop_sample``: post the sample webhooks to the shop's own views.

A Shopify order, a WhatsApp message and an email from one customer, and an
email from another, each signed with the shop's secrets exactly as the
provider would sign it, go through the same code a real request does
(``omnicx.contrib.django.webhooks.handle``).
"""

from __future__ import annotations

import email.utils
import json
import os
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand

from omnicx.channels import WebhookRequest, sign_hub_sha256, sign_shopify
from omnicx.contrib.django.desk import get_desk, get_settings
from omnicx.contrib.django.outbox import dispatch
from omnicx.contrib.django.webhooks import handle, sign_email


def _secret(name: str) -> str:
    return os.environ[name]


def shopify_order(at: datetime) -> tuple[bytes, dict[str, str]]:
    """Maya's order #1042, signed."""
    order = {"id": 5012345678901, "name": "#1042", "email": "maya.chen@example.com",
             "created_at": at.isoformat(), "currency": "GBP", "total_price": "329.00",
             "financial_status": "paid", "line_items": [{"quantity": 1}],
             "customer": {"id": 7001234567, "email": "maya.chen@example.com",
                          "verified_email": True, "phone": "+447911123456",
                          "first_name": "Maya", "last_name": "Chen", "orders_count": 9,
                          "total_spent": "1620.00"}}  # fmt: skip
    body = json.dumps(order).encode()
    return body, {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "sample-1042",
                  "X-Shopify-Hmac-Sha256": sign_shopify(_secret("SHOP_SHOPIFY_SECRET"), body)}  # fmt: skip


def whatsapp(at: datetime, text: str, wamid: str) -> tuple[bytes, dict[str, str]]:
    """A WhatsApp Cloud API message from Maya's phone, signed."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550100", "phone_number_id": "106540352242922"},
             "contacts": [{"profile": {"name": "Maya"}, "wa_id": "447911123456"}],
             "messages": [{"from": "447911123456", "id": wamid, "timestamp": str(int(at.timestamp())),
                           "type": "text", "text": {"body": text}}]}  # fmt: skip
    body = json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode()  # fmt: skip
    return body, {"X-Hub-Signature-256": sign_hub_sha256(_secret("SHOP_WHATSAPP_APP_SECRET"), body)}


def mail(
    at: datetime, sender: str, subject: str, text: str, message_id: str
) -> tuple[bytes, dict[str, str]]:
    """A raw email as the shop's mail relay posts it, signed."""
    raw = (f"From: {sender}\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
           f"Message-ID: <{message_id}>\r\nDate: {email.utils.format_datetime(at)}\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()  # fmt: skip
    return raw, {"X-Omnicx-Signature": sign_email(_secret("SHOP_EMAIL_SECRET"), raw)}


def sample(now: datetime) -> list[tuple[str, bytes, dict[str, str]]]:
    """The sample deliveries, oldest first: (view, body, headers)."""
    start = now - timedelta(hours=3)
    return [
        ("shopify", *shopify_order(start)),
        ("email", *mail(start + timedelta(minutes=20), "Maya Chen <maya.chen@example.com>",
                        "Order #1042 hasn't shipped",
                        "Hi, my order #1042 still shows as unfulfilled. Where is my parcel?",
                        "maya-1@mail.example")),
        ("whatsapp", *whatsapp(start + timedelta(hours=1), "Also, I was charged twice, I want a refund",
                               "wamid.sample-1")),
        ("email", *mail(start + timedelta(hours=2), "Lena Vogel <lena.vogel@example.at>",
                        "Shipping to Austria", "Hello, do you ship to Austria? Lena",
                        "lena-1@mail.example")),
    ]  # fmt: skip


class Command(BaseCommand):
    """Fill the inbox with the sample (running it again changes nothing: redeliveries)."""

    help = "Post the sample Shopify, WhatsApp and email webhooks to the shop's views."

    def handle(self, *args: Any, **options: Any) -> None:
        """Post each sample delivery and print the status each got."""
        desk = get_desk()
        channels = get_settings().channels
        for view, body, headers in sample(desk.clock.now()):
            request = WebhookRequest(method="POST", body=body, headers=headers,
                                     url=f"http://127.0.0.1/webhooks/{view}/",
                                     received_at=desk.clock.now())  # fmt: skip
            answer = handle(view, request, desk, channels)
            dispatch(answer.receipts)
            self.stdout.write(f"{view}: {answer.status}")

"""What omnicx.contrib.django's tests configure: a store factory, a fixed clock, signed payloads.

``omnicx_setting(tmp_path)`` points ``OMNICX`` at ``DjangoStore`` in the
test database (``STORE`` is a factory that can lose races on demand) and a
fixed clock; ``sqlite_store`` is a store of its own, for the tests of the
store being pluggable. The payload builders sign each body as its provider
would.
"""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.urls import include, path

from omnicx.channels import sign_hub_sha256, sign_shopify, sign_stripe, sign_twilio, sign_webchat
from omnicx.clock import FixedClock
from omnicx.contrib.django.store import DjangoStore
from omnicx.contrib.django.webhooks import sign_email
from omnicx.errors import ConflictError
from omnicx.storage import Changes, SqliteStore

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "examples" / "rules" / "support.yaml"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
_clocks = [FixedClock(NOW)]
SECRETS = {"twilio": "tw-secret", "meta": "meta-secret", "chat": "chat-secret",
           "email": "mail-secret", "shopify": "shp-secret", "stripe": "whsec_test",
           "verify": "verify-me"}  # fmt: skip
PHONE_NUMBER_ID = "106540352242922"
_store_path: list[Path] = []

urlpatterns = [
    path("webhooks/", include("omnicx.contrib.django.urls")),
    path(
        "async/", include(("omnicx.contrib.django.async_urls", "omnicx"), namespace="omnicx-async")
    ),
]
"""The tests' ``ROOT_URLCONF``: the webhook views, sync and async."""


class FlakyStore(DjangoStore):
    """A DjangoStore whose next ``conflicts`` commits lose a race (``ConflictError``)."""

    conflicts = 0

    def commit(self, changes: Changes) -> None:
        """Refuse while ``FlakyStore.conflicts`` is above 0, as a store that lost a race does."""
        if FlakyStore.conflicts > 0:
            FlakyStore.conflicts -= 1
            raise ConflictError("conversation changed since it was read")
        super().commit(changes)


def store() -> DjangoStore:
    """The desk's store in the test database (the ``STORE`` factory)."""
    return FlakyStore()


def sqlite_store() -> SqliteStore:
    """A SQLite file of the test's own: a ``STORE`` outside the project's database."""
    return SqliteStore(_store_path[-1])


def clock() -> FixedClock:
    """The test's one clock (the ``CLOCK`` factory); tests move it with ``clock().set``."""
    return _clocks[-1]


def channels() -> dict[str, Any]:
    """Every channel configured with the test secrets."""
    return {
        "twilio": {"account_sid": "AC-test", "auth_token": SECRETS["twilio"]},
        "voice": {"account_sid": "AC-test", "auth_token": SECRETS["twilio"]},
        "whatsapp": {"phone_number_id": PHONE_NUMBER_ID, "app_secret": SECRETS["meta"],
                     "verify_token": SECRETS["verify"]},
        "messenger": {"page_id": "page-1", "app_secret": SECRETS["meta"],
                      "verify_token": SECRETS["verify"]},
        "instagram": {"page_id": "ig-1", "app_secret": SECRETS["meta"]},
        "email": {"secret": SECRETS["email"]},
        "webchat": {"secret": SECRETS["chat"]},
        "shopify": {"secret": SECRETS["shopify"]},
        "stripe": {"secret": SECRETS["stripe"]},
    }  # fmt: skip


def omnicx_setting(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """An ``OMNICX`` setting on ``DjangoStore``, a fresh clock, and ``sqlite_store``'s file under ``tmp_path``."""
    _store_path.append(tmp_path / "omnicx.sqlite3")
    _clocks.append(FixedClock(NOW))
    FlakyStore.conflicts = 0
    return {
        "STORE": "omnicx_host.store",
        "CLOCK": "omnicx_host.clock",
        "RULES": str(RULES),
        "CHANNELS": channels(),
        **extra,
    }


def whatsapp(
    text: str, wamid: str = "wamid.1", wa_id: str = "447911123456"
) -> tuple[bytes, dict[str, str]]:
    """A signed WhatsApp Cloud API text message."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": wamid, "timestamp": str(int(NOW.timestamp())),
                      "type": "text", "text": {"body": text}}],
    }  # fmt: skip
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    )
    data = body.encode()
    return data, {"X-Hub-Signature-256": sign_hub_sha256(SECRETS["meta"], data)}


def meta(network: str, text: str, mid: str = "mid.1") -> tuple[bytes, dict[str, str]]:
    """A signed Messenger (``page``) or Instagram (``instagram``) message."""
    millis = int(NOW.timestamp() * 1000)
    account = "ig-1" if network == "instagram" else "page-1"  # the configured page_id
    item = {"sender": {"id": "psid-1"}, "recipient": {"id": account}, "timestamp": millis,
            "message": {"mid": mid, "text": text}}  # fmt: skip
    body = json.dumps({"object": network, "entry": [{"id": account, "time": millis,
                                                     "messaging": [item]}]}).encode()  # fmt: skip
    return body, {"X-Hub-Signature-256": sign_hub_sha256(SECRETS["meta"], body)}


def twilio(url: str, text: str, sid: str = "SM1", **extra: str) -> tuple[bytes, dict[str, str]]:
    """A signed Twilio SMS webhook posted to ``url``."""
    params = {"MessageSid": sid, "AccountSid": "AC-test", "From": "+14155550100",
              "To": "+14155550199", "Body": text, "NumMedia": "0", **extra}  # fmt: skip
    return urlencode(params).encode(), {
        "X-Twilio-Signature": sign_twilio(SECRETS["twilio"], url, params.items())
    }


def webchat(text: str, message_id: str = "m-1") -> tuple[bytes, dict[str, str]]:
    """A signed web-chat message."""
    body = json.dumps({"type": "message", "id": message_id, "session_id": "s-1",
                       "sent_at": NOW.isoformat(), "visitor": {"id": "v-9", "name": "Ada"},
                       "text": text}).encode()  # fmt: skip
    return body, {"X-Omnicx-Signature": sign_webchat(SECRETS["chat"], body)}


def mail(
    text: str,
    sender: str = "Maya Chen <maya@example.com>",
    message_id: str = "a1@mail.example",
    subject: str = "Order #1042",
) -> tuple[bytes, dict[str, str]]:
    """A signed raw RFC 5322 email."""
    raw = (
        f"From: {sender}\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: {email.utils.format_datetime(NOW)}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n"
    ).encode()
    return raw, {"X-Omnicx-Signature": sign_email(SECRETS["email"], raw)}


def shopify_order(
    topic: str = "orders/create", webhook_id: str = "wh-1"
) -> tuple[bytes, dict[str, str]]:
    """A signed Shopify order for Maya Chen."""
    order = {"id": 501, "name": "#1042", "email": "maya@example.com", "created_at": NOW.isoformat(),
             "currency": "GBP", "total_price": "329.00", "financial_status": "paid",
             "line_items": [{"quantity": 1}],
             "customer": {"id": 7001, "email": "maya@example.com", "verified_email": True,
                          "first_name": "Maya", "last_name": "Chen", "orders_count": 9,
                          "total_spent": "6120.00"}}  # fmt: skip
    body = json.dumps(order).encode()
    return body, {"X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": webhook_id,
                  "X-Shopify-Hmac-Sha256": sign_shopify(SECRETS["shopify"], body)}  # fmt: skip


def stripe_charge(
    kind: str = "charge.succeeded", event_id: str = "evt_1"
) -> tuple[bytes, dict[str, str]]:
    """A signed Stripe charge event, stamped at the test clock's now."""
    event = {"id": event_id, "type": kind, "created": int(NOW.timestamp()),
             "data": {"object": {"id": "ch_1", "object": "charge", "amount": 32900, "currency": "gbp",
                                 "customer": "cus_1", "receipt_email": "maya@example.com",
                                 "status": "succeeded"}}}  # fmt: skip
    body = json.dumps(event).encode()
    stamp = int(clock().now().timestamp())
    return body, {"Stripe-Signature": sign_stripe(SECRETS["stripe"], body, stamp)}

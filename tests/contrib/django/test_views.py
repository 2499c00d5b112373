"""The webhook views: each channel's signature, status mapping, redelivery, the outbox hand-off.

Every request goes through Django's test client to the views of
``omnicx.contrib.django.urls`` on ``DjangoStore`` in the test database; the
async twins run under ``AsyncClient`` (ASGI).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import omnicx_host as host
import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from omnicx.channels import sign_shopify, sign_stripe
from omnicx.contrib.django import outbox
from omnicx.contrib.django.desk import get_desk
from omnicx.privacy import erase_customer

# Transactions commit as in production: the outbox hands items over on commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def omnicx(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """OMNICX on this test's database, with every channel, and the test URLs."""
    settings.ROOT_URLCONF = "omnicx_host"
    settings.OMNICX = host.omnicx_setting(tmp_path)
    return settings.OMNICX  # type: ignore[no-any-return]


def post(client: Client, view: str, body: bytes, headers: dict[str, str], **kw: Any) -> Any:
    """POST ``body`` to the webhook view ``view``."""
    content_type = kw.pop("content_type", "application/json")
    return client.post(f"/webhooks/{view}/", body, content_type=content_type, headers=headers, **kw)


def test_whatsapp_message_is_received_and_routed(client: Client) -> None:
    """A signed message becomes a customer and a routed conversation; the answer names them."""
    body, headers = host.whatsapp("I want a refund, I was charged twice")
    response = post(client, "whatsapp", body, headers)
    assert response.status_code == 200
    (receipt,) = response.json()["receipts"]
    assert receipt["key"] == "in:whatsapp:wamid.1"
    assert receipt["replayed"] is False
    record = get_desk().conversation(receipt["conversation_id"])
    assert record.conversation.queue == receipt["queue"]
    assert [i.value for i in get_desk().customer(receipt["customer_id"]).identifiers] == [
        "+447911123456"
    ]


def test_a_redelivered_webhook_returns_the_first_receipt(client: Client) -> None:
    """Providers redeliver: the second POST replays, nothing is written twice."""
    body, headers = host.whatsapp("hello")
    first = post(client, "whatsapp", body, headers).json()["receipts"][0]
    again = post(client, "whatsapp", body, headers).json()["receipts"][0]
    assert again == {**first, "replayed": True}
    assert len(get_desk().timeline(first["customer_id"])) == len(
        get_desk().timeline(again["customer_id"])
    )


@pytest.mark.parametrize(
    ("view", "headers"),
    [
        ("whatsapp", {"X-Hub-Signature-256": "sha256=00"}),
        ("whatsapp", {}),
        ("meta", {"X-Hub-Signature-256": "sha256=00"}),
        ("webchat", {"X-Omnicx-Signature": "sha256=00"}),
        ("email", {"X-Omnicx-Signature": "sha256=00"}),
        ("email", {}),
        ("shopify", {"X-Shopify-Hmac-Sha256": "AAAA", "X-Shopify-Topic": "orders/create"}),
        ("stripe", {"Stripe-Signature": "t=1,v1=00"}),
        ("twilio", {"X-Twilio-Signature": "AAAA"}),
        ("voice", {"X-Twilio-Signature": "AAAA"}),
    ],
)
def test_a_bad_signature_is_401_and_writes_nothing(
    client: Client, view: str, headers: dict[str, str]
) -> None:
    """Wrong or missing signature: 401 naming the header, and the store stays empty."""
    response = post(client, view, b'{"object": "page"}', headers)
    assert response.status_code == 401
    assert "signature" in response.json()["error"].lower()
    assert get_desk().inbox().records == ()


def test_a_signed_but_malformed_body_is_400(client: Client) -> None:
    """Authentic junk is the provider's bug: 400 with the field's path."""
    body = (
        b'{"object": "whatsapp_business_account",'
        b' "entry": [{"changes": [{"field": "messages", "value": 1}]}]}'
    )
    headers = {"X-Hub-Signature-256": host.sign_hub_sha256(host.SECRETS["meta"], body)}
    response = post(client, "whatsapp", body, headers)
    assert response.status_code == 400
    assert response.json()["error"].startswith("entry[0]")


def test_an_authentic_unsupported_event_is_200_so_the_provider_stops(client: Client) -> None:
    """A Shopify topic omnicx does not take: 200 with the reason, nothing written."""
    body, headers = host.shopify_order(topic="products/update")
    response = post(client, "shopify", body, headers)
    assert response.status_code == 200
    assert response.json() == {"ignored": ["X-Shopify-Topic: unsupported Shopify topic"]}


def test_a_webchat_read_receipt_is_taken_as_a_delivery_update(client: Client) -> None:
    """Events other than messages go to the desk's matching call (or are listed as ignored)."""
    body = b'{"type": "read", "session_id": "s-1", "message_ids": ["out-1"], "at": "2026-03-02T10:01:00Z"}'
    headers = {"X-Omnicx-Signature": host.sign_webchat(host.SECRETS["chat"], body)}
    response = post(client, "webchat", body, headers)
    assert response.status_code == 200
    assert response.json() == {"receipts": [], "ignored": []}
    body = json.dumps({"type": "edit", "id": "m-1", "session_id": "s-1", "text": "x",
                       "at": "2026-03-02T10:01:00Z", "visitor": {"id": "v-9"}}).encode()  # fmt: skip
    headers = {"X-Omnicx-Signature": host.sign_webchat(host.SECRETS["chat"], body)}
    assert post(client, "webchat", body, headers).json() == {
        "receipts": [],
        "ignored": ["message.edited"],
    }


def test_meta_callback_serves_messenger_and_instagram(client: Client) -> None:
    """One callback URL: the body's ``object`` picks the adapter."""
    for network, channel in (("page", "messenger"), ("instagram", "instagram")):
        body, headers = host.meta(network, "hi there", mid=f"mid-{network}")
        response = post(client, "meta", body, headers)
        assert response.status_code == 200, response.content
        assert response.json()["receipts"][0]["key"] == f"in:{channel}:mid-{network}"


def test_meta_callback_with_another_object_is_ignored(client: Client) -> None:
    """An authentic webhook for an object neither adapter speaks: 200, ignored."""
    body = b'{"object": "user", "entry": []}'
    headers = {"X-Hub-Signature-256": host.sign_hub_sha256(host.SECRETS["meta"], body)}
    response = post(client, "meta", body, headers)
    assert response.status_code == 200
    assert "ignored" in response.json()
    # The signature is checked before the body is read: an unsigned one is 401.
    assert post(client, "meta", b"[1", headers={}).status_code == 401
    broken = b"[1"
    signed = {"X-Hub-Signature-256": host.sign_hub_sha256(host.SECRETS["meta"], broken)}
    assert post(client, "meta", broken, signed).status_code == 400


@pytest.mark.parametrize("view", ["whatsapp", "meta"])
def test_meta_verification_handshake(client: Client, view: str) -> None:
    """GET with the right verify token echoes the challenge; a wrong one is 403."""
    query = {"hub.mode": "subscribe", "hub.verify_token": host.SECRETS["verify"],
             "hub.challenge": "1158201444"}  # fmt: skip
    response = client.get(f"/webhooks/{view}/", query)
    assert (response.status_code, response.content) == (200, b"1158201444")
    assert response["Content-Type"].startswith("text/plain")
    wrong = client.get(f"/webhooks/{view}/", {**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403


def test_twilio_sms_is_verified_over_the_full_url_and_answers_twiml(client: Client) -> None:
    """Twilio signs the URL it called; the answer is an empty TwiML Response."""
    body, headers = host.twilio("http://testserver/webhooks/twilio/", "Where is my parcel?")
    response = post(client, "twilio", body, headers,
                    content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    assert response.content == b"<Response></Response>"
    assert response["Content-Type"].startswith("text/xml")
    (record,) = get_desk().inbox().records
    # No timestamp in Twilio's payload: the desk's clock stamps it.
    assert record.conversation.created_at == host.NOW


def test_a_missed_call_is_a_callback_task(client: Client) -> None:
    """Twilio Voice status callbacks: the ringing call joins nothing, the no-answer one becomes
    a conversation on voice; both are answered with empty TwiML."""
    from omnicx.testing import call_status, voice_request

    url = "http://testserver/webhooks/voice/"
    for status in ("ringing", "no-answer"):
        signed = voice_request(call_status(status, duration=0 if status != "ringing" else None),
                               auth_token=host.SECRETS["twilio"], url=url)  # fmt: skip
        response = post(client, "voice", signed.body, dict(signed.headers),
                        content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert (response.status_code, response.content) == (200, b"<Response></Response>")
    (record,) = get_desk().inbox().records
    assert record.conversation.channel.name == "voice"


def test_inbound_email_and_webchat(client: Client) -> None:
    """Raw RFC 5322 bytes and web-chat JSON, each signed, become conversations."""
    body, headers = host.mail("My order #1042 has not arrived")
    response = post(client, "email", body, headers, content_type="message/rfc822")
    assert response.json()["receipts"][0]["key"] == "in:email:a1@mail.example"
    body, headers = host.webchat("Hello from the widget")
    assert post(client, "webchat", body, headers).json()["receipts"][0]["key"] == "in:chat:m-1"


def test_shopify_order_enriches_the_customer_once(client: Client) -> None:
    """An order joins the customer's timeline; a redelivery (same webhook id) changes nothing."""
    body, headers = host.shopify_order()
    first = post(client, "shopify", body, headers).json()
    assert first["key"] == "shopify:wh-1"
    again = post(client, "shopify", body, headers).json()
    assert again == first
    events = get_desk().timeline(first["customer_id"])
    assert [e.TAG for e in events] == ["order"]
    assert get_desk().customer(first["customer_id"]).lifetime_value is not None


def test_a_refund_before_its_order_is_retried_and_a_dispute_without_customer_ignored(
    client: Client,
) -> None:
    """refunds/create for an order not recorded yet: 409 (Shopify retries); a dispute naming
    no customer: 200 with why it was not recorded (the host attributes it)."""
    refund = {"id": 9, "order_id": 501, "created_at": host.NOW.isoformat(), "transactions": []}
    body = json.dumps(refund).encode()
    headers = {"X-Shopify-Topic": "refunds/create", "X-Shopify-Webhook-Id": "wh-r",
               "X-Shopify-Hmac-Sha256": sign_shopify(host.SECRETS["shopify"], body)}  # fmt: skip
    early = post(client, "shopify", body, headers)
    assert (early.status_code, early["Retry-After"]) == (409, "60")
    assert early.json()["error"] == "no order with id 'shopify:501'; retry later"
    order, order_headers = host.shopify_order()
    customer = post(client, "shopify", order, order_headers).json()["customer_id"]
    assert post(client, "shopify", body, headers).json()["customer_id"] == customer
    dispute = {"id": "evt_d", "type": "charge.dispute.created", "created": int(host.NOW.timestamp()),
               "data": {"object": {"id": "du_1", "amount": 100, "currency": "gbp",
                                   "charge": "ch_1", "reason": "fraudulent"}}}  # fmt: skip
    raw = json.dumps(dispute).encode()
    stamp = int(host.clock().now().timestamp())
    answer = post(
        client, "stripe", raw, {"Stripe-Signature": sign_stripe(host.SECRETS["stripe"], raw, stamp)}
    )
    assert answer.status_code == 200
    assert "customer_id" in answer.json()["ignored"][0]


def test_stripe_payment_is_verified_at_the_desk_clock(client: Client) -> None:
    """Stripe's replay tolerance is judged at the desk's clock: a stale signature is 401."""
    body, headers = host.stripe_charge()
    response = post(client, "stripe", body, headers)
    assert response.status_code == 200
    assert response.json()["key"] == "stripe:evt_1"
    host.clock().set(host.NOW.replace(hour=11))
    assert post(client, "stripe", body, headers).status_code == 401


def test_an_unconfigured_channel_is_404(settings: Any, client: Client) -> None:
    """A view whose channel OMNICX does not configure answers 404, saying so."""
    settings.OMNICX = {**settings.OMNICX, "CHANNELS": {}}
    for view in ("whatsapp", "shopify", "stripe"):
        response = post(client, view, b"{}", {})
        assert response.status_code == 404
        assert "not configured" in response.json()["error"]


def test_only_post_is_taken(client: Client) -> None:
    """GET on a view without a handshake is 405 with Allow: POST."""
    response = client.get("/webhooks/webchat/")
    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_views_are_csrf_exempt(settings: Any) -> None:
    """A client enforcing CSRF checks still gets through: providers send no token."""
    client = Client(enforce_csrf_checks=True)
    body, headers = host.webchat("hi")
    assert post(client, "webchat", body, headers).status_code == 200


def test_outbox_goes_to_the_signal_and_the_sender(settings: Any, client: Client) -> None:
    """A rule's auto-reply leaves through ``outbox_ready`` and ``SENDER``, as JSON data."""
    sent: list[Any] = []
    signalled: list[Any] = []

    def receiver(sender: Any, items: list[dict[str, Any]], **_: Any) -> None:
        signalled.extend(items)

    outbox.outbox_ready.connect(receiver)
    settings.OMNICX = {**settings.OMNICX, "SENDER": sent.append,
                       "RULES": {"rules": [{"id": "ack", "then": {"queue": "general",
                                 "auto_reply": {"template": "thanks"}}}]}}  # fmt: skip
    try:
        body, headers = host.webchat("hello")
        post(client, "webchat", body, headers)
    finally:
        outbox.outbox_ready.disconnect(receiver)
    assert sent == signalled
    (item,) = sent
    assert json.loads(json.dumps(item)) == item  # JSON-able as it is: a Celery task takes it
    assert (item["kind"], item["template"], item["to"]) == ("auto_reply", "thanks", "v-9")
    assert outbox.outgoing_from_data(item).id == item["id"]
    outbox.mark_sent(item["id"])
    # Redelivered after the hand-over: nothing left to send.
    post(client, "webchat", body, headers)
    assert len(sent) == 1


def test_a_lost_race_is_retried(monkeypatch: pytest.MonkeyPatch, client: Client) -> None:
    """A commit that lost a race runs the call again; the provider sees 200 and one message."""
    monkeypatch.setattr("omnicx.storage._retry.time.sleep", lambda _: None)
    host.FlakyStore.conflicts = 2
    body, headers = host.webchat("hi")
    response = post(client, "webchat", body, headers)
    assert response.status_code == 200
    assert host.FlakyStore.conflicts == 0
    (receipt,) = response.json()["receipts"]
    assert len(get_desk().timeline(receipt["customer_id"])) >= 1


def test_endless_conflicts_are_503_for_the_provider_to_retry(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    """Every retry lost: 503 with Retry-After, nothing written, and the redelivery lands."""
    monkeypatch.setattr("omnicx.storage._retry.time.sleep", lambda _: None)
    host.FlakyStore.conflicts = 1000
    body, headers = host.webchat("hi")
    response = post(client, "webchat", body, headers)
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert get_desk().inbox().records == ()
    host.FlakyStore.conflicts = 0
    assert post(client, "webchat", body, headers).status_code == 200


def test_a_body_over_djangos_limit_is_413(settings: Any, client: Client) -> None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE bounds what a view reads."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    body, headers = host.webchat("a long message")
    assert post(client, "webchat", body, headers).status_code == 413


def test_async_views_under_asgi() -> None:
    """The async twins answer like the sync views under ASGI, redelivery included."""
    async_to_sync(_async_views)()


async def _async_views() -> None:
    async_client = AsyncClient()
    body, headers = host.whatsapp("hello from ASGI", wamid="wamid.async")
    first = await async_client.post("/async/whatsapp/", body, content_type="application/json",
                                    headers=headers)  # fmt: skip
    assert first.status_code == 200
    (receipt,) = first.json()["receipts"]
    again = await async_client.post("/async/whatsapp/", body, content_type="application/json",
                                    headers=headers)  # fmt: skip
    assert again.json()["receipts"][0] == {**receipt, "replayed": True}
    bad = await async_client.post("/async/whatsapp/", body, content_type="application/json",
                                  headers={"X-Hub-Signature-256": "sha256=0"})  # fmt: skip
    assert bad.status_code == 401
    query = {"hub.mode": "subscribe", "hub.verify_token": host.SECRETS["verify"],
             "hub.challenge": "42"}  # fmt: skip
    assert (await async_client.get("/async/whatsapp/", query)).content == b"42"


def test_an_erased_customer_writing_again_is_ignored_under_refuse(
    settings: Any, client: Client
) -> None:
    """ERASED="refuse": the desk refuses the sender; the provider gets 200, nothing is written."""
    body, headers = host.whatsapp("hello")
    customer_id = post(client, "whatsapp", body, headers).json()["receipts"][0]["customer_id"]
    desk = get_desk()
    erase_customer(desk.store, customer_id, now=host.NOW, actor="dpo", reason="request")
    settings.OMNICX = {**settings.OMNICX, "ERASED": "refuse"}
    body, headers = host.whatsapp("me again", wamid="wamid.2")
    response = post(client, "whatsapp", body, headers)
    assert response.status_code == 200
    assert response.json()["receipts"] == []
    (reason,) = response.json()["ignored"]
    assert reason.startswith("the sender's phone belongs to an erased customer")


def test_a_commerce_webhook_losing_every_race_is_503(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    """Shopify too: 503 with Retry-After after every retry lost, then the redelivery lands."""
    monkeypatch.setattr("omnicx.storage._retry.time.sleep", lambda _: None)
    host.FlakyStore.conflicts = 1000
    body, headers = host.shopify_order()
    assert post(client, "shopify", body, headers).status_code == 503
    host.FlakyStore.conflicts = 0
    assert post(client, "shopify", body, headers).status_code == 200


def test_workers_taking_the_same_webhook_at_once_record_it_once() -> None:
    """Four threads (each its own desk and connection) get one redelivered message at once.

    Each answers 200; exactly one took it in, the others replay its receipt.
    """
    body, headers = host.whatsapp("hello", wamid="wamid.race")
    barrier = threading.Barrier(4)
    answers: list[Any] = []

    def worker() -> None:
        client = Client()
        barrier.wait()
        answers.append(post(client, "whatsapp", body, headers))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 4
    receipts = [a.json()["receipts"][0] for a in answers]
    assert sorted(r["replayed"] for r in receipts) == [False, True, True, True]
    assert len({r["conversation_id"] for r in receipts}) == 1


def test_a_store_of_its_own_keeps_omnicx_out_of_the_project_database(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    """STORE is pluggable: a SQLite file of its own takes the webhook, the omnicx_* tables stay empty."""
    from omnicx.contrib.django import models
    from omnicx.storage import SqliteStore

    settings.OMNICX = {**settings.OMNICX, "STORE": "omnicx_host.sqlite_store"}
    body, headers = host.whatsapp("hello from another store", wamid="wamid.own")
    (receipt,) = post(client, "whatsapp", body, headers).json()["receipts"]
    with SqliteStore(tmp_path / "omnicx.sqlite3") as own:
        assert own.conversation(receipt["conversation_id"]) is not None
    assert not models.Event.objects.exists()


def test_meta_callback_ignores_a_page_it_is_not_configured_for(client: Client) -> None:
    """Another page's webhook at the shared URL: authentic, so 200, and nothing received."""
    body, _ = host.meta("page", "hi there", mid="mid-foreign")
    body = body.replace(b'"page-1"', b'"page-9"')
    headers = {"X-Hub-Signature-256": host.sign_hub_sha256(host.SECRETS["meta"], body)}
    response = post(client, "meta", body, headers)
    assert response.status_code == 200
    assert "page-9" in response.json()["ignored"][0]

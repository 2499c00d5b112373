"""Hostile input never escapes an adapter as a builtin exception: the five known causes.

Each regression test is one input that used to escape (``OverflowError``,
``ValueError``, ``UnicodeEncodeError``); the contract suite's mutations
(``tests/channels/test_contract.py``) cover the whole family.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from tests.channels.requests import request

from omnicx import FixedClock
from omnicx.channels import (
    Capabilities,
    ChannelEvent,
    EmailAdapter,
    MessageReceived,
    OutboundMessage,
    OutboundRequest,
    ShopifyWebhook,
    StripeWebhook,
    TwilioAdapter,
    WebChatAdapter,
    WebhookRequest,
    WhatsAppAdapter,
    _ids,
    sign_stripe,
)
from omnicx.channels._wire import load_json
from omnicx.desk import Desk
from omnicx.errors import PayloadError, SignatureError, ValidationError
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.storage import SqliteStore
from omnicx.testing import AdapterContract, check_mutations, verify_then_parse

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
TWILIO_BODY = b"MessageSid=SM1&From=%2B14155550100&To=%2B14155550199&Body=hi"


def _whatsapp(timestamp: object) -> bytes:
    message = {"from": "16315551234", "id": "wamid.1", "timestamp": timestamp, "type": "text",
               "text": {"body": "hi"}}  # fmt: skip
    value = {"messages": [message]}
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }).encode()  # fmt: skip


# -- 1. JSON integers too large for a float -----------------------------------


def test_an_integer_past_a_float_is_an_invalid_value_not_an_overflow() -> None:
    adapter = WhatsAppAdapter(phone_number_id="1065", app_secret="s")
    with pytest.raises(PayloadError, match="not a finite number") as caught:
        adapter.parse(request(_whatsapp(10**400)))
    assert caught.value.field == "entry[0].changes[0].value.messages[0].timestamp"


def test_huge_amounts_and_counts_are_refused_by_every_json_parser() -> None:
    stripe = {"id": "evt", "type": "charge.succeeded", "created": 1,
              "data": {"object": {"id": "ch", "currency": "usd", "amount": 10**400,
                                  "customer": "cus"}}}  # fmt: skip
    with pytest.raises(PayloadError, match="finite"):
        StripeWebhook(secret="s").parse(request(json.dumps(stripe).encode()))
    customer = {"id": 1, "orders_count": -(10**400)}
    with pytest.raises(PayloadError, match="finite"):
        ShopifyWebhook(secret="s").parse(
            request(json.dumps(customer).encode(), {"X-Shopify-Topic": "customers/create"})
        )


# -- 2. dates at the edge of the range ---------------------------------------


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_iso_date_with_no_utc_form_is_out_of_range(stamp: str) -> None:
    payload = {"type": "message", "id": "m", "session_id": "s", "sent_at": stamp,
               "visitor": {"id": "v"}, "text": "hi"}  # fmt: skip
    with pytest.raises(PayloadError, match="out of range") as caught:
        WebChatAdapter(secret="s").parse(request(json.dumps(payload).encode()))
    assert caught.value.field == "sent_at"


def test_an_email_dated_past_9999_in_utc_takes_the_received_time() -> None:
    raw = b"From: a@example.com\r\nDate: Fri, 31 Dec 9999 23:59:59 -0100\r\n\r\nhi\r\n"
    (event,) = EmailAdapter().parse(request(raw))
    assert isinstance(event, MessageReceived)
    assert event.message.sent_at == NOW


# -- 3. Twilio's Date header fallback: gone, no client header dates a message ----


@pytest.mark.parametrize(
    "headers",
    [
        {"Date": "Fri, 31 Dec 9999 23:59:59 -0100"},
        {"X-Omnicx-Received-At": "9999-12-31T23:59:59-01:00"},
    ],
)
def test_twilio_ignores_date_headers_a_client_can_send(headers: dict[str, str]) -> None:
    adapter = TwilioAdapter(account_sid="AC1", auth_token="t")
    (event,) = adapter.parse(request(TWILIO_BODY, headers))
    assert isinstance(event, MessageReceived)
    assert event.message.sent_at == NOW


# -- 4. Stripe's signature header, read before any HMAC check ------------------


@pytest.mark.parametrize("stamp", ["9" * 400, "\u00b2", "\u0661\u0662", "-1", "1e9", ""])
def test_stripe_timestamps_that_are_not_plain_digits_are_signature_errors(stamp: str) -> None:
    # Reachable by anyone: no secret is needed to send this header.
    headers = {"Stripe-Signature": f"t={stamp},v1=00"}
    with pytest.raises(SignatureError, match="lacks a timestamp") as caught:
        StripeWebhook(secret="s").verify(request(b"{}", headers), now=NOW)
    assert caught.value.header == "Stripe-Signature"


def test_stripe_signature_still_verifies_a_real_header() -> None:
    stamp = int(NOW.timestamp())
    headers = {"Stripe-Signature": sign_stripe("s", b"{}", stamp)}
    StripeWebhook(secret="s").verify(request(b"{}", headers), now=NOW)


# -- 5. lone surrogates --------------------------------------------------------


def test_a_lone_surrogate_in_an_email_address_is_no_identifier() -> None:
    # It used to raise UnicodeEncodeError from the IDNA codec.
    assert _ids.email("\ud800@example.com") == ()
    assert _ids.email("ada@ex\udc80ample.com") == ()


def test_a_lone_surrogate_escape_in_an_email_address_is_replaced() -> None:
    payload = {"type": "message", "id": "m", "session_id": "s",
               "sent_at": "2026-03-02T12:00:00Z",
               "visitor": {"id": "v", "email": "\ud800@example.com"}, "text": "hi"}  # fmt: skip
    body = json.dumps(payload).encode()  # ASCII JSON: the surrogate as a \ud800 escape
    (event,) = WebChatAdapter(secret="s").parse(request(body))
    assert isinstance(event, MessageReceived)
    assert [i.value for i in event.sender] == ["v", "\ufffd@example.com"]


def test_lone_surrogate_escapes_decode_to_the_replacement_character() -> None:
    body = b'{"a\\ud800": ["x\\udc00y", {"k": "\\ud83d\\ude00"}]}'
    assert load_json(body).value == {"a\ufffd": ["x\ufffdy", {"k": "\U0001f600"}]}


def test_a_lone_surrogate_in_message_text_is_stored_replaced() -> None:
    payload = {"type": "message", "id": "m", "session_id": "s",
               "sent_at": "2026-03-02T12:00:00Z", "visitor": {"id": "v"},
               "text": "cut emoji \ud83d"}  # fmt: skip
    (event,) = WebChatAdapter(secret="s").parse(request(json.dumps(payload).encode()))
    assert isinstance(event, MessageReceived)
    store = SqliteStore()
    receipt = Desk(store=store, clock=FixedClock(NOW)).receive(event)
    texts = [
        getattr(e, "message").text  # noqa: B009 - only message events have one
        for e in store.events(conversation_id=receipt.conversation_id)
        if hasattr(e, "message")
    ]
    assert texts == ["cut emoji \ufffd"]


def test_the_desk_refuses_a_host_made_surrogate_with_a_typed_error() -> None:
    # A host's own adapter can still hand one over: typed, nothing written.
    message = Message(id="chat:m", channel=Channel.CHAT, direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=NOW,
                      text="half \udc80", external_id="m")  # fmt: skip
    desk = Desk(store=SqliteStore(), clock=FixedClock(NOW))
    with pytest.raises(ValidationError):
        desk.receive(MessageReceived(message=message))


# -- the contract suite fails an adapter that lets builtin exceptions out ------


class _KeyErrorAdapter:
    """Parses web-chat JSON with plain indexing: a missing key is a KeyError."""

    channel = Channel.CHAT
    capabilities = Capabilities()

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Accept everything."""

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Read ``id`` and ``text`` by indexing, the bug the suite must catch."""
        root = load_json(request.body).obj()
        message = Message(id=f"chat:{root['id']}", channel=Channel.CHAT,
                          direction=Direction.INBOUND, author=Author(kind=AuthorKind.CUSTOMER),
                          sent_at=NOW, text=str(root["text"]), external_id=str(root["id"]))  # fmt: skip
        return (MessageReceived(message=message),)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """Nothing to send."""
        return ()


class _BrokenContract(AdapterContract):
    signed = False

    def make_adapter(self) -> _KeyErrorAdapter:  # type: ignore[override]
        return _KeyErrorAdapter()

    def samples(self) -> Sequence[WebhookRequest]:
        return [WebhookRequest(received_at=NOW, body=b'{"id": "m-1", "text": "hi"}')]


def test_the_valid_samples_of_a_broken_adapter_pass_the_old_checks() -> None:
    contract = _BrokenContract()
    contract.test_samples_verify_and_parse()
    contract.test_implements_the_protocol()


def test_the_mutations_fail_an_adapter_whose_parse_raises_key_error() -> None:
    with pytest.raises(AssertionError, match=r"drop \['id'\]: KeyError escaped"):
        _BrokenContract().test_mutated_samples_parse_or_refuse_and_store()


def test_check_mutations_names_the_mutation_and_the_exception() -> None:
    adapter = _KeyErrorAdapter()
    with pytest.raises(AssertionError, match=r"drop \['text'\]: KeyError"):
        check_mutations(
            lambda request: verify_then_parse(adapter, request),  # type: ignore[arg-type]
            [WebhookRequest(received_at=NOW, body=b'{"text": "hi", "id": "m-1"}')],
        )

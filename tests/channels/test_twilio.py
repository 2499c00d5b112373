"""Twilio Messaging: form-encoded inbound SMS/MMS/WhatsApp webhooks, status callbacks, rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

import pytest
from tests.channels.requests import request

from omnicx.channels import (
    DeliveryState,
    DeliveryUpdate,
    MessageReceived,
    OutboundMessage,
    RenderRefused,
    SendCheck,
    Template,
    TwilioAdapter,
    sign_twilio,
)
from omnicx.errors import PayloadError, PayloadReason, SignatureError
from omnicx.model import Channel, Direction, Identifier

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
URL = "https://support.example/hooks/twilio?tenant=7"
ADAPTER = TwilioAdapter(account_sid="AC123", auth_token="tw-secret")

# Twilio's documented inbound-message parameters.
SMS = {
    "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "AccountSid": "AC123",
    "MessagingServiceSid": "MG123",
    "From": "+14155550100",
    "To": "+14155550199",
    "Body": "Where is my order?",
    "NumMedia": "0",
    "NumSegments": "1",
    "SmsStatus": "received",
    "ApiVersion": "2010-04-01",
    "FromCountry": "US",
}


def form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


def parse_one(params: dict[str, str]) -> MessageReceived:
    (event,) = ADAPTER.parse(request(form(params)))
    assert isinstance(event, MessageReceived)
    return event


def test_inbound_sms_maps_every_field() -> None:
    """MessageSid is the external id, From an E.164 phone, Body the text, the header the instant."""
    event = parse_one(SMS)
    message = event.message
    assert message.id == "sms:SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.external_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.channel == Channel.SMS
    assert message.direction is Direction.INBOUND
    assert message.text == "Where is my order?"
    assert message.sent_at == NOW
    assert message.metadata == {"to": "+14155550199", "account_sid": "AC123"}
    assert event.sender == (Identifier.phone("+14155550100", verified=True),)


def test_mms_media_become_attachments() -> None:
    """MediaUrlN / MediaContentTypeN become attachment metadata (no bytes)."""
    url = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1"
    event = parse_one({**SMS, "NumMedia": "1", "MediaUrl0": url, "MediaContentType0": "image/jpeg"})
    (attachment,) = event.message.attachments
    assert (attachment.url, attachment.content_type, attachment.external_id) == (
        url,
        "image/jpeg",
        "ME1",
    )


def test_whatsapp_via_twilio() -> None:
    """A ``whatsapp:`` sender is a WhatsApp message; ProfileName is the display name."""
    event = parse_one(
        {
            **SMS,
            "From": "whatsapp:+447911123456",
            "To": "whatsapp:+14155550199",
            "ProfileName": "Ada L",
            "WaId": "447911123456",
        }
    )
    assert event.message.channel == Channel.WHATSAPP
    assert event.sender == (Identifier.phone("+447911123456", verified=True),)
    assert event.sender_name == event.message.author.name == "Ada L"


def test_whatsapp_button_and_location_extras() -> None:
    """Twilio's WhatsApp quick-reply and location parameters land in text and metadata."""
    wa = {
        **SMS,
        "From": "whatsapp:+447911123456",
        "Body": "",
        "ButtonText": "Track",
        "ButtonPayload": "track-1",
        "Latitude": "51.5",
        "Longitude": "-0.12",
        "Label": "Home",
    }
    event = parse_one(wa)
    assert event.message.text == "Track"
    assert event.message.metadata == {
        "to": "+14155550199",
        "account_sid": "AC123",
        "reply_id": "track-1",
        "latitude": "51.5",
        "longitude": "-0.12",
        "label": "Home",
    }


def test_short_code_sender_is_a_handle() -> None:
    """A sender identity rules refuse as a phone (a short code) stays an sms handle."""
    event = parse_one({**SMS, "From": "72345"})
    assert event.sender == (Identifier.handle("sms", "72345", verified=True),)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("sent", DeliveryState.SENT),
        ("delivered", DeliveryState.DELIVERED),
        ("read", DeliveryState.READ),
        ("undelivered", DeliveryState.FAILED),
        ("failed", DeliveryState.FAILED),
    ],
)
def test_status_callbacks(status: str, state: DeliveryState) -> None:
    """MessageStatus callbacks become delivery updates; ErrorCode is kept."""
    params = {
        "MessageSid": "SM9",
        "MessageStatus": status,
        "To": "+14155550100",
        "From": "+14155550199",
        "ErrorCode": "30003" if state is DeliveryState.FAILED else "",
    }
    (event,) = ADAPTER.parse(request(form(params)))
    assert event == DeliveryUpdate(
        channel=Channel.SMS,
        external_id="SM9",
        state=state,
        at=NOW,
        recipient=(Identifier.phone("+14155550100", verified=True),),
        error_code="30003" if state is DeliveryState.FAILED else None,
    )


def test_in_flight_statuses_yield_nothing() -> None:
    """queued/sending/accepted are internal progress: no events."""
    assert ADAPTER.parse(request(form({"MessageSid": "SM9", "MessageStatus": "queued"}))) == ()


@pytest.mark.parametrize(
    ("params", "message", "reason"),
    [
        ({"Body": "x"}, "MessageSid: required field is missing", PayloadReason.MISSING_FIELD),
        ({"MessageSid": "SM1"}, "From: required field is missing", PayloadReason.MISSING_FIELD),
        (
            {"MessageSid": "SM1", "MessageStatus": "exploded"},
            "MessageStatus: unknown message status",
            PayloadReason.INVALID_VALUE,
        ),
        ({**SMS, "NumMedia": "two"}, "NumMedia: expected an integer", PayloadReason.WRONG_TYPE),
    ],
)
def test_bad_payloads(params: dict[str, str], message: str, reason: PayloadReason) -> None:
    """Missing or wrong fields are PayloadErrors with the field and reason."""
    with pytest.raises(PayloadError) as info:
        ADAPTER.parse(request(form(params)))
    assert str(info.value) == message
    assert info.value.reason is reason


@pytest.mark.parametrize(
    "forged",
    [
        {"X-Omnicx-Received-At": "2020-01-01T00:00:00Z"},
        {"Date": "Wed, 01 Jan 2020 00:00:00 GMT"},
        {"Date": "Fri, 31 Dec 9999 23:59:59 -0100"},
        {"Date": "not a date", "X-Omnicx-Received-At": "yesterday"},
    ],
)
def test_a_forged_client_header_cannot_set_the_received_time(forged: dict[str, str]) -> None:
    """Twilio sends no timestamp: the instant is the host's ``received_at``, whatever
    headers the request carries (a client can send any header; none is trusted)."""
    (event,) = ADAPTER.parse(request(form(SMS), forged))
    assert isinstance(event, MessageReceived)
    assert event.message.sent_at == NOW
    assert event.received_at == NOW


def test_the_instant_is_the_hosts_received_at() -> None:
    """Another receipt instant dates the same message by it (in UTC)."""
    later = datetime(2026, 3, 2, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    (event,) = ADAPTER.parse(request(form(SMS), at=later))
    assert isinstance(event, MessageReceived)
    assert event.message.sent_at == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


def test_invalid_utf8_form_is_malformed() -> None:
    """Percent-encoded bytes that are not UTF-8 are refused as MALFORMED."""
    with pytest.raises(PayloadError, match="body is not a UTF-8 form"):
        ADAPTER.parse(request(b"Body=%ff%fe"))


def test_verify_uses_url_and_sorted_params() -> None:
    """X-Twilio-Signature over the full URL and the form verifies; a wrong token fails."""
    body = form(SMS)
    signature = sign_twilio("tw-secret", URL, SMS.items())
    signed = request(body, {"X-Twilio-Signature": signature}, url=URL)
    ADAPTER.verify(signed, now=NOW)
    with pytest.raises(SignatureError):
        TwilioAdapter(account_sid="AC123", auth_token="other").verify(signed, now=NOW)


def test_secret_not_in_repr() -> None:
    """The auth token never shows in the adapter's repr."""
    assert "tw-secret" not in repr(ADAPTER)


def test_render_sms_splits_long_text() -> None:
    """Text over 1,600 characters becomes several Messages API POSTs; media ride on the first."""
    from omnicx.model import Attachment

    outbound = OutboundMessage(
        to="+14155550100",
        sender="+14155550199",
        now=NOW,
        text="word " * 400,
        attachments=(Attachment(url="https://cdn.example/a.png", content_type="image/png"),),
    )
    requests = ADAPTER.render(outbound)
    assert len(requests) == 2
    first = parse_qs(requests[0].body.decode())
    assert requests[0].url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert requests[0].headers == {"Content-Type": "application/x-www-form-urlencoded"}
    assert first["To"] == ["+14155550100"]
    assert first["From"] == ["+14155550199"]
    assert first["MediaUrl"] == ["https://cdn.example/a.png"]
    assert "MediaUrl" not in parse_qs(requests[1].body.decode())
    assert "".join(parse_qs(r.body.decode())["Body"][0] for r in requests) == outbound.text


def test_render_refuses_long_text_when_configured() -> None:
    """With LongText.REFUSE, text over the limit is refused before sending."""
    from omnicx.channels import LongText

    adapter = TwilioAdapter(account_sid="AC1", auth_token="t", long_text=LongText.REFUSE)
    outbound = OutboundMessage(to="+14155550100", now=NOW, text="x" * 1601)
    assert adapter.check(outbound) is SendCheck.TOO_LONG
    with pytest.raises(RenderRefused):
        adapter.render(outbound)


def test_render_whatsapp_window_and_template() -> None:
    """WhatsApp via Twilio: free-form inside 24 h, a Content template after it."""
    adapter = TwilioAdapter(account_sid="AC1", auth_token="t", whatsapp=True)
    assert adapter.channel == Channel.WHATSAPP
    late = OutboundMessage(
        to="+447911123456", now=NOW, text="hi", last_inbound_at=NOW - timedelta(hours=25)
    )
    assert adapter.check(late) is SendCheck.WINDOW_CLOSED
    with pytest.raises(RenderRefused):
        adapter.render(late)
    template = OutboundMessage(
        to="+447911123456",
        sender="+14155550199",
        now=NOW,
        template=Template(name="HX123", parameters=("Ada", "#1001")),
    )
    (request,) = adapter.render(template)
    fields = parse_qs(request.body.decode())
    assert fields["To"] == ["whatsapp:+447911123456"]
    assert fields["From"] == ["whatsapp:+14155550199"]
    assert fields["ContentSid"] == ["HX123"]
    assert fields["ContentVariables"] == ['{"1": "Ada", "2": "#1001"}']

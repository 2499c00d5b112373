"""Twilio Messaging: SMS, MMS and WhatsApp via Twilio, form-encoded webhooks.

Inbound messages and status callbacks both arrive as
``application/x-www-form-urlencoded`` POSTs signed with ``X-Twilio-Signature``.
Twilio puts no timestamp in them: the instant is ``request.received_at``,
the host's clock when the request arrived (no header can set it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlencode

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import message_id, parse_form
from omnicx.channels._events import (
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    Location,
    MessageReceived,
    Reply,
    ReplyKind,
)
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._signatures import verify_twilio
from omnicx.channels._wire import entry_point
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import (
    Attachment,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
)

_API = "https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
_WHATSAPP_PREFIX = "whatsapp:"

# Twilio's MessageStatus values; queued/accepted/sending/scheduled are
# internal progress a support timeline does not need, so they yield nothing.
_STATES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "failed": DeliveryState.FAILED,
    "undelivered": DeliveryState.FAILED,
    "canceled": DeliveryState.FAILED,
}
_INBOUND = frozenset({"received", "receiving"})
_IGNORED = frozenset({"queued", "accepted", "sending", "scheduled"})

# Twilio: "The text of the message you want to send. Can be up to 1,600 characters in length."
_SMS = Capabilities(max_text_length=1600, attachments=True, delivery_receipts=True)
# WhatsApp Business Policy: free-form messages only within 24 hours of the user's last message.
_WHATSAPP = Capabilities(
    max_text_length=1600,
    attachments=True,
    templates=True,
    reply_window=timedelta(hours=24),
    delivery_receipts=True,
)


def verify_request(auth_token: str, request: WebhookRequest) -> None:
    """Check a Twilio webhook's ``X-Twilio-Signature`` (Messaging and Voice sign alike).

    Twilio: the signature is the Base64 HMAC-SHA1, keyed with the auth
    token, of the full URL followed by each POST parameter's name and value,
    sorted by name.
    """
    verify_twilio(auth_token, request.url, parse_form(request.body), request.headers)


@attrs.frozen(kw_only=True)
class TwilioAdapter:
    """Twilio Messaging webhooks and Messages API requests.

    Attributes:
        account_sid: the account the Messages API URL is built for.
        auth_token: the secret ``X-Twilio-Signature`` is keyed with (never shown).
        whatsapp: True for a WhatsApp sender (``whatsapp:`` addresses, 24-hour window).
        region: the default region for national-format numbers (``"GB"``).
        long_text: split or refuse text over 1,600 characters.
    """

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    whatsapp: bool = False
    region: str | None = None
    long_text: LongText = LongText.SPLIT

    @property
    def channel(self) -> Channel:
        """``Channel.WHATSAPP`` for a WhatsApp sender, else ``Channel.SMS``."""
        return Channel.WHATSAPP if self.whatsapp else Channel.SMS

    @property
    def capabilities(self) -> Capabilities:
        """MMS attachments, 1,600 characters; WhatsApp adds templates and the 24-hour window."""
        return _WHATSAPP if self.whatsapp else _SMS

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Twilio-Signature`` over ``request.url`` (query included) and the form."""
        verify_request(self.auth_token, request)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """An inbound message, a delivery update, or nothing for in-flight statuses.

        Twilio's payload has no timestamp: both are dated ``request.received_at``.
        """
        form = dict(parse_form(request.body))
        sid = form.get("MessageSid") or form.get("SmsSid")
        if not sid:
            raise PayloadError(
                PayloadReason.MISSING_FIELD, "required field is missing", field="MessageSid"
            )
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "received").lower()
        if status in _IGNORED:
            return ()
        at = request.received_at
        if status in _STATES:
            channel = self._channel_of(form.get("To", ""))
            return (
                DeliveryUpdate(
                    channel=channel,
                    external_id=sid,
                    state=_STATES[status],
                    at=at,
                    recipient=self._address(form.get("To", "")),
                    error_code=form.get("ErrorCode") or None,
                    received_by=_bare(form.get("From", "")),
                ),
            )
        if status not in _INBOUND:
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "unknown message status", field="MessageStatus"
            )
        sender = form.get("From", "")
        if not sender:
            raise PayloadError(
                PayloadReason.MISSING_FIELD, "required field is missing", field="From"
            )
        channel = self._channel_of(sender)
        identifiers = self._address(sender)
        if form.get("WaId"):
            identifiers = identifiers or _ids.phone_or_handle(form["WaId"], "whatsapp")
        message = Message(
            id=message_id(channel, sid),
            channel=channel,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER, name=form.get("ProfileName") or None),
            sent_at=at,
            text=form.get("Body", "") or form.get("ButtonText", ""),
            attachments=_media(form),
            external_id=sid,
            metadata=_metadata(form),
        )
        return (
            MessageReceived(
                message=message,
                sender=identifiers,
                sender_name=form.get("ProfileName") or None,
                received_at=at,
                reply=_reply(form),
                location=_location(form),
                received_by=_bare(form.get("To", "")),
            ),
        )

    def _channel_of(self, address: str) -> Channel:
        return Channel.WHATSAPP if address.startswith(_WHATSAPP_PREFIX) else Channel.SMS

    def _address(self, address: str) -> tuple[Identifier, ...]:
        network = "whatsapp" if address.startswith(_WHATSAPP_PREFIX) else "sms"
        if not address:
            return ()
        return _ids.phone_or_handle(address, network, region=self.region)

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return check_send(outbound, self.capabilities, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """Messages API POSTs, one per text part; media go with the first.

        The host adds HTTP Basic credentials (account SID and auth token).
        A template is sent as Twilio Content: ``template.name`` is the
        ``ContentSid``, parameters become ``ContentVariables`` ``{"1": ...}``.
        """
        parts = enforce(self.channel.name, outbound, self.capabilities, self.long_text)
        prefix = _WHATSAPP_PREFIX if self.whatsapp else ""
        base: list[tuple[str, str]] = [("To", prefix + outbound.to.removeprefix(prefix))]
        if outbound.sender:
            base.append(("From", prefix + outbound.sender.removeprefix(prefix)))
        url = _API.format(account=self.account_sid)
        if outbound.template is not None:
            variables = {str(i): p for i, p in enumerate(outbound.template.parameters, start=1)}
            fields = [
                *base,
                ("ContentSid", outbound.template.name),
                ("ContentVariables", json.dumps(variables, ensure_ascii=False)),
            ]
            return (_post(url, fields),)
        media = [("MediaUrl", a.url) for a in outbound.attachments if a.url]
        texts = parts or ("",)
        return tuple(
            _post(url, [*base, ("Body", text), *(media if index == 0 else [])])
            for index, text in enumerate(texts)
        )


def _post(url: str, fields: list[tuple[str, str]]) -> OutboundRequest:
    return OutboundRequest(
        method="POST",
        url=url,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(fields).encode("ascii"),
    )


# WhatsApp via Twilio adds quick-reply buttons (ButtonPayload/ButtonText) and
# shared locations (Latitude/Longitude/Address/Label) as extra parameters.
_EXTRAS = {
    "ButtonPayload": "reply_id",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "Address": "address",
    "Label": "label",
}


def _bare(address: str) -> str | None:
    # Twilio writes WhatsApp addresses as "whatsapp:+14155550199": the number is what follows.
    return address.removeprefix(_WHATSAPP_PREFIX) or None


def _reply(form: Mapping[str, str]) -> Reply | None:
    payload = form.get("ButtonPayload")
    if not payload:
        return None
    return Reply(kind=ReplyKind.TEMPLATE_BUTTON, id=payload, title=form.get("ButtonText", ""))


def _location(form: Mapping[str, str]) -> Location | None:
    try:
        latitude, longitude = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        return None  # no shared place, or one whose coordinates are not numbers
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None  # also refuses nan and inf, which compare false
    return Location(
        latitude=latitude,
        longitude=longitude,
        name=form.get("Label") or None,
        address=form.get("Address") or None,
    )


def _metadata(form: Mapping[str, str]) -> dict[str, str]:
    found = {"to": _bare(form.get("To", "")) or "", "account_sid": form.get("AccountSid", "")}
    found.update({key: form[name] for name, key in _EXTRAS.items() if form.get(name)})
    return found


def _media(form: Mapping[str, str]) -> tuple[Attachment, ...]:
    try:
        count = int(form.get("NumMedia", "0") or "0")
    except ValueError:
        raise PayloadError(
            PayloadReason.WRONG_TYPE, "expected an integer", field="NumMedia"
        ) from None
    found = []
    for index in range(max(0, min(count, 10))):  # Twilio MMS carries at most 10 media
        url = form.get(f"MediaUrl{index}")
        if url:
            kind = form.get(f"MediaContentType{index}") or "application/octet-stream"
            found.append(Attachment(content_type=kind, url=url, external_id=url.rsplit("/", 1)[-1]))
    return tuple(found)

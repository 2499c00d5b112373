"""A complete custom channel adapter: a Telegram-style bot webhook.

The provider POSTs JSON updates and puts a shared secret token in the
``X-Telegram-Bot-Api-Secret-Token`` header::

    {"update_id": 1001,
     "message": {"message_id": 77, "date": 1772452800, "text": "Hello",
                 "from": {"id": 123456, "first_name": "Ada", "username": "ada_l"},
                 "chat": {"id": 123456}}}

Replies go out as ``POST {api}/sendMessage`` with ``{"chat_id", "text"}``.
Run this file to parse a sample update and render a reply; the contract
suite in ``omnicx.testing`` checks the adapter in tests/channels.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import attrs

from omnicx.channels import (
    Capabilities,
    ChannelEvent,
    MessageReceived,
    OutboundMessage,
    OutboundRequest,
    RenderRefused,
    SendCheck,
    WebhookRequest,
    split_text,
)
from omnicx.errors import PayloadError, PayloadReason, SignatureError, ValidationError
from omnicx.identity import handle_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram Bot API, sendMessage: "Text of the message to be sent, 1-4096 characters".
CAPABILITIES = Capabilities(max_text_length=4096)


def _field(container: object, key: str, kind: type, path: str) -> object:
    # One place turns a wrong or missing wire field into a PayloadError with its path.
    if not isinstance(container, dict) or key not in container:
        raise PayloadError(PayloadReason.MISSING_FIELD, "required field is missing", field=path)
    value = container[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise PayloadError(PayloadReason.WRONG_TYPE, f"expected {kind.__name__}", field=path)
    return value


@attrs.frozen(kw_only=True)
class TelegramAdapter:
    """A Telegram-style bot: JSON updates in, sendMessage requests out."""

    api_url: str
    secret_token: str = attrs.field(repr=False)

    @property
    def channel(self) -> Channel:
        """The host-defined ``telegram`` channel."""
        return Channel("telegram")

    @property
    def capabilities(self) -> Capabilities:
        """4,096 characters, no attachments, no window."""
        return CAPABILITIES

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Compare the secret token header in constant time (headers look up any case)."""
        given = request.headers.get(SECRET_HEADER, "")
        if not given:
            raise SignatureError(SECRET_HEADER, "missing signature header")
        # errors="replace": a header can carry a lone surrogate, which has no UTF-8 form.
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.secret_token.encode()):
            raise SignatureError(SECRET_HEADER, "signature does not match the request")

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """One message per update; updates without a message (edits, joins) yield nothing."""
        try:
            update = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise PayloadError(PayloadReason.MALFORMED, "body is not UTF-8 JSON") from None
        if not isinstance(update, dict) or "message" not in update:
            return ()
        message = _field(update, "message", dict, "message")
        sender = _field(message, "from", dict, "message.from")
        user_id = _field(sender, "id", int, "message.from.id")
        message_id = _field(message, "message_id", int, "message.message_id")
        date = _field(message, "date", int, "message.date")
        text = message.get("text", "") if isinstance(message, dict) else ""
        name = sender.get("first_name") if isinstance(sender, dict) else None
        try:
            sent_at = datetime.fromtimestamp(float(date), tz=UTC)  # type: ignore[arg-type]
        except (OverflowError, OSError, ValueError):
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "timestamp out of range", field="message.date"
            ) from None
        external = f"{user_id}:{message_id}"
        try:
            sender_id = handle_identifier("telegram", str(user_id), verified=True)
        except ValidationError:
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "not a user id", field="message.from.id"
            ) from None
        return (
            MessageReceived(
                message=Message(
                    id=f"telegram:{external}",
                    channel=self.channel,
                    direction=Direction.INBOUND,
                    author=Author(
                        kind=AuthorKind.CUSTOMER, name=name if isinstance(name, str) else None
                    ),
                    sent_at=sent_at,
                    text=text if isinstance(text, str) else "",
                    external_id=external,
                ),
                sender=(sender_id,),
                sender_name=name if isinstance(name, str) else None,
            ),
        )

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """sendMessage POSTs, long text split at 4,096 characters."""
        if not outbound.text:
            raise RenderRefused(self.channel.name, SendCheck.EMPTY)
        return tuple(
            OutboundRequest(
                method="POST",
                url=f"{self.api_url}/sendMessage",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"chat_id": outbound.to, "text": part}).encode(),
            )
            for part in split_text(outbound.text, CAPABILITIES.max_text_length)
        )


SAMPLE = json.dumps(
    {
        "update_id": 1001,
        "message": {
            "message_id": 77,
            "date": 1772452800,
            "text": "Hello",
            "from": {"id": 123456, "first_name": "Ada"},
            "chat": {"id": 123456},
        },
    }
).encode()


def main() -> None:
    """Verify, parse and answer the sample update."""
    adapter = TelegramAdapter(api_url="https://api.telegram.example/bot1", secret_token="s3cret")
    # The host's clock says when the request arrived; no header can.
    received = WebhookRequest(
        body=SAMPLE,
        headers={SECRET_HEADER: "s3cret"},
        url="https://host.example/telegram",
        received_at=datetime(2026, 3, 2, 12, 0, 1, tzinfo=UTC),
    )
    adapter.verify(received, now=received.received_at)
    (event,) = adapter.parse(received)
    assert isinstance(event, MessageReceived)
    print(event.sender_name, "wrote", repr(event.message.text), "at", event.message.sent_at)
    reply = OutboundMessage(
        to="123456", now=datetime(2026, 3, 2, 12, 1, tzinfo=UTC), text="Hi Ada!"
    )
    for request in adapter.render(reply):
        print(request.method, request.url, request.body.decode())


if __name__ == "__main__":
    main()

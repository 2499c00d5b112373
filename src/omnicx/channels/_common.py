"""Small pieces every reference adapter shares: forms, receipt instants, ids, JSON posts."""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from omnicx.channels._protocol import OutboundRequest
from omnicx.channels._signatures import header
from omnicx.channels._wire import check_size, in_utc, parse_instant
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Channel

RECEIVED_AT_HEADER = "X-Omnicx-Received-At"
"""Header a host sets (ISO 8601 with offset) to say when it received a webhook.

Some providers (Twilio) put no timestamp in their payload; the adapter then
uses this header, or the HTTP ``Date`` header, as the message's instant.
"""


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Decode an ``application/x-www-form-urlencoded`` UTF-8 body into pairs."""
    check_size(body)
    try:
        text = bytes(body).decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise PayloadError(PayloadReason.MALFORMED, "body is not a UTF-8 form") from None


def received_at(headers: Mapping[str, str]) -> datetime:
    """The instant the host received the request, from its headers, in UTC."""
    stamped = header(headers, RECEIVED_AT_HEADER)
    if stamped:
        return parse_instant(stamped, field=RECEIVED_AT_HEADER)
    dated = header(headers, "Date")
    if dated:
        try:
            stamp = email.utils.parsedate_to_datetime(dated)
        except (TypeError, ValueError, IndexError, OverflowError):
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "not an HTTP date", field="Date"
            ) from None
        # "-0000" parses naive; it means UTC (RFC 5322 section 3.3), never local time.
        return in_utc(stamp, field="Date")
    raise PayloadError(
        PayloadReason.MISSING_FIELD,
        f"the payload has no timestamp; set {RECEIVED_AT_HEADER} or Date",
        field=RECEIVED_AT_HEADER,
    )


def message_id(channel: Channel, external_id: str) -> str:
    """omnicx's id for a provider message: stable across redeliveries."""
    return f"{channel.name}:{external_id}"


def media_kind(content_type: str) -> str:
    """``image``, ``video``, ``audio`` or ``file`` from a MIME type."""
    major = content_type.partition("/")[0].lower()
    return major if major in ("image", "video", "audio") else "file"


def json_post(url: str, payload: dict[str, Any]) -> OutboundRequest:
    """A POST with a UTF-8 JSON body."""
    return OutboundRequest(
        method="POST",
        url=url,
        headers={"Content-Type": "application/json"},
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    )

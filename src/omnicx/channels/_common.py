"""Small pieces every reference adapter shares: forms, ids, JSON posts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from omnicx.channels._protocol import OutboundRequest
from omnicx.channels._wire import check_size
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Channel


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Decode an ``application/x-www-form-urlencoded`` UTF-8 body into pairs."""
    check_size(body)
    try:
        text = bytes(body).decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise PayloadError(PayloadReason.MALFORMED, "body is not a UTF-8 form") from None


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

"""Helpers the JSON-speaking adapters share when they render requests."""

from __future__ import annotations

import json
from typing import Any

from omnicx.channels._protocol import OutboundRequest


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

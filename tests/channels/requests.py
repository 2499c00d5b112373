"""Webhook requests for the channel tests: received at one fixed instant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from omnicx.channels import WebhookRequest

RECEIVED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
"""When the host received every request these tests make (unless they say otherwise)."""


def request(
    body: bytes, headers: Mapping[str, str] | None = None, *, url: str = "", at: datetime = RECEIVED
) -> WebhookRequest:
    """A POST of ``body`` received at ``at``."""
    return WebhookRequest(body=body, headers=headers or {}, url=url, received_at=at)

"""Webhook form bodies in either encoding providers use: urlencoded or multipart/form-data.

Email providers post the message as form fields (SendGrid always as
``multipart/form-data``; Mailgun as either). Fields are bytes: a raw MIME
field must reach the email parser exactly as sent.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from collections.abc import Mapping
from email.message import Message
from urllib.parse import parse_qsl

from omnicx.channels._signatures import header
from omnicx.channels._wire import check_size
from omnicx.errors import PayloadError, PayloadReason

_MAX_FIELDS = 1000


def form_fields(body: bytes, headers: Mapping[str, str]) -> dict[str, bytes]:
    """The fields of a form body, by name (the first of repeated names), as bytes.

    The encoding comes from ``Content-Type``: ``multipart/form-data`` with its
    boundary, else ``application/x-www-form-urlencoded`` (strict UTF-8).
    """
    check_size(body)
    content_type = header(headers, "Content-Type") or ""
    if content_type.strip().lower().startswith("multipart/"):
        return _multipart(bytes(body), content_type)
    try:
        pairs = parse_qsl(
            bytes(body).decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise PayloadError(PayloadReason.MALFORMED, "body is not a UTF-8 form") from None
    fields: dict[str, bytes] = {}
    for name, value in pairs:
        fields.setdefault(name, value.encode("utf-8"))
    return fields


def _multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    if "boundary=" not in content_type.lower():
        raise PayloadError(
            PayloadReason.MALFORMED, "multipart body without a boundary", field="Content-Type"
        )
    # Content-Type is a header value: one line, or it would start new fields.
    head = " ".join(content_type.split()).encode("utf-8", "replace")
    try:
        parsed = email.message_from_bytes(
            b"MIME-Version: 1.0\r\nContent-Type: " + head + b"\r\n\r\n" + body,
            policy=email.policy.HTTP,
        )
        parts = parsed.get_payload() if parsed.is_multipart() else None
        if not isinstance(parts, list) or not parts:
            raise PayloadError(PayloadReason.MALFORMED, "not a multipart/form-data body")
        fields: dict[str, bytes] = {}
        for part in parts:
            if not isinstance(part, Message):
                continue
            name = _field_name(part)
            if name is not None and name not in fields and len(fields) < _MAX_FIELDS:
                payload = part.get_payload(decode=True)
                fields[name] = payload if isinstance(payload, bytes) else b""
        return fields
    except PayloadError:
        raise
    except Exception:  # the stdlib parser raises assorted errors on hostile input
        raise PayloadError(PayloadReason.MALFORMED, "not a multipart/form-data body") from None


def _field_name(part: Message) -> str | None:
    name = part.get_param("name", header="content-disposition")
    if isinstance(name, tuple):  # an RFC 2231 encoded parameter
        name = email.utils.collapse_rfc2231_value(name)
    return name if isinstance(name, str) and name else None


def text_field(fields: Mapping[str, bytes], name: str) -> str | None:
    """A field as UTF-8 text (undecodable bytes replaced), or None when absent."""
    value = fields.get(name)
    return None if value is None else value.decode("utf-8", "replace")

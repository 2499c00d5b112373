"""Amazon SES inbound mail published through Amazon SNS, with SNS's X.509 message signature.

An SES receipt rule with an SNS action publishes each mail (up to 150 KB) as
an SNS notification whose ``Message`` is the SES notification JSON, the raw
message in its ``content`` (``receipt.action.encoding`` ``UTF8`` or
``BASE64``). SNS signs every message: RSA over the canonical string of its
fields (SignatureVersion 1: SHA-1, 2: SHA-256) with the key of the
certificate at ``SigningCertURL``. The host downloads that certificate once,
checks it is Amazon's, and supplies it: the adapter never fetches anything.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_set
from omnicx.channels._email_providers import _RawEmail
from omnicx.channels._events import ChannelEvent
from omnicx.channels._request import WebhookRequest
from omnicx.channels._wire import Wire, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason, SignatureError

# The fields SNS signs, in the order of its canonical string, per message type.
_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}  # fmt: skip
_SIGNED["UnsubscribeConfirmation"] = _SIGNED["SubscriptionConfirmation"]


def sns_string_to_sign(message: Mapping[str, str]) -> bytes:
    """SNS's canonical string: ``name\\nvalue\\n`` for each signed field present, in order."""
    names = _SIGNED.get(message.get("Type", ""), _SIGNED["Notification"])
    # Only Subject is ever absent; an absent field is left out, not written empty.
    lines = [f"{name}\n{message[name]}\n" for name in names if name in message]
    return "".join(lines).encode("utf-8", "replace")  # a lone surrogate has no UTF-8 form


@attrs.frozen(kw_only=True)
class SesInboundAdapter(_RawEmail):
    """SES receipt notifications through SNS: the raw message in ``Message.content``.

    Attributes:
        certificates: PEM X.509 certificates by ``SigningCertURL``, supplied by
            the host (a URL with none is refused). Needs the ``cryptography``
            package (``pip install omnicx[crypto]``).
        topic_arns: the SNS topics accepted (empty: any topic whose message
            verifies).
        strip_quotes, trust_sender: as for :class:`EmailAdapter`.
    """

    certificates: Mapping[str, str | bytes] = attrs.field(
        default=EMPTY_MAP, converter=frozen_map, repr=False
    )
    topic_arns: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    _keys: Mapping[str, Any] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        """Read every certificate once: one that is not fails here, naming its URL."""
        from omnicx.channels._x509 import rsa_certificate_key  # optional: imported on use

        keys = {
            url: rsa_certificate_key(pem, f"certificates[{url!r}]")
            for url, pem in self.certificates.items()
        }
        object.__setattr__(self, "_keys", keys)

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check the SNS message signature with the supplied certificate, and its topic."""
        from omnicx.channels._x509 import verify_rsa  # optional dependency: imported on use

        fields = _signed_fields(load_json(request.body))
        version = fields.get("SignatureVersion")
        if version not in ("1", "2"):
            raise SignatureError("SignatureVersion", "expected SNS signature version 1 or 2")
        signature = fields.get("Signature")
        if not signature:
            raise SignatureError("Signature", "missing signature")
        key = self._keys.get(fields.get("SigningCertURL") or "")
        if key is None:
            raise SignatureError(
                "SigningCertURL", "no certificate supplied for this URL; add it to certificates"
            )
        data = sns_string_to_sign(fields)
        verify_rsa(key, data, signature, sha256=version == "2", name="Signature")
        if self.topic_arns and fields.get("TopicArn") not in self.topic_arns:
            raise SignatureError("TopicArn", "the message is from a topic not configured")

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """The received mail in an SES notification, parsed as raw RFC 5322.

        Subscription confirmations and other SES notifications are
        ``PayloadError`` (UNSUPPORTED): the host confirms a subscription
        itself by visiting its ``SubscribeURL``.
        """
        root = load_json(request.body)
        if root.text("Type") != "Notification":
            raise unsupported("not an SNS Notification (confirm subscriptions yourself)", "Type")
        notice = load_json(root.text("Message").encode("utf-8"))
        if notice.text("notificationType") != "Received":
            raise unsupported("not an SES Received notification", "Message.notificationType")
        if not notice.has("content"):
            raise unsupported(
                "no content: the receipt rule's action must be SNS, not S3", "Message.content"
            )
        content = notice.text("content")
        encoding = "UTF8"
        if notice.has("receipt") and notice.child("receipt").has("action"):
            action = notice.child("receipt").child("action")
            encoding = (action.opt_text("encoding") or "UTF8").upper()
        if encoding == "BASE64":
            return self._parse_mime(_base64(content, "Message.content"), request)
        return self._parse_mime(content.encode("utf-8"), request)


def _signed_fields(root: Wire) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in root.obj().items():
        if isinstance(value, str):
            fields[name] = value
    return fields


def _base64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()).encode("ascii"), validate=True)
    except (ValueError, binascii.Error):  # non-ASCII text is a ValueError too
        raise PayloadError(PayloadReason.INVALID_VALUE, "not base64", field=field) from None

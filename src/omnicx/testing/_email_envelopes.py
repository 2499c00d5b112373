"""One raw email in each inbound provider's envelope, signed as that provider signs it.

For tests and benchmarks of the inbound email adapters: the field names and
shapes are the ones SendGrid, Mailgun, Postmark and Amazon SNS send; keys and
certificates are made here (``make_keys``), never a provider's.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import attrs

from omnicx.channels import (
    SENDGRID_SIGNATURE_HEADER,
    SENDGRID_TIMESTAMP_HEADER,
    WebhookRequest,
    basic_authorization,
    sign_mailgun,
    sns_string_to_sign,
)

BOUNDARY = "xYzZY"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-inbound"
RECEIVED_AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
"""When the host received every envelope made here."""
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"


@attrs.frozen(kw_only=True)
class EnvelopeKeys:
    """A SendGrid-style EC key pair and an SNS-style RSA key with its self-signed certificate."""

    ec_private: Any
    ec_public: str  # base64 DER, as SendGrid's security policy returns it
    rsa_private: Any
    certificate: bytes  # PEM


def make_keys() -> EnvelopeKeys:
    """Fresh keys (P-256 and RSA 2048) and a self-signed certificate for the RSA one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    ec_private = ec.generate_private_key(ec.SECP256R1())
    der = ec_private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_private.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(rsa_private, hashes.SHA256())
    )
    return EnvelopeKeys(
        ec_private=ec_private,
        ec_public=base64.b64encode(der).decode(),
        rsa_private=rsa_private,
        certificate=certificate.public_bytes(serialization.Encoding.PEM),
    )


def form_data(fields: list[tuple[str, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A ``multipart/form-data`` body of ``fields`` (values as bytes, sent as they are)."""
    out = b""
    for name, value in fields:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


def _summary(mime: bytes) -> dict[str, str]:
    parsed = message_from_bytes(mime, policy=policy.compat32)
    return {k: str(parsed.get(k, "")) for k in ("From", "To", "Subject", "Message-ID", "Date")}


def sendgrid(mime: bytes, keys: EnvelopeKeys, *, timestamp: str = "1772452800") -> WebhookRequest:
    """Inbound Parse with "POST the raw, full MIME message": form-data, signed with ECDSA."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    head = _summary(mime)
    envelope = {"to": ["support@parse.shop.example"], "from": "ada@example.com"}
    body = form_data([
        ("dkim", b"{@example.com : pass}"),
        ("email", mime),
        ("to", head["To"].encode()),
        ("from", head["From"].encode()),
        ("sender_ip", b"209.85.220.41"),
        ("spam_report", b"Spam detection software ... 0.0 points"),
        ("envelope", json.dumps(envelope).encode()),
        ("subject", head["Subject"].encode()),
        ("spam_score", b"0.011"),
        ("charsets", b'{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}'),
        ("SPF", b"pass"),
    ])  # fmt: skip
    signature = keys.ec_private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return WebhookRequest(
        received_at=RECEIVED_AT,
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            SENDGRID_SIGNATURE_HEADER: base64.b64encode(signature).decode(),
            SENDGRID_TIMESTAMP_HEADER: timestamp,
        },
        url="https://h.example/inbound/sendgrid",
    )


def mailgun(
    mime: bytes, signing_key: str, *, multipart: bool = True, token: str = "a" * 50
) -> WebhookRequest:
    """A route's ``forward("https://.../mime")``: fields with ``body-mime``, signed by token."""
    from urllib.parse import urlencode

    head = _summary(mime)
    timestamp = "1772452800"
    fields = [
        ("recipient", b"support@mg.shop.example"),
        ("sender", b"ada@example.com"),
        ("subject", head["Subject"].encode()),
        ("from", head["From"].encode()),
        ("Message-Id", head["Message-ID"].encode()),
        ("timestamp", timestamp.encode()),
        ("token", token.encode()),
        ("signature", sign_mailgun(signing_key, timestamp, token).encode()),
        ("body-mime", mime),
    ]
    if multipart:
        return WebhookRequest(
            received_at=RECEIVED_AT,
            body=form_data(fields),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            url="https://h.example/inbound/mailgun/mime",
        )
    text_fields = [(name, value.decode("utf-8")) for name, value in fields]
    return WebhookRequest(
        received_at=RECEIVED_AT,
        body=urlencode(text_fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        url="https://h.example/inbound/mailgun/mime",
    )


def postmark(mime: bytes, username: str, password: str) -> WebhookRequest:
    """An inbound webhook with "Include raw email content": JSON, HTTP Basic credentials."""
    head = _summary(mime)
    payload = {
        "FromName": "", "MessageStream": "inbound", "From": head["From"],
        "FromFull": {"Email": head["From"], "Name": "", "MailboxHash": ""},
        "To": head["To"], "ToFull": [{"Email": head["To"], "Name": "", "MailboxHash": ""}],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [],
        "OriginalRecipient": "support@inbound.postmarkapp.com",
        "Subject": head["Subject"], "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "", "MailboxHash": "", "Date": head["Date"],
        "TextBody": "", "HtmlBody": "", "StrippedTextReply": "", "Tag": "",
        "Headers": [{"Name": "X-Spam-Status", "Value": "No"},
                    {"Name": "Message-ID", "Value": head["Message-ID"]}],
        "Attachments": [],
        "RawEmail": mime.decode("utf-8", "replace"),
    }  # fmt: skip
    return WebhookRequest(
        received_at=RECEIVED_AT,
        body=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": basic_authorization(username, password),
        },
        url="https://h.example/inbound/postmark",
    )


def ses(
    mime: bytes, keys: EnvelopeKeys, *, version: str = "1", base64_content: bool = False
) -> WebhookRequest:
    """An SES receipt rule's SNS action: an SNS Notification signed with the test certificate."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    head = _summary(mime)
    content = base64.b64encode(mime).decode() if base64_content else mime.decode("utf-8")
    notice = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-03-02T12:00:00.000Z", "source": "ada@example.com",
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
            "destination": ["support@shop.example"], "headersTruncated": False,
            "headers": [{"name": "From", "value": head["From"]},
                        {"name": "Subject", "value": head["Subject"]}],
            "commonHeaders": {"from": [head["From"]], "to": [head["To"]],
                              "subject": head["Subject"], "messageId": head["Message-ID"]},
        },
        "receipt": {
            "timestamp": "2026-03-02T12:00:00.000Z", "processingTimeMillis": 574,
            "recipients": ["support@shop.example"],
            "spamVerdict": {"status": "PASS"}, "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "PASS"}, "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "PASS"},
            "action": {"type": "SNS", "topicArn": TOPIC,
                       "encoding": "BASE64" if base64_content else "UTF8"},
        },
        "content": content,
    }  # fmt: skip
    message = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(notice),
        "Timestamp": "2026-03-02T12:00:01.000Z",
        "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    digest = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = keys.rsa_private.sign(sns_string_to_sign(message), padding.PKCS1v15(), digest)
    message["Signature"] = base64.b64encode(signature).decode()
    return WebhookRequest(
        received_at=RECEIVED_AT,
        body=json.dumps(message).encode(),
        headers={"Content-Type": "text/plain; charset=UTF-8",
                 "x-amz-sns-message-type": "Notification"},
        url="https://h.example/inbound/ses",
    )  # fmt: skip

"""Inbound email through SendGrid, Mailgun, Postmark and SES/SNS: signatures, and the same
``MessageReceived`` as the raw MIME adapter for the same mail."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.channels import (
    SENDGRID_SIGNATURE_HEADER,
    SENDGRID_TIMESTAMP_HEADER,
    ChannelAdapter,
    EmailAdapter,
    MailgunInboundAdapter,
    MessageReceived,
    OutboundMessage,
    PostmarkInboundAdapter,
    SendGridInboundAdapter,
    SesInboundAdapter,
    WebhookRequest,
)
from omnicx.errors import PayloadError, PayloadReason, SignatureError, ValidationError
from omnicx.testing import AdapterContract
from omnicx.testing._email_envelopes import (
    CERT_URL,
    RECEIVED_AT,
    TOPIC,
    form_data,
    mailgun,
    make_keys,
    postmark,
    sendgrid,
    ses,
)

KEYS = make_keys()
NOW = RECEIVED_AT
MAILGUN_KEY = "key-mailgun-signing"

MIME = (
    b"Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])\r\n"
    b"From: =?utf-8?q?Ada_L=C3=B6velace?= <Ada@Example.com>\r\n"
    b"To: support@shop.example\r\n"
    b"Cc: bob@example.com\r\n"
    b"Subject: Re: Order #1001\r\n"
    b"Date: Mon, 02 Mar 2026 11:59:00 +0000\r\n"
    b"Message-ID: <CAF=abc123@mail.example.com>\r\n"
    b"In-Reply-To: <reply-1@shop.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"It arrived broken. Gr=C3=BC=C3=9Fe\r\n"
    b"\r\n"
    b"On Mon, 2 Mar 2026 at 10:00, Support <support@shop.example> wrote:\r\n"
    b"> Your order shipped.\r\n"
    b"--b1\r\n"
    b'Content-Type: image/png; name="photo.png"\r\n'
    b'Content-Disposition: attachment; filename="photo.png"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBORw0KGgo=\r\n"
    b"--b1--\r\n"
)


def _sendgrid() -> SendGridInboundAdapter:
    return SendGridInboundAdapter(public_key=KEYS.ec_public)


def _mailgun() -> MailgunInboundAdapter:
    return MailgunInboundAdapter(signing_key=MAILGUN_KEY)


def _postmark() -> PostmarkInboundAdapter:
    return PostmarkInboundAdapter(username="inbound", password="pm-secret")


def _ses() -> SesInboundAdapter:
    return SesInboundAdapter(certificates={CERT_URL: KEYS.certificate}, topic_arns={TOPIC})


def _envelopes(mime: bytes) -> list[tuple[ChannelAdapter, WebhookRequest]]:
    return [
        (_sendgrid(), sendgrid(mime, KEYS)),
        (_mailgun(), mailgun(mime, MAILGUN_KEY)),
        (_mailgun(), mailgun(mime, MAILGUN_KEY, multipart=False)),
        (_postmark(), postmark(mime, "inbound", "pm-secret")),
        (_ses(), ses(mime, KEYS)),
        (_ses(), ses(mime, KEYS, version="2", base64_content=True)),
    ]


def _raw(body: bytes) -> WebhookRequest:
    return WebhookRequest(body=body, received_at=RECEIVED_AT)


def _through(adapter: ChannelAdapter, request: WebhookRequest) -> Sequence[object]:
    adapter.verify(request, now=request.received_at)
    return adapter.parse(request)


def test_every_provider_gives_the_raw_adapters_message() -> None:
    expected = EmailAdapter().parse(_raw(MIME))
    (event,) = expected
    assert isinstance(event, MessageReceived)
    assert event.message.text == "It arrived broken. Grüße"
    assert event.message.external_id == "CAF=abc123@mail.example.com"
    for adapter, request in _envelopes(MIME):
        assert _through(adapter, request) == expected, type(adapter).__name__


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@st.composite
def _mails(draw: st.DrawFn) -> bytes:
    message = EmailMessage(policy=SMTP)
    local = draw(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True))
    name = " ".join(draw(_TEXT).split())
    message["From"] = Address(display_name=name, addr_spec=f"{local}@example.com")
    message["To"] = "support@shop.example"
    message["Subject"] = " ".join(draw(_TEXT).split())
    if draw(st.booleans()):
        message["Message-ID"] = f"<{draw(st.uuids())}@mail.example.com>"
    if draw(st.booleans()):
        message["Date"] = "Mon, 02 Mar 2026 11:59:00 +0000"
    message.set_content(draw(_TEXT) + "\n")
    if draw(st.booleans()):
        message.add_alternative(f"<p>{draw(_TEXT)}</p>", subtype="html")
        message.set_boundary("b-omnicx")  # the default one is random
    return message.as_bytes()


def _outcome(parse: Callable[[], Sequence[object]]) -> object:
    try:
        return parse()
    except PayloadError as error:
        return ("refused", error.reason, error.field)


# Six envelopes, each signed (RSA and ECDSA included): 40 mails keep it quick.
@settings(max_examples=40, deadline=None)
@given(mime=_mails())
def test_the_same_mime_through_each_envelope_gives_equal_messages(mime: bytes) -> None:
    expected = _outcome(lambda: EmailAdapter().parse(_raw(mime)))
    for adapter, request in _envelopes(mime):
        outcome = _outcome(lambda a=adapter, r=request: _through(a, r))  # type: ignore[misc]
        assert outcome == expected, type(adapter).__name__


# -- signatures ------------------------------------------------------------------


def test_sendgrid_refuses_another_key_and_a_changed_timestamp() -> None:
    request = sendgrid(MIME, KEYS)
    other = SendGridInboundAdapter(public_key=make_keys().ec_public)
    with pytest.raises(SignatureError) as caught:
        other.verify(request, now=NOW)
    assert caught.value.header == SENDGRID_SIGNATURE_HEADER
    moved = {**request.headers, SENDGRID_TIMESTAMP_HEADER: "1772452801"}
    with pytest.raises(SignatureError):
        _sendgrid().verify(attrs.evolve(request, headers=moved), now=NOW)


def test_sendgrid_accepts_a_pem_key_and_refuses_a_key_that_is_not_one() -> None:
    from cryptography.hazmat.primitives import serialization

    pem = KEYS.ec_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    request = sendgrid(MIME, KEYS)
    SendGridInboundAdapter(public_key=pem.decode()).verify(request, now=NOW)
    with pytest.raises(ValidationError, match="elliptic-curve"):
        SendGridInboundAdapter(public_key="not a key")


def test_mailgun_refuses_a_wrong_key_and_missing_token() -> None:
    request = mailgun(MIME, "another-key")
    with pytest.raises(SignatureError, match="does not match") as caught:
        _mailgun().verify(request, now=NOW)
    assert caught.value.header == "signature"
    bare = mailgun(MIME, MAILGUN_KEY, token="")
    with pytest.raises(SignatureError, match="token"):
        _mailgun().verify(bare, now=NOW)


def test_postmark_compares_basic_credentials() -> None:
    request = postmark(MIME, "inbound", "wrong")
    with pytest.raises(SignatureError, match="credentials") as caught:
        _postmark().verify(request, now=NOW)
    assert caught.value.header == "Authorization"
    assert "pm-secret" not in repr(_postmark())


@pytest.mark.parametrize("version", ["1", "2"])
def test_ses_checks_the_sns_signature_of_either_version(version: str) -> None:
    request = ses(MIME, KEYS, version=version)
    _ses().verify(request, now=NOW)
    message = json.loads(request.body)
    message["Subject"] = "changed"
    with pytest.raises(SignatureError, match="does not match") as caught:
        _ses().verify(attrs.evolve(request, body=json.dumps(message).encode()), now=NOW)
    assert caught.value.header == "Signature"


def test_ses_refuses_an_unknown_certificate_url_and_an_unlisted_topic() -> None:
    request = ses(MIME, KEYS)
    with pytest.raises(SignatureError, match="no certificate") as caught:
        SesInboundAdapter().verify(request, now=NOW)
    assert caught.value.header == "SigningCertURL"
    other_topic = SesInboundAdapter(certificates={CERT_URL: KEYS.certificate}, topic_arns={"x"})
    with pytest.raises(SignatureError, match="topic"):
        other_topic.verify(request, now=NOW)
    with pytest.raises(ValidationError, match="certificate"):
        SesInboundAdapter(certificates={CERT_URL: b"not a certificate"})


def test_ses_signed_string_is_the_documented_canonical_form() -> None:
    from omnicx.channels import sns_string_to_sign

    fields = {"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "hi",
              "Timestamp": "2026-03-02T12:00:00.000Z", "SignatureVersion": "1"}  # fmt: skip
    assert sns_string_to_sign(fields) == (
        b"Message\nhi\nMessageId\nm\nTimestamp\n2026-03-02T12:00:00.000Z\nTopicArn\nt\n"
        b"Type\nNotification\n"
    )


# -- what each provider refuses --------------------------------------------------


def test_each_provider_without_its_raw_option_says_which_option() -> None:
    cases = [
        (
            _sendgrid(),
            attrs.evolve(
                sendgrid(MIME, KEYS), body=form_data([("text", b"hi"), ("from", b"a@b.co")])
            ),
            "send_raw",
        ),
        (_mailgun(), _raw(b"subject=hi&body-plain=hi"), "mime"),
        (_postmark(), _raw(b'{"TextBody": "hi"}'), "Include raw email"),
    ]
    for adapter, request, option in cases:
        with pytest.raises(PayloadError, match=option) as caught:
            adapter.parse(request)
        assert caught.value.reason is PayloadReason.UNSUPPORTED


def test_ses_refuses_confirmations_and_s3_actions_as_unsupported() -> None:
    confirmation = {"Type": "SubscriptionConfirmation", "Message": "confirm", "Token": "t"}
    with pytest.raises(PayloadError, match="Notification"):
        _ses().parse(_raw(json.dumps(confirmation).encode()))
    s3 = {"Type": "Notification", "Message": json.dumps({"notificationType": "Received"})}
    with pytest.raises(PayloadError, match="S3") as caught:
        _ses().parse(_raw(json.dumps(s3).encode()))
    assert caught.value.reason is PayloadReason.UNSUPPORTED


def test_the_providers_render_what_the_email_adapter_renders() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    outbound = OutboundMessage(to="ada@example.com", sender="support@shop.example", now=now,
                               text="Sorry!", reply_to="CAF=abc123@mail.example.com")  # fmt: skip
    expected = EmailAdapter().render(outbound)
    for adapter in (_sendgrid(), _mailgun(), _postmark(), _ses()):
        assert adapter.render(outbound) == expected
        assert adapter.check(outbound) == EmailAdapter().check(outbound)


# -- the contract suite, mutations included --------------------------------------


class TestSendGridContract(AdapterContract):
    secrets = ()

    def make_adapter(self) -> ChannelAdapter:
        return _sendgrid()

    def samples(self) -> Sequence[WebhookRequest]:
        return [sendgrid(MIME, KEYS)]


class TestMailgunContract(AdapterContract):
    secrets = (MAILGUN_KEY,)
    signs_body = False  # the signature covers timestamp and token only
    signature_header = False  # it travels in the form fields

    def make_adapter(self) -> ChannelAdapter:
        return _mailgun()

    def samples(self) -> Sequence[WebhookRequest]:
        return [mailgun(MIME, MAILGUN_KEY), mailgun(MIME, MAILGUN_KEY, multipart=False)]


class TestPostmarkContract(AdapterContract):
    secrets = ("pm-secret",)
    signs_body = False  # HTTP Basic credentials authenticate the sender only

    def make_adapter(self) -> ChannelAdapter:
        return _postmark()

    def samples(self) -> Sequence[WebhookRequest]:
        return [postmark(MIME, "inbound", "pm-secret")]


class TestSesContract(AdapterContract):
    signature_header = False  # SNS signs inside the body
    signs_body = False  # SNS signs named fields (UnsubscribeURL and spacing are not)

    def make_adapter(self) -> ChannelAdapter:
        return _ses()

    def samples(self) -> Sequence[WebhookRequest]:
        # One sample: its mutations reach inside Message and its MIME content
        # (the BASE64 and version 2 paths have their own tests above).
        return [ses(MIME, KEYS)]

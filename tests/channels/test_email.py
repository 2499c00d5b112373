"""Email: RFC 5322/MIME parsing (encoded words, charsets, alternatives, attachments, threading)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import attrs
import pytest
from tests.channels.requests import RECEIVED, request

from omnicx.channels import (
    EmailAdapter,
    MessageReceived,
    OutboundMessage,
    WebhookRequest,
    html_to_text,
    strip_reply,
)
from omnicx.errors import PayloadError, ValidationError
from omnicx.model import Attachment, Channel, Identifier

ADAPTER = EmailAdapter()


def parse(
    raw: bytes, headers: dict[str, str] | None = None, adapter: EmailAdapter = ADAPTER
) -> MessageReceived:
    (event,) = adapter.parse(request(raw, headers or {}))
    assert isinstance(event, MessageReceived)
    return event


SIMPLE = (
    b'From: "Doe, Jane" <Jane.Doe@Example.COM>\r\n'
    b"To: support@shop.example\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9_order_=E2=84=96_42?=\r\n"
    b"Date: Mon, 02 Mar 2026 13:00:00 +0100\r\n"
    b"Message-ID: <CAF123@mail.example.com>\r\n"
    b"In-Reply-To: <out-7@shop.example>\r\n"
    b"References: <first@shop.example>\r\n <out-7@shop.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Still waiting for my order.\r\n"
)


def test_headers_and_threading() -> None:
    """Display names with commas, encoded-word subjects, Date in UTC and Message-ID threading."""
    event = parse(SIMPLE)
    message = event.message
    assert event.sender_name == "Doe, Jane"
    assert event.sender == (Identifier.email("jane.doe@example.com"),)
    assert message.channel == Channel.EMAIL
    assert message.external_id == "CAF123@mail.example.com"
    assert message.id == "email:CAF123@mail.example.com"
    assert message.sent_at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert message.text == "Still waiting for my order."
    assert message.thread.subject == "Café order № 42"
    assert message.thread.message_id == "CAF123@mail.example.com"
    assert message.thread.in_reply_to == ("out-7@shop.example",)
    assert message.thread.references == ("first@shop.example", "out-7@shop.example")


def test_trusted_sender_is_verified() -> None:
    """With trust_sender the From address comes out verified."""
    event = parse(SIMPLE, adapter=EmailAdapter(trust_sender=True))
    assert event.sender == (Identifier.email("jane.doe@example.com", verified=True),)


def test_latin1_body_and_encoded_display_name() -> None:
    """Declared charsets decode; RFC 2047 display names decode."""
    raw = (
        b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.de>\r\n"
        b"Message-ID: <x1@example.de>\r\nDate: Mon, 02 Mar 2026 12:00:00 -0000\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Gr=FC=DFe aus K=F6ln\r\n"
    )
    event = parse(raw)
    assert event.sender_name == "Jürgen Müller"
    assert event.message.text == "Grüße aus Köln"
    assert event.message.sent_at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _multipart() -> bytes:
    message = email.message.EmailMessage(policy=email.policy.default)
    message["From"] = "ada@example.com"
    message["Message-ID"] = "<mp1@example.com>"
    message["Date"] = "Mon, 02 Mar 2026 12:00:00 +0000"
    message.set_content("Plain version\n")
    message.add_alternative("<p>HTML <b>version</b></p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    return message.as_bytes()


def test_alternative_prefers_text_and_lists_attachments() -> None:
    """multipart/alternative gives the text/plain part; attachments keep name, type and size."""
    event = parse(_multipart())
    assert event.message.text == "Plain version"
    assert event.message.attachments == (
        Attachment(filename="invoice.pdf", content_type="application/pdf", size=13),
    )


def test_html_alone_becomes_text() -> None:
    """An HTML-only email is converted to readable text, scripts dropped."""
    raw = (
        b"From: ada@example.com\r\nMessage-ID: <h1@example.com>\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Hello&nbsp;team,</p><div>Line two</div>"
        b"<script>x()</script></body></html>"
    )
    assert parse(raw).message.text == "Hello team,\n\nLine two"


def test_quoted_reply_and_signature_are_stripped() -> None:
    """Only the new text counts; the full body stays in metadata."""
    body = "Thanks, that works.\n\n-- \nJane Doe\nACME\n\nOn Mon, 2 Mar 2026 at 10:00, Support <support@shop.example> wrote:\n> Try again\n"
    raw = (
        b"From: jane@example.com\r\nMessage-ID: <r1@x>\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n\r\n"
        + body.encode()
    )
    event = parse(raw)
    assert event.message.text == "Thanks, that works."
    assert event.message.metadata["full_text"].startswith("Thanks, that works.\n\n-- \nJane Doe")
    unstripped = parse(raw, adapter=EmailAdapter(strip_quotes=False))
    assert unstripped.message.text == unstripped.message.metadata["full_text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New text\n\nOn Mon, 2 Mar 2026, Ada <ada@\nexample.com> wrote:\n> old", "New text"),
        ("Ok\n-----Original Message-----\nFrom: Support", "Ok"),
        ("Ok\nFrom: Support <s@x>\nSent: Monday", "Ok"),
        ("Fine\n\nSent from my iPhone", "Fine"),
        ("Yes\n> quoted\n> more", "Yes"),
        (
            "Am 02.03.2026 um 10:00 schrieb Support:\n> alt",
            "Am 02.03.2026 um 10:00 schrieb Support:\n> alt",
        ),
        ("No quote here", "No quote here"),
    ],
)
def test_strip_reply(text: str, expected: str) -> None:
    """Attribution lines (also wrapped), Outlook blocks, mobile signatures and > quotes are cut; all-quote text is kept."""
    assert strip_reply(text) == expected


def test_html_quote_is_marked_and_stripped() -> None:
    """A blockquote in HTML becomes > lines, which the stripper cuts."""
    text = html_to_text("<p>Done</p><blockquote><p>Earlier message</p></blockquote>")
    assert text == "Done\n\n> Earlier message"
    assert strip_reply(text) == "Done"


def test_missing_message_id_gets_a_digest() -> None:
    """Without Message-ID the external id is a digest of the bytes, stable across redeliveries."""
    raw = b"From: a@example.com\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n\r\nhi\r\n"
    first, second = parse(raw), parse(raw)
    assert first.message.external_id == second.message.external_id
    assert first.message.external_id is not None
    assert first.message.external_id.startswith("sha256:")
    assert first.message.thread.message_id is None


def test_missing_date_uses_the_received_time() -> None:
    """Without Date, the host's ``received_at`` gives the instant (no HTTP header does)."""
    raw = b"From: a@example.com\r\nMessage-ID: <d@x>\r\n\r\nhi\r\n"
    event = parse(raw, {"X-Omnicx-Received-At": "2020-01-01T00:00:00Z", "Date": "x"})
    assert event.message.sent_at == RECEIVED
    assert event.received_at == RECEIVED


def test_auto_submitted_is_flagged() -> None:
    """RFC 3834 Auto-Submitted replies are flagged so hosts do not answer them."""
    raw = b"From: a@example.com\r\nMessage-ID: <d@x>\r\nAuto-Submitted: auto-replied\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n\r\nOut of office\r\n"
    assert parse(raw).message.metadata["auto_submitted"] == "auto-replied"


def test_unknown_charset_and_broken_message_id_still_parse() -> None:
    """An unknown charset decodes as UTF-8 with replacements; a malformed Message-ID falls back to a digest."""
    raw = (
        b"From: a@example.com\r\nMessage-ID: <\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\nCaf\xc3\xa9 \xff\r\n"
    )
    event = parse(raw)
    assert event.message.text == "Café \ufffd"
    assert event.message.external_id is not None
    assert event.message.external_id.startswith("sha256:")


def test_inline_image_keeps_its_content_id() -> None:
    """An attachment's Content-ID is its external id (HTML bodies reference it)."""
    message = email.message.EmailMessage(policy=email.policy.default)
    message["From"] = "ada@example.com"
    message["Date"] = "Mon, 02 Mar 2026 12:00:00 +0000"
    message.set_content("see image")
    message.add_attachment(
        b"\x89PNG", maintype="image", subtype="png", filename="a.png", cid="<img1@example.com>"
    )
    (attachment,) = parse(message.as_bytes()).message.attachments
    assert attachment.external_id == "img1@example.com"


def test_unusable_sender_address_gives_no_identifier() -> None:
    """A From that is not a valid address still yields the message, with no identifier."""
    raw = b"From: Someone <not an address@>\r\nMessage-ID: <z@x>\r\nDate: Mon, 02 Mar 2026 12:00:00 +0000\r\n\r\nhi\r\n"
    assert parse(raw).sender == ()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not an RFC 5322 message"),
        (b"Subject: hi\r\n\r\nno sender\r\n", "From: required field is missing"),
        (b"From: <>\r\n\r\nbounce\r\n", "From: required field is missing"),
    ],
)
def test_bad_email(raw: bytes, message: str) -> None:
    """Empty input or no sender are PayloadErrors."""
    with pytest.raises(PayloadError) as info:
        ADAPTER.parse(request(raw))
    assert str(info.value) == message


def test_render_reply() -> None:
    """Rendering builds an RFC 5322 reply with In-Reply-To and References."""
    outbound = OutboundMessage(
        to="jane@example.com",
        sender="support@shop.example",
        now=datetime(2026, 3, 2, tzinfo=UTC),
        text="Shipped today.",
        subject="Re: Café order",
        reply_to="CAF123@mail.example.com",
    )
    (request,) = ADAPTER.render(outbound)
    assert (request.method, request.url) == ("SMTP", "mailto:jane@example.com")
    sent = email.message_from_bytes(request.body, policy=email.policy.default)
    assert sent["In-Reply-To"] == "<CAF123@mail.example.com>"
    assert sent["References"] == "<CAF123@mail.example.com>"
    assert str(sent["Subject"]) == "Re: Café order"
    assert sent.get_content().strip() == "Shipped today."
    ADAPTER.verify(WebhookRequest(body=b"anything", received_at=RECEIVED), now=RECEIVED)


def test_render_needs_a_sender() -> None:
    """An email without From is refused with a ValidationError."""
    outbound = OutboundMessage(
        to="jane@example.com", now=datetime(2026, 3, 2, tzinfo=UTC), text="x"
    )
    with pytest.raises(ValidationError) as info:
        ADAPTER.render(outbound)
    assert str(info.value) == "sender: an email needs a From address"


def test_render_writes_every_threading_header() -> None:
    """Message-ID, Date, In-Reply-To, References (parent appended once), Cc and a one-line Subject."""
    outbound = OutboundMessage(
        to="jane@example.com",
        sender="Shop Support <support@shop.example>",
        now=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        text="Shipped today.",
        subject="Re: Café\r\n order",
        message_id="act.r1.1@support.shop.example",
        reply_to="<b@mail.example.com>",
        references=("a@mail.example.com", "b@mail.example.com"),
        cc=("ann@example.com", "bob@example.com"),
    )
    (request,) = ADAPTER.render(outbound)
    sent = email.message_from_bytes(request.body, policy=email.policy.default)
    assert sent["Message-ID"] == "<act.r1.1@support.shop.example>"
    assert sent["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
    assert sent["In-Reply-To"] == "<b@mail.example.com>"
    assert sent["References"] == "<a@mail.example.com> <b@mail.example.com>"
    assert sent["Cc"] == "ann@example.com, bob@example.com"
    assert str(sent["Subject"]) == "Re: Café order"
    # Appended when the chain does not end with the parent.
    other = attrs.evolve(outbound, references=("a@mail.example.com",))
    (request,) = ADAPTER.render(other)
    sent = email.message_from_bytes(request.body, policy=email.policy.default)
    assert sent["References"] == "<a@mail.example.com> <b@mail.example.com>"


@pytest.mark.parametrize("field", ["message_id", "reply_to", "references"])
def test_render_refuses_ids_that_could_break_the_header(field: str) -> None:
    """An id with a space, bracket or line break inside is a ValidationError, not an injected field."""
    bad = "x@y>\r\nBcc: all@example.com"
    value: object = (bad,) if field == "references" else bad
    fine = OutboundMessage(to="jane@example.com", sender="s@shop.example", text="x",
                           now=datetime(2026, 3, 2, tzinfo=UTC))  # fmt: skip
    outbound = attrs.evolve(fine, **{field: value})
    with pytest.raises(ValidationError) as info:
        ADAPTER.render(outbound)
    assert info.value.paths == (field,)


def test_parse_keeps_the_other_recipients() -> None:
    """To and Cc addresses land in metadata, so a reply can copy them again."""
    raw = SIMPLE.replace(b"To: support@shop.example\r\n",
                         b'To: support@shop.example, "Lee, Ann" <ann@example.com>\r\n'
                         b"Cc: bob@example.com\r\n")  # fmt: skip
    metadata = parse(raw).message.metadata
    assert metadata["to"] == ("support@shop.example", "ann@example.com")
    assert metadata["cc"] == ("bob@example.com",)

"""Email: RFC 5322 / MIME messages in (raw bytes), RFC 5322 messages out.

Parsing uses the standard library's ``email`` package with ``policy.default``,
which decodes RFC 2047 encoded-words and charsets and parses address lists
(display names with commas included).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import message_id
from omnicx.channels._email_text import html_to_text, strip_reply
from omnicx.channels._events import ChannelEvent, MessageReceived
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._wire import check_size, in_utc
from omnicx.errors import PayloadError, PayloadReason, ValidationError
from omnicx.model import Attachment, Author, AuthorKind, Channel, Direction, Message, ThreadRefs

# RFC 5322 section 3.6.4: msg-id = "<" id-left "@" id-right ">".
_MSG_ID = re.compile(r"<([^<>\s]+)>")
# What may stand between the angle brackets of an id we write: no space, no
# brackets and no line break (a header value holding one could inject fields).
_SENDABLE_ID = re.compile(r"[^<>\s]+@[^<>\s]+")
_CAPABILITIES = Capabilities()


@attrs.frozen(kw_only=True)
class EmailAdapter:
    """Inbound RFC 5322 messages as raw bytes; outbound as RFC 5322 bytes for SMTP.

    Email has no webhook signature: ``verify`` accepts everything; mail that
    arrives through a provider's signed webhook goes through that provider's
    adapter (``SendGridInboundAdapter``, ``MailgunInboundAdapter``,
    ``PostmarkInboundAdapter``, ``SesInboundAdapter``), which checks the
    signature and parses the raw message with this adapter. The sender's address comes out as an
    unverified email identifier unless ``trust_sender`` says the host's mail
    gateway checked it (SPF/DKIM/DMARC alignment).

    Attributes:
        strip_quotes: keep only the new text of replies (quoted history and
            signature cut); the full body stays in ``metadata["full_text"]``.
        trust_sender: mark the From address as verified.
    """

    strip_quotes: bool = True
    trust_sender: bool = False

    @property
    def channel(self) -> Channel:
        """Always ``Channel.EMAIL``."""
        return Channel.EMAIL

    @property
    def capabilities(self) -> Capabilities:
        """No text limit, no window; outbound attachments are the host's to add."""
        return _CAPABILITIES

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Accept: plain email carries no webhook signature."""

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """One inbound message from the raw RFC 5322 bytes in ``request.body``.

        A message without a readable ``Date`` is dated ``request.received_at``,
        which also bounds the sender's claimed date.
        """
        body = request.body
        check_size(body)
        try:
            parsed = email.message_from_bytes(body, policy=email.policy.default)
            return (self._message(parsed, body, request.received_at),)
        except PayloadError:
            raise
        except Exception:  # the stdlib parser raises assorted errors on hostile input
            raise PayloadError(
                PayloadReason.MALFORMED, "not a parseable RFC 5322 message"
            ) from None

    def _message(
        self, parsed: email.message.Message, raw: bytes, received: datetime
    ) -> MessageReceived:
        if not isinstance(parsed, EmailMessage) or not parsed.keys():
            raise PayloadError(PayloadReason.MALFORMED, "not an RFC 5322 message")
        sender = parsed["From"]
        addresses = getattr(sender, "addresses", ())
        if not addresses or not addresses[0].addr_spec or addresses[0].addr_spec == "<>":
            raise PayloadError(
                PayloadReason.MISSING_FIELD, "required field is missing", field="From"
            )
        address = addresses[0]
        name = address.display_name or None
        full_text = _body_text(parsed)
        text = strip_reply(full_text) if self.strip_quotes else full_text
        ids = _msg_ids(_header(parsed, "Message-ID"))
        # No Message-ID (RFC 5322 says SHOULD, not MUST): a digest of the bytes
        # still de-duplicates redeliveries of the same message.
        external = ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()[:32]
        subject = _header(parsed, "Subject")
        thread = ThreadRefs(
            message_id=ids[0] if ids else None,
            in_reply_to=_msg_ids(_header(parsed, "In-Reply-To")),
            references=_msg_ids(_header(parsed, "References")),
            subject=subject,
        )
        metadata: dict[str, object] = {"full_text": full_text}
        for field in ("To", "Cc"):
            # The other recipients, so a reply can copy them again (reply-all).
            recipients = _addresses(parsed, field)
            if recipients:
                metadata[field.lower()] = list(recipients)
        auto = (_header(parsed, "Auto-Submitted") or "no").strip().lower()
        if auto != "no":
            # RFC 3834: auto-replies say so; a host must not auto-reply to them.
            metadata["auto_submitted"] = auto
        message = Message(
            id=message_id(Channel.EMAIL, external),
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER, name=name),
            sent_at=_date(parsed, received),
            text=text,
            attachments=_attachments(parsed),
            external_id=external,
            thread=thread,
            metadata=metadata,
        )
        return MessageReceived(
            message=message,
            sender=_ids.email(address.addr_spec, verified=self.trust_sender),
            sender_name=name,
            received_at=received,
        )

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return check_send(outbound, _CAPABILITIES, LongText.SPLIT)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """One RFC 5322 message for the host's SMTP client.

        ``outbound.sender`` is the From address (required). ``reply_to`` is
        the Message-ID replied to: it becomes In-Reply-To, and References is
        ``outbound.references`` followed by it (RFC 5322 section 3.6.4).
        ``message_id`` becomes Message-ID (else the host's mail system adds
        one), ``cc`` the Cc field, and Date is ``outbound.now``.
        ``omnicx.desk.outbound_email`` builds the message from a desk reply.

        Raises:
            ValidationError: no sender, or an id that is not ``left@right``
                without spaces or angle brackets.
        """
        enforce(self.channel.name, outbound, _CAPABILITIES, LongText.SPLIT)
        if not outbound.sender:
            raise ValidationError.single("sender", "an email needs a From address")
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = outbound.sender
        message["To"] = outbound.to
        if outbound.cc:
            message["Cc"] = ", ".join(outbound.cc)
        # Subjects come from customers' mail: a line break would end the field.
        message["Subject"] = " ".join((outbound.subject or "").split())
        # RFC 5322 section 3.6.1: "The origination date field ... MUST" be present.
        message["Date"] = format_datetime(outbound.now)
        if outbound.message_id:
            message["Message-ID"] = _bracketed(outbound.message_id, "message_id")
        references = [_bracketed(r, "references") for r in outbound.references]
        if outbound.reply_to:
            parent = _bracketed(outbound.reply_to, "reply_to")
            message["In-Reply-To"] = parent
            # RFC 5322 section 3.6.4: References holds "the contents of the
            # parent's "References:" field (if any) followed by the contents
            # of the parent's "Message-ID:" field".
            if not references or references[-1] != parent:
                references.append(parent)
        if references:
            message["References"] = " ".join(references)
        message.set_content(outbound.text)
        return (
            OutboundRequest(
                method="SMTP",
                url=f"mailto:{outbound.to}",
                headers={"Content-Type": "message/rfc822"},
                body=message.as_bytes(),
            ),
        )


def _bracketed(message_id: str, field: str) -> str:
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    if not _SENDABLE_ID.fullmatch(bare):
        raise ValidationError.single(
            field, "expected a Message-ID like 'id@domain' (no spaces or angle brackets inside)"
        )
    return f"<{bare}>"


def _addresses(parsed: email.message.Message, name: str) -> tuple[str, ...]:
    try:
        value = parsed.get(name)
        found: Iterable[object] = getattr(value, "addresses", ()) if value is not None else ()
        specs = (str(getattr(a, "addr_spec", "")) for a in found)
        return tuple(spec for spec in specs if "@" in spec)
    except (IndexError, ValueError, TypeError, AttributeError):
        return ()


def _header(parsed: email.message.Message, name: str) -> str | None:
    # policy.default parses structured headers; a malformed one (a lone "<" in
    # Message-ID) makes that parser raise, so fall back to the raw text.
    try:
        value = parsed.get(name)
        return None if value is None else str(value)
    except (IndexError, ValueError, TypeError, AttributeError):
        raw = next((v for k, v in parsed.raw_items() if k.lower() == name.lower()), None)
        return None if raw is None else str(raw)


def _msg_ids(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(_MSG_ID.findall(value))


def _date(parsed: email.message.Message, received: datetime) -> datetime:
    value = parsed.get("Date")
    stamp = getattr(value, "datetime", None)
    if isinstance(stamp, datetime):
        try:
            # RFC 5322 section 3.3: "-0000" means UTC with no local-offset information.
            return in_utc(stamp, field="Date")
        except PayloadError:
            pass  # a Date past year 9999 in UTC says as little as an unreadable one
    return received


def _body_text(parsed: EmailMessage) -> str:
    # multipart/alternative: prefer text/plain; HTML only when it is alone.
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except LookupError:
        # An unknown charset name: keep what UTF-8 can read rather than lose the message.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def _attachments(parsed: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in parsed.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else None,
                external_id=next(iter(_msg_ids(_header(part, "Content-ID"))), None),
            )
        )
    return tuple(found)

"""The email round trip: customer mail, agent reply, rendered headers, the customer's answer.

The mails are written the way real clients write them (Apple Mail's first
message, Gmail's and Outlook's replies with quoted history), so threading is
proven on the headers a desk actually receives.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.channels.requests import request

from omnicx import FixedClock, serde
from omnicx.channels import EmailAdapter, MessageReceived
from omnicx.desk import (
    Desk,
    EmailIdentity,
    OutboxKind,
    Outgoing,
    UnthreadedOwnMailError,
    outbound_email,
)
from omnicx.errors import ConflictError, ValidationError
from omnicx.model import AuthorKind, Channel, Direction, MessageEvent
from omnicx.privacy import erase_customer
from omnicx.storage import ConversationRecord, DeskStore, MemoryStore, SqliteStore

from .test_desk import RULES, SLA, T0

ADAPTER = EmailAdapter()
IDENTITY = EmailIdentity(
    from_address="Shop Support <support@shop.example>",
    domain="support.shop.example",
    own_addresses=frozenset({"Sam.Staff@shop.example"}),
)

# RFC 5322 section 3.6.4 with section 3.2.3: msg-id = "<" dot-atom-text "@"
# dot-atom-text ">" (the forms the desk writes).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*")

# Apple Mail: a first message, copying a colleague, to the support address.
FIRST = (
    b"From: Ada Lovelace <ada@example.com>\r\n"
    b"To: Shop Support <support@shop.example>\r\n"
    b"Cc: Charles Babbage <charles@example.com>\r\n"
    b"Subject: RE: AW: Order 1234 hasn't arrived\r\n"
    b"Date: Mon, 2 Mar 2026 08:55:00 +0000\r\n"
    b"Message-Id: <7E1F3C2A-55B1-4D7E-9A0E-1B2C3D4E5F60@example.com>\r\n"
    b"Mime-Version: 1.0 (Mac OS X Mail 16.0)\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"My order 1234 still hasn't arrived.\r\n"
)
FIRST_ID = "7E1F3C2A-55B1-4D7E-9A0E-1B2C3D4E5F60@example.com"
REPLY_ID = "act.r1.1@support.shop.example"


def gmail_reply(parent: str, references: str, *, sender: bytes = b"ada@example.com") -> bytes:
    """A Gmail reply: In-Reply-To the parent, References the chain, quoted history below."""
    return (
        b"From: Ada Lovelace <" + sender + b">\r\n"
        b"To: Shop Support <support@shop.example>\r\n"
        b"Subject: Re: Order 1234 hasn't arrived\r\n"
        b"Date: Wed, 4 Mar 2026 10:00:00 +0000\r\n"
        b"Message-ID: <CAH+w=7Zq1x@mail.gmail.com>\r\n"
        b"In-Reply-To: <" + parent.encode() + b">\r\n"
        b"References: " + references.encode() + b"\r\n"
        b'Content-Type: text/plain; charset="UTF-8"\r\n'
        b"\r\n"
        b"Still nothing, sorry.\r\n"
        b"\r\n"
        b"On Mon, Mar 2, 2026 at 9:00 AM Shop Support <support@shop.example> wrote:\r\n"
        b"> It ships today.\r\n"
    )


def mail(raw: bytes) -> MessageReceived:
    (event,) = ADAPTER.parse(request(raw))
    assert isinstance(event, MessageReceived)
    return event


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


@pytest.fixture
def desk(store: DeskStore) -> Desk:
    return Desk(store=store, clock=FixedClock(T0), email=IDENTITY)


def _reply(desk: Desk, conversation_id: str, request_id: str = "r1") -> Outgoing:
    receipt = desk.reply(conversation_id, agent_id="amy", text="It ships today.",
                         request_id=request_id)  # fmt: skip
    (item,) = receipt.outbox
    assert item.kind is OutboxKind.AGENT_REPLY
    return item


def test_full_round_trip_threads_the_customers_answer_by_reference(desk: Desk) -> None:
    """Customer mail -> reply -> render -> the customer's Gmail reply lands on the same conversation.

    No ``record_sent``: the desk indexed its own Message-ID when the agent replied.
    """
    first = desk.receive(mail(FIRST))
    item = _reply(desk, first.conversation_id)
    assert (item.message_id, item.in_reply_to, item.references) == (
        REPLY_ID, FIRST_ID, (FIRST_ID,),
    )  # fmt: skip
    assert item.subject == "Re: Order 1234 hasn't arrived"
    assert item.sender == "Shop Support <support@shop.example>"

    (request,) = ADAPTER.render(outbound_email(item, T0))
    sent = email.message_from_bytes(request.body, policy=email.policy.default)
    assert sent["Message-ID"] == f"<{REPLY_ID}>"
    assert sent["In-Reply-To"] == f"<{FIRST_ID}>"
    assert sent["References"] == f"<{FIRST_ID}>"
    assert sent["Subject"] == "Re: Order 1234 hasn't arrived"
    assert sent["From"] == "Shop Support <support@shop.example>"
    assert sent["To"] == "ada@example.com"
    assert sent["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"

    # Two days later, long after any continuity window.
    desk.clock.advance(days=2)  # type: ignore[attr-defined]
    answer = desk.receive(mail(gmail_reply(REPLY_ID, f"<{FIRST_ID}> <{REPLY_ID}>")))
    assert answer.conversation_id == first.conversation_id
    assert answer.thread_reason == "in_reply_to"
    record = desk.conversation(first.conversation_id)
    assert record.email_parent == "CAH+w=7Zq1x@mail.gmail.com"
    assert record.email_references == (FIRST_ID, REPLY_ID, "CAH+w=7Zq1x@mail.gmail.com")
    # The next reply answers the Gmail one and carries the whole chain.
    second = _reply(desk, first.conversation_id, "r2")
    assert second.in_reply_to == "CAH+w=7Zq1x@mail.gmail.com"
    assert second.references == record.email_references


def test_an_outlook_reply_with_references_only_threads_too(desk: Desk) -> None:
    """A client that drops In-Reply-To still threads by the nearest id in References."""
    first = desk.receive(mail(FIRST))
    _reply(desk, first.conversation_id)
    raw = (
        b"From: Ada Lovelace <ada@example.com>\r\n"
        b"To: support@shop.example\r\n"
        b"Subject: RE: Order 1234 hasn't arrived\r\n"
        b"Date: Fri, 6 Mar 2026 10:00:00 +0000\r\n"
        b"Message-ID: <AM0PR01MB1234@AM0PR01MB1234.eurprd01.prod.outlook.com>\r\n"
        b"References: <" + FIRST_ID.encode() + b">\r\n <" + REPLY_ID.encode() + b">\r\n"
        b"Content-Type: text/plain\r\n\r\n"
        b"Any news?\r\n\r\n-----Original Message-----\r\nFrom: Shop Support\r\n"
    )
    desk.clock.advance(days=4)  # type: ignore[attr-defined]
    answer = desk.receive(mail(raw))
    assert (answer.conversation_id, answer.thread_reason) == (first.conversation_id, "references")


def test_cc_recipients_are_kept_and_a_colleagues_reply_all_threads(desk: Desk) -> None:
    """The reply copies the customer's Cc (not the business's own addresses); their reply-all threads."""
    first = desk.receive(mail(FIRST))
    item = _reply(desk, first.conversation_id)
    assert item.cc == ("charles@example.com",)
    (request,) = ADAPTER.render(outbound_email(item, T0))
    sent = email.message_from_bytes(request.body, policy=email.policy.default)
    assert sent["Cc"] == "charles@example.com"
    colleague = desk.receive(
        mail(gmail_reply(REPLY_ID, f"<{FIRST_ID}> <{REPLY_ID}>", sender=b"charles@example.com"))
    )
    assert colleague.conversation_id == first.conversation_id


def test_cc_is_dropped_when_not_kept(store: DeskStore) -> None:
    """``keep_cc=False``: the reply goes to the customer alone."""
    identity = EmailIdentity(from_address="support@shop.example", domain="shop.example",
                             keep_cc=False)  # fmt: skip
    desk = Desk(store=store, clock=FixedClock(T0), email=identity)
    first = desk.receive(mail(FIRST))
    assert _reply(desk, first.conversation_id).cc == ()


def test_a_bcc_copy_of_the_desks_own_reply_adds_nothing(desk: Desk) -> None:
    """The support mailbox gets a copy of the reply: known message, no new customer or message."""
    first = desk.receive(mail(FIRST))
    item = _reply(desk, first.conversation_id)
    (request,) = ADAPTER.render(outbound_email(item, T0))
    before = desk.store.events(conversation_id=first.conversation_id)
    copy = desk.receive(mail(request.body))
    assert copy.conversation_id == first.conversation_id
    assert copy.customer_id == first.customer_id
    assert copy.thread_reason == "known_message"
    assert desk.store.events(conversation_id=first.conversation_id) == before
    assert desk.receive(mail(request.body)).replayed


def test_staff_mail_from_an_own_address_is_the_business_speaking(desk: Desk) -> None:
    """A colleague answers from Outlook, Bcc support: an outbound agent message on the thread."""
    first = desk.receive(mail(FIRST))
    raw = (
        b"From: Sam Staff <sam.staff@shop.example>\r\n"
        b"To: ada@example.com\r\n"
        b"Bcc: support@shop.example\r\n"
        b"Subject: RE: Order 1234 hasn't arrived\r\n"
        b"Date: Mon, 2 Mar 2026 09:30:00 +0000\r\n"
        b"Message-ID: <staff-1@shop.example>\r\n"
        b"In-Reply-To: <" + FIRST_ID.encode() + b">\r\n"
        b"References: <" + FIRST_ID.encode() + b">\r\n"
        b"Content-Type: text/plain\r\n\r\n"
        b"I have asked the courier.\r\n"
    )
    receipt = desk.receive(mail(raw))
    assert (receipt.conversation_id, receipt.customer_id) == (
        first.conversation_id, first.customer_id,
    )  # fmt: skip
    assert receipt.thread_reason == "in_reply_to"
    messages = [e.message for e in desk.store.events(conversation_id=first.conversation_id)
                if isinstance(e, MessageEvent)]  # fmt: skip
    staff = messages[-1]
    assert (staff.direction, staff.author.kind) == (Direction.OUTBOUND, AuthorKind.AGENT)
    assert desk.store.conversations_of([first.customer_id]) == [
        desk.conversation(first.conversation_id)
    ]
    # The customer answers the colleague's mail: same conversation.
    desk.clock.advance(days=3)  # type: ignore[attr-defined]
    answer = desk.receive(mail(gmail_reply("staff-1@shop.example", "<staff-1@shop.example>")))
    assert (answer.conversation_id, answer.thread_reason) == (first.conversation_id, "in_reply_to")


def test_own_mail_naming_nothing_known_is_refused_and_records_nothing(desk: Desk) -> None:
    """A sent-folder copy of unrelated mail: a typed error, no customer, no receipt; again the same."""
    raw = (
        b"From: support@shop.example\r\nTo: supplier@example.org\r\n"
        b"Subject: Invoice\r\nDate: Mon, 2 Mar 2026 08:00:00 +0000\r\n"
        b"Message-ID: <out-99@shop.example>\r\n\r\nPlease find attached.\r\n"
    )
    for _ in range(2):
        with pytest.raises(UnthreadedOwnMailError) as info:
            desk.receive(mail(raw))
        assert info.value.message_id == "out-99@shop.example"
    assert desk.store.receipt("in:" + mail(raw).message.id) is None
    assert desk.store.conversation_for_ref("mid:out-99@shop.example") is None
    assert str(info.value) == (
        "mail from one of the business's own addresses (Desk.email) references no known "
        "conversation by Message-ID, In-Reply-To or References; nothing was recorded "
        "(skip it, or send it through the desk to thread it)"
    )


def test_record_sent_indexes_the_message_id_the_mailer_used(desk: Desk) -> None:
    """A mailer that rewrites Message-ID: ``record_sent(message_id=...)`` keeps the thread."""
    first = desk.receive(mail(FIRST))
    _reply(desk, first.conversation_id)
    desk.record_sent(first.conversation_id, channel=Channel.EMAIL,
                     external_id="ses-0001", message_id="<0100018e@eu-west-1.amazonses.com>")  # fmt: skip
    desk.clock.advance(days=2)  # type: ignore[attr-defined]
    parent = "0100018e@eu-west-1.amazonses.com"
    answer = desk.receive(mail(gmail_reply(parent, f"<{FIRST_ID}> <{parent}>")))
    assert (answer.conversation_id, answer.thread_reason) == (first.conversation_id, "in_reply_to")
    with pytest.raises(ValidationError):
        desk.record_sent(first.conversation_id, channel=Channel.EMAIL, external_id="x",
                         message_id="two words")  # fmt: skip


def test_record_sent_refuses_an_id_another_conversation_holds(desk: Desk) -> None:
    """One Message-ID never names two conversations."""
    first = desk.receive(mail(FIRST))
    other = desk.receive(mail(FIRST.replace(b"ada@", b"bob@").replace(b"7E1F", b"8E1F")))
    assert other.conversation_id != first.conversation_id
    with pytest.raises(ConflictError):
        desk.record_sent(other.conversation_id, channel=Channel.EMAIL, external_id="x",
                         message_id=FIRST_ID)  # fmt: skip


def test_message_ids_are_deterministic_across_replays_and_stores(store: DeskStore) -> None:
    """The same calls give the same ids: a retried reply, and a fresh desk replaying the day."""
    ids = []
    for backing in (store, MemoryStore()):
        desk = Desk(store=backing, clock=FixedClock(T0), email=IDENTITY)
        first = desk.receive(mail(FIRST))
        ids.append(_reply(desk, first.conversation_id).message_id)
        retried = desk.reply(first.conversation_id, agent_id="amy", text="It ships today.",
                             request_id="r1")  # fmt: skip
        assert retried.replayed
        assert retried.outbox[0].message_id == ids[-1]
        unkeyed = desk.reply(first.conversation_id, agent_id="amy", text="More news.")
        ids.append(unkeyed.outbox[0].message_id)
    assert ids[0] == ids[2] == REPLY_ID
    assert ids[1] == ids[3]
    assert all(MSG_ID.fullmatch(i or "") for i in ids)


@given(st.text(min_size=1, max_size=120), st.text(min_size=1, max_size=120))
def test_message_ids_are_valid_and_distinct_for_distinct_keys(first: str, second: str) -> None:
    """Any request id gives RFC 5322 msg-id syntax; two short keys never share an id."""
    one = IDENTITY.message_id(f"act:{first}", 1)
    two = IDENTITY.message_id(f"act:{second}", 1)
    assert MSG_ID.fullmatch(one)
    assert MSG_ID.fullmatch(two)
    assert one == IDENTITY.message_id(f"act:{first}", 1)
    if first != second and max(len(first), len(second)) <= 20:
        assert one != two


def test_without_email_identity_replies_still_thread_but_carry_no_id(store: DeskStore) -> None:
    """``Desk.email`` None: subject and threading headers, no Message-ID or From; own mail is a customer."""
    desk = Desk(store=store, clock=FixedClock(T0))
    first = desk.receive(mail(FIRST))
    item = _reply(desk, first.conversation_id)
    assert (item.message_id, item.sender, item.cc) == (None, None, ())
    assert (item.subject, item.in_reply_to) == ("Re: Order 1234 hasn't arrived", FIRST_ID)
    message = outbound_email(item, T0, sender="support@shop.example")
    assert message.sender == "support@shop.example"
    assert message.reply_to == FIRST_ID
    assert message.human_agent


def test_a_late_older_mail_does_not_become_the_parent(desk: Desk) -> None:
    """A reply answers the newest mail, whatever order the webhooks came in."""
    first = desk.receive(mail(FIRST))
    older = FIRST.replace(b"08:55:00", b"08:00:00").replace(b"7E1F", b"0000")
    desk.receive(mail(older))
    assert desk.conversation(first.conversation_id).email_parent == FIRST_ID


def test_outbound_email_refuses_items_that_are_not_email(desk: Desk) -> None:
    """Only an email item to a customer becomes an email."""
    chat = Outgoing(kind=OutboxKind.AGENT_REPLY, conversation_id="c1", customer_id="p1",
                    channel=Channel.CHAT, to="session-1")  # fmt: skip
    with pytest.raises(ValidationError) as info:
        outbound_email(chat, T0)
    assert str(info.value) == (
        "outgoing: outbound_email needs an email outbox item with a 'to' address "
        "(got channel 'chat')"
    )


def test_email_identity_reports_bad_configuration() -> None:
    """A wrong From, domain or own address is refused with its path."""
    with pytest.raises(ValidationError) as info:
        EmailIdentity(from_address="support", domain="shop.example")
    assert info.value.paths == ("EmailIdentity.from_address",)
    with pytest.raises(ValidationError) as info:
        EmailIdentity(from_address="support@shop.example", domain="shop..example")
    assert info.value.paths == ("EmailIdentity.domain",)
    with pytest.raises(ValidationError) as info:
        EmailIdentity(from_address="a@shop.example", domain="x", own_addresses=frozenset({"nope"}))
    assert info.value.paths[0].startswith("EmailIdentity.own_addresses[0]")
    with pytest.raises(ValidationError) as info:
        Desk(store=MemoryStore(), clock=FixedClock(T0), email="support@shop.example")  # type: ignore[arg-type]
    assert info.value.paths == ("Desk.email",)
    assert IDENTITY.is_own("SAM.STAFF@shop.example")
    assert not IDENTITY.is_own("ada@example.com")


def test_records_with_email_state_round_trip_and_old_records_still_load(desk: Desk) -> None:
    """The new fields survive the store; a record stored before them loads with defaults."""
    first = desk.receive(mail(FIRST))
    record = desk.conversation(first.conversation_id)
    # Own addresses stay until a reply is built (the identity may change meanwhile).
    assert record.email_cc == ("support@shop.example", "charles@example.com")
    assert serde.from_dict(ConversationRecord, serde.to_dict(record)) == record
    old = {k: v for k, v in serde.to_dict(record).items() if not k.startswith("email_")}
    loaded = serde.from_dict(ConversationRecord, old)
    assert (loaded.email_parent, loaded.email_references, loaded.email_cc) == (None, (), ())


def test_erasure_forgets_the_email_thread(desk: Desk) -> None:
    """Message-IDs and copied addresses can name people: erasure clears them."""
    first = desk.receive(mail(FIRST))
    erase_customer(desk.store, first.customer_id, now=T0 + timedelta(days=1), actor="dpo",
                   reason="request")  # fmt: skip
    record = desk.conversation(first.conversation_id)
    assert (record.email_parent, record.email_references, record.email_cc) == (None, (), ())


def test_own_mail_is_never_routed(store: DeskStore) -> None:
    """``explain`` has nothing to say about the business's own mail."""
    desk = Desk(store=store, clock=FixedClock(T0), rules=RULES, email=IDENTITY)
    assert desk.explain(mail(FIRST)) is not None
    own = FIRST.replace(b"From: Ada Lovelace <ada@example.com>", b"From: support@shop.example")
    assert desk.explain(mail(own)) is None


def test_a_late_copy_of_mail_to_an_erased_customer_names_nothing(desk: Desk) -> None:
    """Erasure drops the thread references: the copy is refused, the customer stays erased."""
    first = desk.receive(mail(FIRST))
    item = _reply(desk, first.conversation_id)
    (request,) = ADAPTER.render(outbound_email(item, T0))
    erase_customer(desk.store, first.customer_id, now=T0 + timedelta(days=1), actor="dpo",
                   reason="request")  # fmt: skip
    with pytest.raises(UnthreadedOwnMailError):
        desk.receive(mail(request.body))


def test_a_colleagues_answer_from_their_own_mailbox_is_the_first_reply(store: DeskStore) -> None:
    """Staff answering outside the desk still answered: the first-reply clock is achieved."""
    desk = Desk(store=store, clock=FixedClock(T0), sla=SLA, email=IDENTITY)
    desk.receive(mail(FIRST))
    raw = (
        b"From: sam.staff@shop.example\r\nTo: ada@example.com\r\nSubject: Re: Order\r\n"
        b"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\nMessage-ID: <s1@shop.example>\r\n"
        b"In-Reply-To: <" + FIRST_ID.encode() + b">\r\n\r\nOn it.\r\n"
    )
    states = {line.metric: line.state for line in desk.receive(mail(raw)).sla}
    assert states["first_reply"] == "achieved"

"""Hypothesis strategies for every public omnicx model type.

Use them in your own property tests::

    from hypothesis import given
    from omnicx.testing import strategies as oxs

    @given(oxs.events())
    def test_my_store_round_trips(event): ...

Every strategy produces valid values only (aware datetimes, non-empty ids,
scores inside their scale).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from omnicx.model import (
    ORDER_STATUSES,
    WELL_KNOWN_CHANNELS,
    Agent,
    AgentStatus,
    AnswerRated,
    ArticlesOffered,
    Assigned,
    Attachment,
    Author,
    AuthorKind,
    BotOwned,
    BotOwner,
    CallEvent,
    CallStatus,
    CallWrappedUp,
    Channel,
    Conversation,
    ConversationCreated,
    Customer,
    CustomEvent,
    DetailsChanged,
    Direction,
    Event,
    HandedOff,
    HandoffReason,
    Identifier,
    IdentifierKind,
    Message,
    MessageEvent,
    NoteEvent,
    OfferedArticle,
    OrderChange,
    OrderEvent,
    PaymentEvent,
    PaymentKind,
    Priority,
    PriorityChanged,
    Queue,
    QueueChanged,
    Status,
    StatusChanged,
    SubscriptionChange,
    SubscriptionEvent,
    SuggestionUsed,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
    Team,
    ThreadRefs,
    Transcript,
    TranscriptLine,
)

__all__ = [
    "agents",
    "attachments",
    "authors",
    "aware_datetimes",
    "bot_owners",
    "channels",
    "conversations",
    "customers",
    "events",
    "identifiers",
    "ids",
    "json_objects",
    "messages",
    "queues",
    "teams",
    "thread_refs",
    "transcripts",
]

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def ids() -> st.SearchStrategy[str]:
    """Short, non-empty, printable ids."""
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


def aware_datetimes(start: datetime = _EPOCH, days: int = 3650) -> st.SearchStrategy[datetime]:
    """Aware datetimes from ``start`` over ``days``, in UTC or a fixed offset.

    Whole seconds (microsecond=0), the resolution the wire format keeps
    losslessly and helpdesks report.
    """
    offsets = st.sampled_from([0, 60, -300, 330, 540]).map(lambda m: timezone(timedelta(minutes=m)))
    seconds = st.integers(min_value=0, max_value=days * 86400)
    return st.builds(lambda s, tz: (start + timedelta(seconds=s)).astimezone(tz), seconds, offsets)


def _words() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


_tags = st.frozensets(ids(), max_size=4)
_field_values = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


def json_objects() -> st.SearchStrategy[dict[str, Any]]:
    """Small JSON objects with scalar and nested values."""
    scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _words()
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ids(), inner, max_size=3),
        max_leaves=6,
    )
    return st.dictionaries(ids(), values, max_size=4)


def channels() -> st.SearchStrategy[Channel]:
    """Well-known channels and a few custom ones."""
    return st.sampled_from([*WELL_KNOWN_CHANNELS, "line", "telegram", "zalo"]).map(Channel)


def identifiers() -> st.SearchStrategy[Identifier]:
    """Identifiers of every kind, with namespaces where the kind needs one."""
    plain = st.builds(
        Identifier,
        kind=st.sampled_from([IdentifierKind.EMAIL, IdentifierKind.PHONE]),
        value=ids(),
        verified=st.booleans(),
    )
    namespaced = st.builds(
        Identifier,
        kind=st.sampled_from([IdentifierKind.HANDLE, IdentifierKind.EXTERNAL]),
        value=ids(),
        namespace=st.sampled_from(["instagram", "messenger", "whatsapp", "shopify:customer"]),
        verified=st.booleans(),
    )
    return plain | namespaced


def customers() -> st.SearchStrategy[Customer]:
    """Customer profiles."""
    return st.builds(
        Customer,
        id=ids(),
        identifiers=st.lists(identifiers(), max_size=4).map(tuple),
        name=st.none() | _words(),
        vip=st.booleans(),
        tier=st.none() | st.sampled_from(["gold", "silver"]),
        language=st.none() | st.sampled_from(["en", "de", "pt-BR"]),
        timezone=st.none() | st.sampled_from(["Europe/Berlin", "America/New_York"]),
        lifetime_value=st.none() | _money,
        attributes=json_objects(),
        created_at=st.none() | aware_datetimes(),
    )


def authors() -> st.SearchStrategy[Author]:
    """Message authors of every kind."""
    return st.builds(
        Author, kind=st.sampled_from(AuthorKind), id=st.none() | ids(), name=st.none() | _words()
    )


def attachments() -> st.SearchStrategy[Attachment]:
    """Attachment metadata."""
    return st.builds(
        Attachment,
        filename=_words(),
        content_type=st.sampled_from(["image/png", "application/pdf", "text/plain"]),
        size=st.none() | st.integers(0, 10**8),
        url=st.none() | st.just("https://files.example/x"),
        external_id=st.none() | ids(),
    )


def thread_refs() -> st.SearchStrategy[ThreadRefs]:
    """Threading references, sparse as real messages carry them."""
    msg_ids = ids().map(lambda s: f"{s}@mail.example")
    return st.builds(
        ThreadRefs,
        message_id=st.none() | msg_ids,
        in_reply_to=st.lists(msg_ids, max_size=1).map(tuple),
        references=st.lists(msg_ids, max_size=3).map(tuple),
        provider_thread_id=st.none() | ids(),
        subject=st.none() | _words(),
    )


def messages() -> st.SearchStrategy[Message]:
    """Messages on any channel, in either direction."""
    return st.builds(
        Message,
        id=ids(),
        channel=channels(),
        direction=st.sampled_from(Direction),
        author=authors(),
        sent_at=aware_datetimes(),
        text=_words(),
        attachments=st.lists(attachments(), max_size=2).map(tuple),
        external_id=st.none() | ids(),
        thread=thread_refs(),
        public=st.booleans(),
        metadata=json_objects(),
    )


def conversations() -> st.SearchStrategy[Conversation]:
    """Conversations in any status and priority."""
    return st.builds(
        Conversation,
        id=ids(),
        customer_id=ids(),
        channel=channels(),
        created_at=aware_datetimes(),
        status=st.sampled_from(Status),
        priority=st.sampled_from(Priority),
        queue=st.none() | ids(),
        assignee=st.none() | ids(),
        tags=_tags,
        subject=st.none() | _words(),
        follow_up_of=st.none() | ids(),
        bot=st.none() | bot_owners(),
    )


def bot_owners() -> st.SearchStrategy[BotOwner]:
    """The bots that own conversations."""
    return st.builds(BotOwner, id=ids(), name=st.none() | _words(), since=aware_datetimes(),
                     turns=st.integers(0, 50))  # fmt: skip


def transcripts() -> st.SearchStrategy[Transcript]:
    """Bot transcripts: customer and bot lines, some older ones left out."""
    line = st.builds(TranscriptLine, message_id=ids(), at=aware_datetimes(), author=authors(),
                     text=_words())  # fmt: skip
    return st.builds(Transcript, lines=st.lists(line, max_size=4).map(tuple),
                     omitted=st.integers(0, 10))  # fmt: skip


def agents() -> st.SearchStrategy[Agent]:
    """Agents with skills, languages and a status."""
    return st.builds(
        Agent,
        id=ids(),
        name=_words(),
        status=st.sampled_from(AgentStatus),
        capacity=st.integers(0, 50),
        queues=_tags,
        skills=_tags,
        languages=st.frozensets(st.sampled_from(["en", "de", "es"]), max_size=3),
    )


def queues() -> st.SearchStrategy[Queue]:
    """Queues."""
    return st.builds(
        Queue, id=ids(), name=_words(), team=st.none() | ids(), calendar=st.none() | ids()
    )


def teams() -> st.SearchStrategy[Team]:
    """Teams."""
    return st.builds(Team, id=ids(), name=_words(), agents=_tags)


def _base(**kinds: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "id": ids(),
        "at": aware_datetimes(),
        "customer_id": ids(),
        "conversation_id": st.none() | ids(),
        "source": st.sampled_from(["", "email", "whatsapp", "shopify"]),
        "external_id": st.none() | ids(),
        **kinds,
    }


def _survey(draw: st.DrawFn) -> SurveyResponse:
    kind = draw(st.sampled_from(SurveyKind))
    low, high = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}[kind]
    fields = draw(st.fixed_dictionaries(_base()))
    return SurveyResponse(
        **fields,
        survey=kind,
        scale_min=low,
        scale_max=high,
        score=draw(st.integers(low, high)),
        comment=draw(st.none() | _words()),
    )


def events() -> st.SearchStrategy[Event]:
    """Timeline events of every kind."""
    optional_actor = st.none() | authors()
    money = _money.map(lambda d: d if d.is_finite() else Decimal(0))
    kinds: list[st.SearchStrategy[Any]] = [
        st.builds(MessageEvent, **_base(message=messages())),
        st.builds(NoteEvent, **_base(author=authors(), text=_words(), mentions=_tags)),
        st.builds(
            StatusChanged,
            **_base(
                previous=st.none() | st.sampled_from(Status),
                status=st.sampled_from(Status),
                actor=optional_actor,
            ),
        ),
        st.builds(
            Assigned,
            **_base(
                assignee=st.none() | ids(),
                previous=st.none() | ids(),
                queue=st.none() | ids(),
                actor=optional_actor,
            ),
        ),
        st.builds(
            QueueChanged,
            **_base(previous=st.none() | ids(), queue=st.none() | ids(), actor=optional_actor),
        ),
        st.builds(
            ConversationCreated,
            **_base(
                channel=channels(),
                queue=st.none() | ids(),
                priority=st.sampled_from(Priority),
                actor=optional_actor,
            ),
        ),
        st.builds(TagsChanged, **_base(added=_tags, removed=_tags, actor=optional_actor)),
        st.builds(
            DetailsChanged,
            **_base(
                skills=st.none() | _tags,
                language=st.none() | st.sampled_from(["en", "de", "pt-BR"]),
                sla_policy=st.none() | ids(),
                fields=st.dictionaries(ids(), _field_values, max_size=3),
                actor=optional_actor,
            ),
        ),
        st.builds(
            PriorityChanged,
            **_base(
                previous=st.none() | st.sampled_from(Priority),
                priority=st.sampled_from(Priority),
                actor=optional_actor,
            ),
        ),
        st.builds(
            OrderEvent,
            **_base(
                order_id=ids(),
                system=st.just("shopify"),
                total=st.none() | money,
                currency=st.none() | st.just("EUR"),
                item_count=st.integers(0, 20),
                order_number=st.none() | st.just("#1001"),
                change=st.sampled_from(OrderChange),
                status=st.sampled_from(ORDER_STATUSES),
                fulfillment_status=st.none() | st.just("fulfilled"),
                placed_at=st.none() | aware_datetimes(),
                refunded=st.none() | money,
            ),
        ),
        st.builds(
            PaymentEvent,
            **_base(
                payment_id=ids(),
                kind=st.sampled_from(PaymentKind),
                amount=money,
                currency=st.sampled_from(["EUR", "USD"]),
                system=st.just("stripe"),
                reason=st.none() | st.just("fraudulent"),
                due_by=st.none() | aware_datetimes(),
            ),
        ),
        st.builds(
            SubscriptionEvent,
            **_base(
                subscription_id=ids(),
                change=st.sampled_from(SubscriptionChange),
                status=st.sampled_from(["trialing", "active", "past_due", "canceled"]),
                system=st.just("stripe"),
                amount=st.none() | money,
                currency=st.none() | st.just("USD"),
                trial_end=st.none() | aware_datetimes(),
                cancel_at_period_end=st.booleans(),
            ),
        ),
        st.composite(_survey)(),
        st.builds(
            CallEvent,
            **_base(
                direction=st.sampled_from(Direction),
                duration_seconds=st.integers(0, 7200),
                answered=st.booleans(),
                agent_id=st.none() | ids(),
                call_id=st.none() | ids(),
                status=st.none() | st.sampled_from(CallStatus),
                transcript=st.none() | _words(),
            ),
        ),
        st.builds(CallWrappedUp, **_base(call_id=ids(), agent_id=st.none() | ids())),
        st.builds(CustomEvent, **_base(name=ids(), data=json_objects())),
        st.builds(
            ArticlesOffered,
            **_base(articles=st.lists(_offered, max_size=3).map(tuple), min_confidence=_confidence),
        ),
        st.builds(SuggestionUsed, **_base(article_id=ids(), locale=_locales, agent_id=ids())),
        st.builds(AnswerRated, **_base(article_id=ids(), locale=_locales, helpful=st.booleans())),
        st.builds(BotOwned, **_base(bot=ids(), name=st.none() | _words(), actor=optional_actor)),
        st.builds(
            HandedOff,
            **_base(
                bot=ids(),
                reason=st.sampled_from(HandoffReason),
                queue=st.none() | ids(),
                tags=_tags,
                turns=st.integers(0, 20),
                summary=_words(),
                transcript=transcripts(),
                actor=optional_actor,
            ),
        ),
    ]
    return st.one_of(kinds)


_confidence = st.floats(0, 1, allow_nan=False)
_locales = st.sampled_from(["en", "es", "pt-BR", "de"])
_offered = st.builds(OfferedArticle, id=ids(), locale=_locales,
                     score=st.floats(0, 50, allow_nan=False), confidence=_confidence)  # fmt: skip

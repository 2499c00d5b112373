"""Self-service metrics: deflection, article helpfulness, content gaps; partials merge exactly."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import ValidationError
from omnicx.metrics import ArticleFeedback, ContentGap, SelfServiceAccumulator
from omnicx.model import (
    AnswerRated,
    ArticlesOffered,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Event,
    Message,
    MessageEvent,
    OfferedArticle,
    SuggestionUsed,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
_n = iter(range(10**9))


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def said(by: AuthorKind, minutes: int = 0) -> MessageEvent:
    inbound = by is AuthorKind.CUSTOMER
    message = Message(id=f"m{next(_n)}", channel=Channel.WHATSAPP,
                      direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                      author=Author(kind=by, id=None if inbound else "x"), sent_at=_at(minutes),
                      text="t")  # fmt: skip
    return MessageEvent(id=f"e{next(_n)}", at=_at(minutes), customer_id="p", conversation_id="c",
                        message=message)  # fmt: skip


def offered(*ids: str, minutes: int = 0) -> ArticlesOffered:
    articles = [OfferedArticle(id=i, locale="en", score=2.0, confidence=0.6) for i in ids]
    return ArticlesOffered(id=f"e{next(_n)}", at=_at(minutes), customer_id="p",
                           conversation_id="c", articles=articles, min_confidence=0.5)  # fmt: skip


def rated(id: str, helpful: bool, minutes: int = 1) -> AnswerRated:
    return AnswerRated(id=f"e{next(_n)}", at=_at(minutes), customer_id="p", conversation_id="c",
                       article_id=id, locale="en", helpful=helpful)  # fmt: skip


def used(id: str) -> SuggestionUsed:
    return SuggestionUsed(id=f"e{next(_n)}", at=T0, customer_id="p", conversation_id="c",
                          article_id=id, locale="en", agent_id="a1")  # fmt: skip


CUSTOMER, AGENT, BOT = AuthorKind.CUSTOMER, AuthorKind.AGENT, AuthorKind.BOT
CONVERSATIONS: list[list[Event]] = [
    # Deflected: rated helpful, no human ever (a bot message is not human).
    [said(CUSTOMER), offered("returns", "refunds"), said(BOT), rated("returns", True)],
    # Not deflected: a human answered before the customer said it helped.
    [said(CUSTOMER), offered("returns"), said(AGENT, 1), rated("returns", True, 2)],
    # The customer changed their mind: the last verdict counts, once.
    [said(CUSTOMER), offered("refunds"), rated("refunds", True), rated("refunds", False, 2)],
    # Asked, but the knowledge base had nothing above the threshold.
    [said(CUSTOMER), offered(), used("returns"), said(AGENT, 1)],
    # No customer message: no question (an outbound campaign).
    [said(AGENT), offered("returns")],
]


def accumulate(conversations: list[list[Event]]) -> SelfServiceAccumulator:
    acc = SelfServiceAccumulator()
    for events in conversations:
        acc.add_conversation(events)
    return acc


def test_definitions_on_conversations() -> None:
    report = accumulate(CONVERSATIONS).report()
    assert (report.questions, report.offered, report.unanswered, report.deflected) == (4, 3, 1, 1)
    assert report.deflection_rate.value == 1 / 4
    assert report.offer_success.value == 1 / 3
    assert report.articles == (
        ArticleFeedback(id="returns", locale="en", offered=3, used=1, helpful=2),
        ArticleFeedback(id="refunds", locale="en", offered=2, not_helpful=1),
    )
    assert report.articles[0].helpfulness.value == 1.0
    assert report.articles[1].helpfulness.value == 0.0


def test_searches_with_no_result_make_the_content_gap_report() -> None:
    acc = SelfServiceAccumulator()
    for query, hits in [("Gift  wrap?", 0), ("gift wrap", 0), ("refund", 3), ("Klarna", 0)]:
        acc.add_search(query, hits=hits, locale="en")
    acc.add_search("klarna", hits=0)
    report = acc.report(gaps=2)
    assert (report.searches, report.no_result_searches) == (5, 4)
    assert report.no_result_rate.value == 4 / 5
    assert report.content_gaps == (
        ContentGap(query="gift wrap", locale="en", searches=2),
        ContentGap(query="klarna", locale="", searches=1),
    )
    with pytest.raises(ValidationError, match="hits: must be a whole number"):
        acc.add_search("x", hits=-1)
    assert SelfServiceAccumulator().report().deflection_rate.value is None


conversation_lists = st.lists(st.sampled_from(CONVERSATIONS), max_size=6)


@given(conversation_lists, conversation_lists, conversation_lists)
def test_partials_merge_associatively_and_as_one_run(
    a: list[list[Event]], b: list[list[Event]], c: list[list[Event]]
) -> None:
    """Merging shards in any grouping gives the figures of one run over everything."""
    x, y, z = accumulate(a), accumulate(b), accumulate(c)
    whole = accumulate(a + b + c).to_dict()
    assert x.merge(y).merge(z).to_dict() == x.merge(y.merge(z)).to_dict() == whole
    assert z.merge(x).merge(y).report() == accumulate(a + b + c).report()


@given(conversation_lists, st.lists(st.tuples(st.text(max_size=8), st.integers(0, 2))))
def test_partials_round_trip_through_json_and_pickle(
    conversations: list[list[Event]], searches: list[tuple[str, int]]
) -> None:
    acc = accumulate(conversations)
    for query, hits in searches:
        acc.add_search(query, hits=hits)
    document = json.loads(json.dumps(acc.to_dict()))
    assert SelfServiceAccumulator.from_dict(document).to_dict() == acc.to_dict()
    assert pickle.loads(pickle.dumps(acc)).report() == acc.report()


def test_a_bad_partial_says_where() -> None:
    good = accumulate(CONVERSATIONS).to_dict()
    with pytest.raises(ValidationError, match="format: expected format"):
        SelfServiceAccumulator.from_dict({**good, "format": "omnicx.metrics-partial"})
    bad = {**good, "articles": [["a", "en", 1, -1, 0, 0], ["b"]], "gaps": [["q", "", "3"]]}
    with pytest.raises(ValidationError) as caught:
        SelfServiceAccumulator.from_dict(bad)
    assert str(caught.value).splitlines() == [
        "articles[1]: must be a row of two texts and 4 counts",
        "articles[0][3]: must be a whole number, 0 or more",
        "gaps[0][2]: must be a whole number, 0 or more",
    ]

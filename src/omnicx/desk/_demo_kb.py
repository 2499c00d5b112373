"""The demo's self-service part: a small help center, a deflected question, an agent's suggestion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.channels import Capabilities, MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk._desk import Desk
from omnicx.desk._receipt import Receipt
from omnicx.desk._sample import DEMO_NOW
from omnicx.identity import email_identifier
from omnicx.kb import KnowledgeBase, Suggestion, parse_articles, parse_macros
from omnicx.metrics import SelfServiceAccumulator, SelfServiceReport
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore

__all__ = ["DEMO_ARTICLES", "DEMO_KB_RULES", "SelfServiceRun", "run_self_service"]

_UPDATED = "2026-02-01T09:00:00Z"
DEMO_ARTICLES: tuple[Mapping[str, Any], ...] = (
    {"id": "refund-times", "locale": "en", "title": "When will my refund arrive?",
     "body": "Refunds reach your card 5 working days after your return arrives at our "
             "warehouse. We email you when we send it.", "tags": ["refunds"]},
    {"id": "exchange", "locale": "en", "title": "Exchange an item for another size",
     "body": "Open Orders, choose Exchange and pick the new size. Exchanges are free "
             "within 30 days.", "tags": ["returns"]},
    {"id": "tracking", "locale": "en", "title": "Track your parcel",
     "body": "Every shipping email has a tracking link. Parcels arrive in 2 to 4 days."},
    {"id": "exchange-stock", "locale": "en", "title": "Exchange when the size is out of stock",
     "body": "Offer a refund, or reserve the size from the next delivery.",
     "audience": "internal"},
)  # fmt: skip
"""The demo's help center: three public articles and one for agents only."""

DEMO_KB_RULES: Mapping[str, Any] = {
    "rules": [
        {
            "id": "chat-faq",
            "description": "Web chat questions get the help center's best answer first",
            "when": {"field": "message.channel", "op": "eq", "value": "chat"},
            "then": {"queue": "general", "auto_reply": {
                "macro": "faq-intro",
                "articles": {"min_confidence": 0.5, "limit": 2,
                             "link": "https://help.example.com/{locale}/{id}"},
                "otherwise": {"macro": "ack"}}},
        },
        {"id": "everything-else", "then": {"queue": "general"}},
    ]
}  # fmt: skip
"""A rule deflecting web chat questions to articles above 0.5 confidence."""

_MACROS = parse_macros([
    {"id": "faq-intro", "text": "Hi {{ customer.first_name | there }}, this should help:"},
    {"id": "ack", "text": "Thanks {{ customer.first_name | there }}, an agent will reply soon."},
])  # fmt: skip
_CHAT = Capabilities(max_text_length=2000, reply_window=timedelta(hours=24))


@attrs.frozen(kw_only=True)
class SelfServiceRun:
    """What the self-service part produced, for display and tests.

    Attributes:
        deflected: the web chat question's receipt (its auto-reply offers an article).
        rated: the receipt of the customer saying the article answered it.
        question: the email an agent answers with a suggestion's help.
        suggestions: what the knowledge base suggested to that agent.
        report: the self-service metrics over both conversations and the help
            center's searches.
    """

    deflected: Receipt
    rated: Receipt
    question: str
    suggestions: tuple[Suggestion, ...] = attrs.field(converter=frozen_seq)
    report: SelfServiceReport


def _inbound(n: int, channel: Channel, address: str, name: str, text: str) -> MessageReceived:
    at = DEMO_NOW - timedelta(hours=3 - n)
    message = Message(id=f"{channel.name}:kb-{n}", channel=channel, direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text,
                      external_id=f"kb-{n}")  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(address),), sender_name=name)


def run_self_service(store: DeskStore) -> SelfServiceRun:
    """Deflect a web chat question, suggest an article to an agent, and count it all."""
    kb = KnowledgeBase(parse_articles(
        [{**article, "updated_at": _UPDATED} for article in DEMO_ARTICLES]
    ))  # fmt: skip
    clock = FixedClock(DEMO_NOW - timedelta(hours=2))
    desk = Desk(store=store, clock=clock, rules=RuleEngine.compile(load_rules(DEMO_KB_RULES)),
                kb=kb, macros=_MACROS, capabilities={"chat": _CHAT})  # fmt: skip
    deflected = desk.receive(_inbound(1, Channel.CHAT, "noor@example.com", "Noor Haddad",
                                      "when will my refund arrive on my card?"))  # fmt: skip
    article = deflected.offered[0]
    clock.set(clock.now() + timedelta(minutes=2))
    rated = desk.rate_answer(deflected.conversation_id, article_id=article.id,
                             locale=article.locale, helpful=True, solve=True,
                             request_id="kb-demo-rating")  # fmt: skip
    question = "The jacket is too small, can I exchange it for a bigger size?"
    emailed = desk.receive(_inbound(2, Channel.EMAIL, "ravi@example.com", "Ravi Patel", question))
    # An agent's sidebar: internal articles too, each with the passage that answers.
    suggestions = kb.suggest(question, locale="en", limit=2)
    desk.mark_suggestion_used(emailed.conversation_id, article_id=suggestions[0].article.id,
                              locale="en", agent_id="ben")  # fmt: skip
    metrics = SelfServiceAccumulator()
    for receipt in (deflected, emailed):
        metrics.add_conversation(store.events(conversation_id=receipt.conversation_id))
    for query in ("refund time", "gift wrapping", "track parcel", "Gift wrapping?"):
        metrics.add_search(query, hits=len(kb.search(query, locale="en")), locale="en")
    return SelfServiceRun(deflected=deflected, rated=rated, question=question,
                          suggestions=suggestions, report=metrics.report(gaps=3))  # fmt: skip

"""Rules that auto-reply with articles (deflection), templates like macros, and channel rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnicx import FixedClock, Status, ValidationError
from omnicx.channels import Capabilities, LongText, MessageReceived, RenderRefused, SendCheck
from omnicx.desk import Desk, OutboxKind, WithheldReason
from omnicx.identity import phone_identifier
from omnicx.kb import Article, KnowledgeBase, Macro
from omnicx.model import (
    AnswerRated,
    ArticlesOffered,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    StatusChanged,
    SuggestionUsed,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WHATSAPP = Capabilities(max_text_length=4096, templates=True, reply_window=timedelta(hours=24))


def art(id: str, title: str, body: str, **more: Any) -> Article:
    return Article(id=id, locale="en", title=title, body=body, updated_at=T0, **more)


KB = KnowledgeBase(
    [
        art("returns", "How to return an item",
            "You have 30 days to return an item. Open Orders and choose Return items."),
        art("password", "Reset your password", "Click Forgot password on the sign-in page."),
        art("override", "Refund override for agents", "Agents may return items after 30 days.",
            audience="internal"),
    ]
)  # fmt: skip
ACK = Macro(id="ack", text="Hi {{ customer.first_name | there }}, these may help:")


def rules(reply: Any) -> RuleEngine:
    return RuleEngine.compile(load_rules({"rules": [{"id": "ask", "then": {"auto_reply": reply}}]}))


def whatsapp(n: int, text: str, at: datetime = T0, phone: str = "+447400123456") -> MessageReceived:
    message = Message(id=f"whatsapp:{n}", channel=Channel.WHATSAPP, direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text,
                      external_id=str(n))  # fmt: skip
    return MessageReceived(message=message, sender=(phone_identifier(phone),),
                           sender_name="Ada Lovelace")  # fmt: skip


def desk(store: DeskStore, reply: Any, **more: Any) -> Desk:
    return Desk(store=store, clock=FixedClock(T0 + timedelta(minutes=1)), rules=rules(reply),
                kb=KB, macros=[ACK], capabilities={"whatsapp": WHATSAPP}, **more)  # fmt: skip


DEFLECT = {"macro": "ack", "articles": {"min_confidence": 0.3, "limit": 2,
                                         "link": "https://help.example.com/{locale}/{id}"}}  # fmt: skip


def test_a_confident_answer_is_offered_and_the_receipt_says_which(store: DeskStore) -> None:
    d = desk(store, DEFLECT)
    receipt = d.receive(whatsapp(1, "how do I return an item?"))
    (reply,) = [o for o in receipt.outbox if o.kind is OutboxKind.AUTO_REPLY]
    assert reply.text == (
        "Hi Ada, these may help:\n\n- How to return an item: https://help.example.com/en/returns"
    )
    assert [(a.id, a.locale) for a in receipt.offered] == [("returns", "en")]
    assert reply.articles == receipt.offered
    assert 0.3 <= receipt.offered[0].confidence < 1
    (event,) = [e for e in d.timeline(receipt.customer_id) if isinstance(e, ArticlesOffered)]
    assert event.articles == receipt.offered
    assert event.min_confidence == 0.3
    # A redelivered webhook offers nothing again: the first receipt comes back.
    again = d.receive(whatsapp(1, "how do I return an item?"))
    assert again.replayed
    assert again.offered == receipt.offered
    assert len([e for e in d.timeline(receipt.customer_id)
                if isinstance(e, ArticlesOffered)]) == 1  # fmt: skip


def test_internal_articles_are_never_offered_to_customers(store: DeskStore) -> None:
    receipt = desk(store, DEFLECT).receive(whatsapp(1, "refund override for agents"))
    assert all(a.id != "override" for a in receipt.offered)


def test_below_the_threshold_nothing_is_offered_and_otherwise_goes_out(store: DeskStore) -> None:
    reply = {**DEFLECT, "otherwise": {"text": "Thanks {{ customer.first_name }}, an agent "
                                              "will answer soon."}}  # fmt: skip
    d = desk(store, reply)
    receipt = d.receive(whatsapp(1, "my parcel arrived crushed and leaking"))
    assert receipt.offered == ()
    (sent,) = [o for o in receipt.outbox if o.kind is OutboxKind.AUTO_REPLY]
    assert sent.text == "Thanks Ada, an agent will answer soon."
    assert sent.articles == ()
    (event,) = [e for e in d.timeline(receipt.customer_id) if isinstance(e, ArticlesOffered)]
    assert event.articles == ()  # the content gap is on the timeline
    plain = desk(store, DEFLECT).receive(
        whatsapp(2, "my parcel arrived crushed", phone="+447400123457")
    )
    assert not [o for o in plain.outbox if o.kind is OutboxKind.AUTO_REPLY]


def test_without_a_link_the_reply_quotes_the_passage(store: DeskStore) -> None:
    reply = {"text": "Maybe this:", "articles": {"min_confidence": 0.3}}
    receipt = desk(store, reply).receive(whatsapp(1, "reset password"))
    (sent,) = [o for o in receipt.outbox if o.kind is OutboxKind.AUTO_REPLY]
    assert sent.text == (
        "Maybe this:\n\n- Reset your password: Click Forgot password on the sign-in page."
    )


def test_missing_values_withhold_the_reply(store: DeskStore) -> None:
    receipt = desk(store, {"text": "Order {{ order.id }} is on its way."}).receive(
        whatsapp(1, "where is it")
    )
    assert not [o for o in receipt.outbox if o.kind is OutboxKind.AUTO_REPLY]
    (withheld,) = receipt.withheld
    assert (withheld.reason, withheld.missing) == (WithheldReason.MISSING_VALUES, ("order.id",))


def test_a_late_webhook_outside_the_window_is_withheld(store: DeskStore) -> None:
    d = desk(store, {"macro": "ack"})
    receipt = d.receive(whatsapp(1, "hello", T0 - timedelta(days=2)))
    assert [w.reason for w in receipt.withheld] == [WithheldReason.WINDOW_CLOSED]
    assert not receipt.outbox or all(o.kind is not OutboxKind.AUTO_REPLY for o in receipt.outbox)


def test_a_channel_limit_keeps_the_articles_that_fit(store: DeskStore) -> None:
    tight = Capabilities(max_text_length=80, reply_window=timedelta(hours=24))
    reply = {"text": "Try:", "articles": {"min_confidence": 0.01, "limit": 2}}
    d = Desk(store=store, clock=FixedClock(T0), rules=rules(reply), kb=KB,
             capabilities={"whatsapp": tight}, long_text=LongText.REFUSE)  # fmt: skip
    receipt = d.receive(whatsapp(1, "return an item, forgot password"))
    (sent,) = [o for o in receipt.outbox if o.kind is OutboxKind.AUTO_REPLY]
    assert len(sent.text) <= 80
    assert len(receipt.offered) == 1
    tiny = Capabilities(max_text_length=10)
    d = Desk(store=store, clock=FixedClock(T0), rules=rules(reply), kb=KB,
             capabilities={"whatsapp": tiny}, long_text=LongText.REFUSE)  # fmt: skip
    receipt = d.receive(whatsapp(2, "reset password", phone="+447400123457"))
    assert [w.reason for w in receipt.withheld] == [WithheldReason.TOO_LONG]
    assert receipt.offered == ()


def test_old_template_ids_still_work(store: DeskStore) -> None:
    receipt = desk(store, "refund-received").receive(whatsapp(1, "hello"))
    (sent,) = receipt.outbox
    assert (sent.template, sent.text) == ("refund-received", "")


def test_the_desk_refuses_rules_naming_what_it_lacks(store: DeskStore) -> None:
    with pytest.raises(ValidationError) as caught:
        Desk(store=store, clock=FixedClock(T0), rules=rules({"macro": "akc"}))
    assert str(caught.value) == (
        "rules[0].then.auto_reply.macro: rule 'ask' names macro 'akc', which the desk does "
        "not have (its macros: none); pass it in Desk(macros=[...]) or change the rule"
    )
    with pytest.raises(ValidationError, match=r"auto_reply.articles: the desk has no knowledge"):
        Desk(store=store, clock=FixedClock(T0), rules=rules(DEFLECT), macros=[ACK])
    with pytest.raises(ValidationError, match=r"'akc' \(did you mean 'ack'\?\)"):
        Desk(store=store, clock=FixedClock(T0), rules=rules({"macro": "akc"}), macros=[ACK])


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"macro": "a", "text": "b"}, "rules[0].then.auto_reply: give exactly one of"),
        ({"text": "Hi {{ custmer.name }}"}, "auto_reply.text: unknown placeholder"),
        ({"macro": "a", "variables": {"x": "y"}}, "auto_reply.variables: only a channel"),
        ({"macro": "a", "articles": {"min_confidence": 2}}, "articles.min_confidence: expected"),
        ({"macro": "a", "articles": {"min_confidence": 0.5, "limit": 0}}, "articles.limit:"),
        ({"macro": "a", "articles": {"min_confidence": 0.5, "link": "x/{slug}"}}, "link:"),
        ({"macro": "a", "otherwise": {"macro": "b"}}, "only a reply with 'articles'"),
        ({"macro": "a", "articels": {}}, "unknown key (did you mean 'articles'?)"),
    ],
)
def test_rule_file_mistakes_have_paths(reply: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rules(reply)
    assert message in str(caught.value)


def test_agents_mark_suggestions_used_and_customers_rate_answers(
    every_store: DeskStore,
) -> None:
    d = desk(every_store, DEFLECT)
    receipt = d.receive(whatsapp(1, "how do I return an item?"))
    cid = receipt.conversation_id
    d.mark_suggestion_used(cid, article_id="returns", locale="en", agent_id="a1")
    rated = d.rate_answer(cid, article_id="returns", locale="en", helpful=True, solve=True,
                          request_id="rate-1")  # fmt: skip
    assert rated.status == "solved"
    assert d.rate_answer(cid, article_id="returns", locale="en", helpful=True, solve=True,
                         request_id="rate-1").replayed  # fmt: skip
    events = every_store.events(conversation_id=cid)
    (used,) = [e for e in events if isinstance(e, SuggestionUsed)]
    (rating,) = [e for e in events if isinstance(e, AnswerRated)]
    assert (used.article_id, used.agent_id, rating.helpful) == ("returns", "a1", True)
    (solved,) = [e for e in events if isinstance(e, StatusChanged) and e.status is Status.SOLVED]
    assert solved.actor == Author(kind=AuthorKind.CUSTOMER, id=receipt.customer_id)
    with pytest.raises(ValidationError, match="article_id: must be non-empty"):
        d.rate_answer(cid, article_id="", locale="en", helpful=False)


def test_apply_macro_follows_the_reply_window(store: DeskStore) -> None:
    d = desk(store, {"macro": "ack"})
    cid = d.receive(whatsapp(1, "hello")).conversation_id
    d.clock = FixedClock(T0 + timedelta(hours=25))
    with pytest.raises(RenderRefused) as caught:
        d.apply_macro(cid, ACK, agent_id="a1")
    assert caught.value.check is SendCheck.WINDOW_CLOSED
    messenger = Capabilities(reply_window=timedelta(hours=24),
                             human_agent_window=timedelta(days=7))  # fmt: skip
    receipt = d.apply_macro(cid, ACK, agent_id="a1", capabilities=messenger)
    assert [o.text for o in receipt.outbox if o.kind is OutboxKind.AGENT_REPLY] == [
        "Hi Ada, these may help:"
    ]

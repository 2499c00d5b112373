"""Feedback on articles: an agent used a suggestion, a customer rated an answer."""

from __future__ import annotations

from omnicx.desk._agent_changes import Change
from omnicx.desk._record_steps import set_status
from omnicx.desk._unit import Unit
from omnicx.errors import ValidationError
from omnicx.model import AnswerRated, Author, AuthorKind, Status, SuggestionUsed, can_transition
from omnicx.storage import ConversationRecord

__all__ = ["answer_rated", "suggestion_used"]

# A customer's "this answered it" closes what is still waiting on the desk.
_SOLVABLE = frozenset({Status.NEW, Status.OPEN, Status.PENDING})


def _article(article_id: object, locale: object) -> None:
    for name, value in (("article_id", article_id), ("locale", locale)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError.single(name, "must be non-empty text (the article's id "
                                               "and locale, as Hit.article has them)")  # fmt: skip


def suggestion_used(*, article_id: str, locale: str, agent_id: str) -> Change:
    """An agent used the suggested article ``(article_id, locale)`` on the conversation."""
    _article(article_id, locale)

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        unit.events.append(
            SuggestionUsed(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                           conversation_id=conversation.id, article_id=article_id,
                           locale=locale, agent_id=agent_id)
        )  # fmt: skip
        return record

    return change


def answer_rated(*, article_id: str, locale: str, helpful: bool, solve: bool) -> Change:
    """The customer's verdict on an article; ``solve`` with a helpful one solves the conversation.

    Solving only moves a conversation still new, open or pending; one an
    agent already solved, or put on hold, keeps its status.
    """
    _article(article_id, locale)
    if not isinstance(helpful, bool):
        raise ValidationError.single("helpful", "must be True or False")

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        unit.events.append(
            AnswerRated(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                        conversation_id=conversation.id, article_id=article_id, locale=locale,
                        helpful=helpful)
        )  # fmt: skip
        status = conversation.status
        if helpful and solve and status in _SOLVABLE and can_transition(status, Status.SOLVED):
            customer = Author(kind=AuthorKind.CUSTOMER, id=conversation.customer_id)
            record = set_status(unit, record, Status.SOLVED, unit.now, customer)
        return record

    return change

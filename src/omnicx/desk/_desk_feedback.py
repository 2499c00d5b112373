"""The desk's feedback: survey answers, suggested articles used, articles rated helpful or not."""

from __future__ import annotations

from omnicx.desk import _agent_changes as changes
from omnicx.desk._desk_base import DeskBase
from omnicx.desk._feedback import answer_rated, suggestion_used
from omnicx.desk._receipt import Receipt
from omnicx.model import SurveyKind
from omnicx.privacy import Action


class DeskFeedback(DeskBase):
    """The desk's ``record_survey``, ``mark_suggestion_used`` and ``rate_answer``."""

    __slots__ = ()

    def record_survey(
        self,
        conversation_id: str,
        *,
        survey: SurveyKind,
        score: int,
        comment: str | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Record a customer's CSAT (1-5), NPS (0-10) or CES (1-7) answer."""
        change = changes.survey(survey=survey, score=score, comment=comment)
        what = ("survey", conversation_id, survey, score, comment)
        return self._act(conversation_id, request_id, change, what=what)

    def mark_suggestion_used(
        self,
        conversation_id: str,
        *,
        article_id: str,
        locale: str,
        agent_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Record that an agent used a suggested article (sent it, answered from it).

        An ``SuggestionUsed`` event on the timeline, counted by
        ``omnicx.metrics.SelfServiceAccumulator``; the agent needs ``REPLY``
        on the conversation's queue when ``actors`` is set. Marking the same
        article again (same agent, nothing in between) is taken as a retry.
        """
        change = suggestion_used(article_id=article_id, locale=locale, agent_id=agent_id)
        what = ("suggestion-used", conversation_id, article_id, locale)
        return self._act(conversation_id, request_id, change, agent_id, Action.REPLY, what)

    def rate_answer(
        self,
        conversation_id: str,
        *,
        article_id: str,
        locale: str,
        helpful: bool,
        solve: bool = False,
        request_id: str | None = None,
    ) -> Receipt:
        """Record a customer's "did this article answer your question?" (helpful or not).

        An ``AnswerRated`` event on the timeline. With ``solve``, a helpful
        answer also solves the conversation in the customer's name if it
        is still new, open or pending: the question was deflected. Pass the
        button's or link's id as ``request_id`` so a double click counts once.
        """
        change = answer_rated(article_id=article_id, locale=locale, helpful=helpful, solve=solve)
        what = ("answer-rated", conversation_id, article_id, locale, helpful, solve)
        return self._act(conversation_id, request_id, change, what=what)

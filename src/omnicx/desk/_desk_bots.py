"""The desk's bot steps: a conversation given to a bot, its replies, handoff to people, solve."""

from __future__ import annotations

from omnicx.desk import _bots as bot_steps
from omnicx.desk._desk_base import DeskBase
from omnicx.desk._receipt import Receipt
from omnicx.model import HandedOff, HandoffReason
from omnicx.privacy import Action


class DeskBots(DeskBase):
    """The desk's bot calls: ``give_to_bot``, ``bot_reply``, ``hand_off``, ``bot_resolve``."""

    __slots__ = ()

    def give_to_bot(
        self,
        conversation_id: str,
        *,
        bot_id: str,
        actor_id: str,
        name: str | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Give a conversation to a bot (a rule does it with its ``bot`` action).

        The agent holding it lets go; human SLA clocks pause until the
        handoff. Checked as ``ASSIGN``; giving it to the bot that has it
        changes nothing.
        """
        change = bot_steps.give_change(bot_id=bot_id, name=name, actor_id=actor_id)
        what = ("bot", conversation_id, bot_id, name)
        return self._act(conversation_id, request_id, change, actor_id, Action.ASSIGN, what)

    def bot_reply(
        self, conversation_id: str, *, bot_id: str, text: str, request_id: str | None = None
    ) -> Receipt:
        """The owning bot's message to the customer (a ``BOT_REPLY`` outbox item).

        Recorded as a bot's message (``AuthorKind.BOT``): it fulfils no
        human reply target, and counts one of the bot's turns.

        Raises:
            InvalidTransition: ``bot_id`` does not own the conversation.
        """
        change = bot_steps.bot_reply(bot_id=bot_id, text=text, email=self.email)
        what = ("bot_reply", conversation_id, text)
        return self._act(conversation_id, request_id, change, f"bot:{bot_id}", what=what)

    def hand_off(
        self,
        conversation_id: str,
        *,
        bot_id: str | None = None,
        reason: HandoffReason = HandoffReason.BOT,
        queue: str | None = None,
        summary: str = "",
        actor_id: str | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Hand a bot's conversation to people, with the transcript so far.

        Tags it (``HandoffPolicy.tag``), moves it to ``queue`` (else the
        policy's, else its own), opens it, and records a ``HandedOff`` event
        carrying the ``Transcript``; human SLA clocks start there. The bot
        calls it with its ``bot_id``; an agent taking over passes
        ``actor_id`` and ``reason=HandoffReason.AGENT`` (checked as ``ASSIGN``).

        Raises:
            InvalidTransition: no bot (or not ``bot_id``) owns it, or it is
                solved or closed.
        """
        change = bot_steps.handoff_change(policy=self.bots, bot_id=bot_id, reason=reason,
                                          actor_id=actor_id, queue=queue,
                                          summary=summary)  # fmt: skip
        what = ("handoff", conversation_id, bot_id, reason, queue, summary)
        if actor_id is None:
            bot = f"bot:{bot_id}" if bot_id else "bot"
            return self._act(conversation_id, request_id, change, bot, what=what)
        return self._act(conversation_id, request_id, change, actor_id, Action.ASSIGN, what)

    def bot_resolve(
        self, conversation_id: str, *, bot_id: str, request_id: str | None = None
    ) -> Receipt:
        """The owning bot solved the conversation: no person was needed (a bot deflection).

        As a solve, it asks for a CSAT survey (``csat_template``); the bot
        still owns it if the customer writes again.
        """
        change = bot_steps.resolve_change(bot_id=bot_id, schedule=self._schedule)
        what = ("bot_resolve", conversation_id)
        return self._act(conversation_id, request_id, change, f"bot:{bot_id}", what=what)

    def handoffs(self, conversation_id: str) -> tuple[HandedOff, ...]:
        """The conversation's handoffs, oldest first, each with its ``Transcript``."""
        self._record(conversation_id)
        events = self.store.events(conversation_id=conversation_id)
        return tuple(e for e in events if isinstance(e, HandedOff))

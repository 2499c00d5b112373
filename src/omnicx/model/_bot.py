"""Bots that own conversations, and what they hand a person when they hand over."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq
from omnicx.model._checks import aware, non_empty, non_negative, of_type
from omnicx.model._message import Author, AuthorKind


@attrs.frozen(kw_only=True)
class BotOwner:
    """The bot that owns a conversation, while it does (``Conversation.bot``).

    Attributes:
        id: the bot's id, as the host names it (``"returns-bot"``).
        name: how the bot signs its messages, if it has a name.
        since: when the bot was given the conversation.
        turns: how many messages the bot has sent since then (its turns).
    """

    id: str = attrs.field(validator=non_empty)
    name: str | None = None
    since: datetime = attrs.field(validator=aware)
    turns: int = attrs.field(
        default=0, validator=[of_type(int, "an int", "pass a whole number"), non_negative]
    )

    @property
    def author(self) -> Author:
        """The author the bot's messages are recorded under (``AuthorKind.BOT``)."""
        return Author(kind=AuthorKind.BOT, id=self.id, name=self.name)


class HandoffReason(enum.Enum):
    """Why a bot's conversation went to people."""

    BOT = "bot"
    """The bot itself gave up (the question was too hard for it)."""
    RULE = "rule"
    """A routing rule's ``handoff`` action fired."""
    CUSTOMER = "customer"
    """The customer asked for a person ("agent", "human", "talk to a person")."""
    TURNS = "turns"
    """The customer wrote again after the bot's last allowed turn."""
    AGENT = "agent"
    """An agent took the conversation over."""


@attrs.frozen(kw_only=True)
class TranscriptLine:
    """One message of a bot conversation, as the person taking over reads it.

    Attributes:
        message_id: the message's id on the timeline.
        at: when it was sent.
        author: who wrote it (the customer or the bot).
        text: what it said (as stored: redacted where the desk redacts).
    """

    message_id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    author: Author
    text: str = ""


@attrs.frozen(kw_only=True)
class Transcript:
    """What the customer and the bot said before a handoff, oldest first.

    Attributes:
        lines: the messages, oldest first; at most the latest
            ``HandoffPolicy.transcript_lines`` of them.
        omitted: how many older messages were left out to keep it short.
    """

    lines: tuple[TranscriptLine, ...] = attrs.field(default=(), converter=frozen_seq)
    omitted: int = attrs.field(
        default=0, validator=[of_type(int, "an int", "pass a whole number"), non_negative]
    )

    def render(self) -> str:
        """The transcript as plain text, one ``Who: text`` line per message."""
        out = [f"({self.omitted} earlier messages left out)"] if self.omitted else []
        for line in self.lines:
            who = line.author.name or line.author.kind.value.capitalize()
            out.append(f"{who}: {line.text}")
        return "\n".join(out)

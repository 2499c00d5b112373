"""Channel rules applied before sending: reply windows and text limits."""

from __future__ import annotations

import enum

from omnicx.channels._protocol import Capabilities, OutboundMessage
from omnicx.errors import OmnicxError


class SendCheck(enum.Enum):
    """Whether an outbound message may be sent as it is: an outcome, not an error."""

    OK = "ok"
    EMPTY = "empty"
    """Neither text, attachments nor a template."""
    WINDOW_CLOSED = "window_closed"
    """Free-form text outside the customer-service window: send a template."""
    TOO_LONG = "too_long"
    """The text is over the channel's limit and the adapter refuses to split."""
    NO_ATTACHMENTS = "no_attachments"
    """The channel cannot carry attachments."""
    NO_TEMPLATES = "no_templates"
    """A template was given to a channel that has none."""
    NO_REPLY_TARGET = "no_reply_target"
    """A public reply names no comment or post to answer (``reply_to``)."""
    PRIVATE_REPLY_EXPIRED = "private_reply_expired"
    """A private reply to a comment is past the network's window after the comment."""
    ALREADY_REPLIED = "already_replied"
    """The comment already had its one private reply."""
    DM_NOT_ALLOWED = "dm_not_allowed"
    """The person does not accept direct messages from the account."""
    NOT_SUPPORTED = "not_supported"
    """The network offers no such action (deleting another account's post)."""


class LongText(enum.Enum):
    """What an adapter does with text over the channel's limit."""

    SPLIT = "split"
    """Send several messages, cut at whitespace where possible."""
    REFUSE = "refuse"
    """Refuse with ``SendCheck.TOO_LONG``."""


_EXPLANATIONS = {
    SendCheck.EMPTY: "the message has no text, attachment or template",
    SendCheck.WINDOW_CLOSED: (
        "free-form replies are only allowed inside the customer-service window "
        "after the customer's last message; send a template instead"
    ),
    SendCheck.TOO_LONG: "the text is over the channel's length limit",
    SendCheck.NO_ATTACHMENTS: "the channel cannot carry attachments",
    SendCheck.NO_TEMPLATES: "the channel has no templates",
    SendCheck.NO_REPLY_TARGET: "a public reply needs reply_to: the comment or post it answers",
    SendCheck.PRIVATE_REPLY_EXPIRED: (
        "a private reply to a comment is only allowed within the network's window "
        "after the comment; answer publicly instead"
    ),
    SendCheck.ALREADY_REPLIED: "a comment takes one private reply; it already had it",
    SendCheck.DM_NOT_ALLOWED: (
        "the person does not accept direct messages from this account; answer publicly"
    ),
    SendCheck.NOT_SUPPORTED: "the network offers no such action on this message",
}


class RenderRefused(OmnicxError):
    """``render`` refused a message that breaks a channel rule; ``check`` says which.

    Call the adapter's ``check`` first to get the outcome without an exception.
    """

    check: SendCheck

    def __init__(self, channel: str, check: SendCheck) -> None:
        self.check = check
        super().__init__(f"can't send on {channel}: {_EXPLANATIONS[check]}")


def check_send(
    outbound: OutboundMessage, capabilities: Capabilities, long_text: LongText
) -> SendCheck:
    """Judge ``outbound`` against the channel's rules at ``outbound.now``."""
    if outbound.template is not None:
        return SendCheck.OK if capabilities.templates else SendCheck.NO_TEMPLATES
    if not outbound.text and not outbound.attachments:
        return SendCheck.EMPTY
    if outbound.attachments and not capabilities.attachments:
        return SendCheck.NO_ATTACHMENTS
    if not _inside_window(outbound, capabilities):
        return SendCheck.WINDOW_CLOSED
    over = not _fits(outbound.text, capabilities.max_text_length, capabilities.max_text_bytes)
    if over and long_text is LongText.REFUSE:
        return SendCheck.TOO_LONG
    return SendCheck.OK


def _size(text: str) -> int:
    # UTF-8 bytes; lone surrogates (which no provider accepts anyway) count as 3.
    return len(text.encode("utf-8", "surrogatepass"))


def _fits(text: str, limit: int | None, max_bytes: int | None) -> bool:
    return (limit is None or len(text) <= limit) and (max_bytes is None or _size(text) <= max_bytes)


def _reach(text: str, limit: int | None, max_bytes: int | None) -> int:
    # How many leading characters fit both limits (at least one, so splitting advances).
    reach = len(text) if limit is None else min(limit, len(text))
    if max_bytes is not None:
        total = 0
        for index, char in enumerate(text[:reach]):
            total += _size(char)
            if total > max_bytes:
                reach = index
                break
    return max(reach, 1)


def _inside_window(outbound: OutboundMessage, capabilities: Capabilities) -> bool:
    window = capabilities.reply_window
    if window is None:
        return True
    if outbound.human_agent and capabilities.human_agent_window is not None:
        window = max(window, capabilities.human_agent_window)
    last = outbound.last_inbound_at
    if last is None:
        return False
    # The window opens at the customer's message and is open while now < last + window.
    return last <= outbound.now < last + window


def split_text(text: str, limit: int | None, *, max_bytes: int | None = None) -> tuple[str, ...]:
    """Cut ``text`` into parts of at most ``limit`` characters and ``max_bytes`` UTF-8 bytes.

    Cuts after whitespace where possible, hard at the limit otherwise (a long
    URL). Joining the parts with nothing in between gives back ``text`` exactly.
    """
    parts: list[str] = []
    rest = text
    while not _fits(rest, limit, max_bytes):
        reach = _reach(rest, limit, max_bytes)
        cut = max(rest.rfind(" ", 0, reach), rest.rfind("\n", 0, reach))
        end = cut + 1 if cut > 0 else reach
        parts.append(rest[:end])
        rest = rest[end:]
    if rest or not parts:
        parts.append(rest)
    return tuple(parts)


def enforce(
    channel: str, outbound: OutboundMessage, capabilities: Capabilities, long_text: LongText
) -> tuple[str, ...]:
    """Raise ``RenderRefused`` unless ``outbound`` may be sent; return its text parts."""
    verdict = check_send(outbound, capabilities, long_text)
    if verdict is not SendCheck.OK:
        raise RenderRefused(channel, verdict)
    if outbound.template is not None or not outbound.text:
        return ()
    return split_text(
        outbound.text, capabilities.max_text_length, max_bytes=capabilities.max_text_bytes
    )

"""What Facebook's ``feed`` and Instagram's comment webhooks share: ``entry[].changes[]``.

Both come as ``{"object": ..., "entry": [{"id", "time", "changes": [{"field",
"value"}]}]}`` signed with ``X-Hub-Signature-256``, and both answer a
comment the same three ways: a reply under it, a private reply to it
(``POST /{account}/messages`` to ``{"comment_id"}``) and moderation
(``POST /{comment}`` to hide, ``DELETE /{comment}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._common import json_post
from omnicx.channels._events import ChannelEvent
from omnicx.channels._meta_webhook import MetaWebhook
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._social import (
    Moderation,
    ModerationAction,
    PrivateReply,
    check_meta_private_reply,
    refuse_unless_ok,
    social_instant,
)
from omnicx.channels._wire import Wire
from omnicx.model import Channel


@attrs.frozen(kw_only=True)
class MetaChanges(MetaWebhook):
    """The shared half of the Facebook comments and Instagram comments adapters."""

    long_text: LongText = LongText.REFUSE

    CAPABILITIES: ClassVar[Capabilities]
    REPLY_EDGE: ClassVar[str]
    """The edge a public reply is posted to: ``comments`` (Facebook), ``replies`` (Instagram)."""
    HIDE_FIELD: ClassVar[str]
    """The field that hides a comment: ``is_hidden`` (Facebook), ``hide`` (Instagram)."""
    DM_CHARACTERS: ClassVar[int | None] = None
    DM_BYTES: ClassVar[int | None] = None

    @property
    def channel(self) -> Channel:
        """The channel of this adapter."""
        raise NotImplementedError

    @property
    def capabilities(self) -> Capabilities:
        """Public replies' limits; there is no reply window."""
        return self.CAPABILITIES

    def _events(self, entry: Wire) -> list[ChannelEvent]:
        # Each change of a field this adapter reads; other fields are skipped.
        at = social_instant(entry, "time", None) if entry.has("time") else None
        events: list[ChannelEvent] = []
        for change in entry.items("changes"):
            field = change.opt_text("field")
            if field is not None:
                events.extend(self._change(field, change, at))
        return events

    def _change(self, field: str, change: Wire, entry_at: datetime | None) -> list[ChannelEvent]:
        raise NotImplementedError

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may go as a public reply, as an outcome."""
        if not outbound.reply_to:
            return SendCheck.NO_REPLY_TARGET
        return check_send(outbound, self.CAPABILITIES, self.long_text)

    def _extras(self, outbound: OutboundMessage) -> dict[str, Any]:
        return {}

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """A public reply: ``POST /{reply_to}/<edge>`` under the comment (or post) it answers.

        The host adds the access token.
        """
        refuse_unless_ok(self.channel, self.check(outbound))
        parts = enforce(self.channel.name, outbound, self.CAPABILITIES, self.long_text) or ("",)
        url = f"https://graph.facebook.com/{self.api_version}/{outbound.reply_to}/{self.REPLY_EDGE}"
        first = {"message": parts[0], **self._extras(outbound)}
        return (json_post(url, first), *(json_post(url, {"message": p}) for p in parts[1:]))

    @classmethod
    def check_private_reply(cls, reply: PrivateReply) -> SendCheck:
        """Whether ``reply`` may be sent: one message within 7 days of the comment, in the DM limit."""
        if cls.DM_CHARACTERS is not None and len(reply.text) > cls.DM_CHARACTERS:
            return SendCheck.TOO_LONG
        return check_meta_private_reply(reply, max_bytes=cls.DM_BYTES)

    def render_private_reply(self, reply: PrivateReply) -> Sequence[OutboundRequest]:
        """The private reply: ``POST /{account}/messages`` to ``{"comment_id"}``.

        The customer's answer arrives as a DM and opens the usual 24-hour window.
        """
        refuse_unless_ok(self.channel, self.check_private_reply(reply))
        url = f"https://graph.facebook.com/{self.api_version}/{self.account}/messages"
        payload = {"recipient": {"comment_id": reply.comment_id}, "message": {"text": reply.text}}
        return (json_post(url, payload),)

    def render_moderation(self, moderation: Moderation) -> OutboundRequest:
        """Hide or unhide (``POST /{comment_id}``), or delete (``DELETE /{comment_id}``)."""
        url = f"https://graph.facebook.com/{self.api_version}/{moderation.comment_id}"
        if moderation.action is ModerationAction.DELETE:
            return OutboundRequest(method="DELETE", url=url)
        return json_post(url, {self.HIDE_FIELD: moderation.action is ModerationAction.HIDE})

"""The desk's agent actions on a conversation: replies, notes, assignment, status, tags, macros."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from omnicx._frozen import frozen_set
from omnicx.channels import Capabilities, LongText, reply_channel
from omnicx.desk import _agent_changes as changes
from omnicx.desk._desk_base import DeskBase
from omnicx.desk._field_edit import fields_change
from omnicx.desk._macro import macro_actions, macro_change, macro_text, macro_values
from omnicx.desk._private_reply import private_reply
from omnicx.desk._receipt import Receipt
from omnicx.errors import ValidationError
from omnicx.kb import Macro
from omnicx.model import Priority, Status
from omnicx.privacy import Action, Resource


class DeskActions(DeskBase):
    """The desk's agent actions; each is one ``_act``: checked, idempotent, committed at once."""

    __slots__ = ()

    def reply(
        self,
        conversation_id: str,
        *,
        agent_id: str,
        text: str,
        seen_version: int | None = None,
        public: bool = True,
        then: Status | None = Status.PENDING,
        request_id: str | None = None,
        comment: tuple[str, str] | None = None,
    ) -> Receipt:
        """An agent replies; the outbox carries the message for the host to send.

        Args:
            seen_version: the ``conversation_version`` the agent's screen
                showed. If another agent replied or claimed since, the reply
                is refused with ``CollisionError`` (who and when).
            public: False for a private message to colleagues (sent nowhere).
            then: the status to move to after a public reply, when the
                lifecycle allows it (waiting on the customer by default).
            request_id: makes the call idempotent (a double click sends once).
            comment: ``(post id, comment id)`` for a public reply under a
                social comment: the message is stored ``Visibility.PUBLIC``
                with that post and parent, and the outbox entry's
                ``in_reply_to`` names the comment (the adapter's ``reply_to``).
        """
        change = changes.reply(agent_id=agent_id, text=text, seen_version=seen_version,
                               public=public, then=then, redact=self.redacted,
                               email=self.email, comment=comment)  # fmt: skip
        action = Action.REPLY if public else Action.NOTE
        what: tuple[object, ...] = ("reply", conversation_id, text, public, then)
        if comment is not None:  # replies without one keep their recorded fingerprint
            what += (comment,)
        return self._act(conversation_id, request_id, change, agent_id, action, what)

    def private_reply(
        self,
        conversation_id: str,
        *,
        agent_id: str,
        comment_id: str,
        text: str,
        dm_allowed: bool = False,
        seen_version: int | None = None,
        then: Status | None = Status.PENDING,
        request_id: str | None = None,
    ) -> Receipt:
        """Answer the customer's public comment with a direct message ("move to DM").

        The message is recorded on the timeline as a private outbound one on
        the DM channel (``messenger`` for a Facebook comment, ``instagram``,
        ``x``), linked to the comment (``parent_id`` the comment,
        ``post_id`` its post), in the comment's conversation, which the
        customer's DM answer continues. The outbox gets a ``PRIVATE_REPLY``
        item (``outbound_private_reply`` turns it into the adapter's input).

        Args:
            comment_id: the provider's id of a customer comment in the conversation.
            dm_allowed: X only: the person accepts DMs from the account.
            seen_version, then, request_id: as for ``reply``.

        Raises:
            NotFoundError: the conversation holds no customer comment ``comment_id``.
            RenderRefused: the network's rule refuses it; ``check`` says which
                (``PRIVATE_REPLY_EXPIRED`` after Meta's 7 days,
                ``ALREADY_REPLIED`` for a second one to a Meta comment,
                ``DM_NOT_ALLOWED`` on X, ``TOO_LONG``, ``NOT_SUPPORTED``).
        """
        change = private_reply(agent_id=agent_id, comment_id=comment_id, text=text,
                               dm_allowed=dm_allowed, seen_version=seen_version, then=then,
                               redact=self.redacted)  # fmt: skip
        what = ("private_reply", conversation_id, comment_id, text, dm_allowed, then)
        return self._act(conversation_id, request_id, change, agent_id, Action.REPLY, what)

    def note(
        self,
        conversation_id: str,
        *,
        agent_id: str,
        text: str,
        mentions: Iterable[str] = (),
        request_id: str | None = None,
    ) -> Receipt:
        """An internal note; every @-mentioned agent gets a notification in the outbox."""
        mentioned = frozen_set(mentions)
        change = changes.note(agent_id=agent_id, text=text, mentions=mentioned)
        what = ("note", conversation_id, text, mentioned)
        return self._act(conversation_id, request_id, change, agent_id, Action.NOTE, what)

    def assign(
        self,
        conversation_id: str,
        *,
        agent_id: str | None,
        actor_id: str,
        queue: str | None = None,
        seen_version: int | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Assign to an agent (None: unassign), optionally moving queue.

        An agent assigning to themselves claims the conversation; with
        ``seen_version`` a claim is refused if someone else claimed or
        replied since (``CollisionError``).
        """
        change = changes.assign(agent_id=agent_id, actor_id=actor_id, queue=queue,
                                seen_version=seen_version)  # fmt: skip
        what = ("assign", conversation_id, agent_id, queue)
        return self._act(conversation_id, request_id, change, actor_id, Action.ASSIGN, what)

    def move_to_queue(
        self,
        conversation_id: str,
        queue: str | None,
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Move a conversation to ``queue`` (None: no queue); the assigned agent stays.

        Recorded as a ``QueueChanged`` event (and audited as an assignment):
        a queue move is not an assignment. Moving to the queue it is in
        changes nothing. Checked as ``ASSIGN``.
        """
        change = changes.move_to_queue(queue=queue, actor_id=actor_id)
        what = ("move_to_queue", conversation_id, queue)
        return self._act(conversation_id, request_id, change, actor_id, Action.ASSIGN, what)

    def set_status(
        self,
        conversation_id: str,
        status: Status,
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Move a conversation to ``status``; ``InvalidTransition`` if the lifecycle forbids it.

        Solving puts a CSAT survey request in the outbox (``csat_template``),
        or, with ``csat_delay``, leaves it for ``tick`` to send when due.
        """
        change = changes.status(status=status, actor_id=actor_id, schedule=self._schedule)
        what = ("status", conversation_id, status)
        return self._act(conversation_id, request_id, change, actor_id, Action.CHANGE_STATUS, what)

    def snooze(
        self,
        conversation_id: str,
        *,
        until: datetime,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Put a conversation on hold until ``until``; ``tick`` opens it again then.

        The conversation moves to on hold (SLA clocks pause as the policy
        says) with ``snoozed_until`` set. A customer message, or any status
        change, ends the snooze early. Checked as ``CHANGE_STATUS``.

        Raises:
            ValidationError: ``until`` is naive or not after now.
            InvalidTransition: the conversation is solved or closed.
        """
        if not isinstance(until, datetime) or until.utcoffset() is None:
            raise ValidationError.single(
                "until", "expected a timezone-aware datetime (e.g. with tzinfo=timezone.utc)"
            )
        change = changes.snooze(until=until, actor_id=actor_id)
        what = ("snooze", conversation_id, until.isoformat())
        return self._act(conversation_id, request_id, change, actor_id, Action.CHANGE_STATUS, what)

    def solve(
        self, conversation_id: str, *, actor_id: str, request_id: str | None = None
    ) -> Receipt:
        """Mark solved (see ``set_status``)."""
        return self.set_status(
            conversation_id, Status.SOLVED, actor_id=actor_id, request_id=request_id
        )

    def reopen(
        self, conversation_id: str, *, actor_id: str, request_id: str | None = None
    ) -> Receipt:
        """Reopen a solved conversation (a closed one can't: start a follow-up)."""
        return self.set_status(
            conversation_id, Status.OPEN, actor_id=actor_id, request_id=request_id
        )

    def set_priority(
        self,
        conversation_id: str,
        priority: Priority,
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Change the priority (SLA targets follow the new priority).

        Checked as the ``CHANGE_PRIORITY`` action when ``actors`` is set.
        """
        change = changes.priority(priority=priority, actor_id=actor_id)
        what = ("priority", conversation_id, priority)
        return self._act(
            conversation_id, request_id, change, actor_id, Action.CHANGE_PRIORITY, what
        )

    def tag(
        self,
        conversation_id: str,
        *,
        actor_id: str,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        request_id: str | None = None,
    ) -> Receipt:
        """Add and remove tags (checked as the ``TAG`` action when ``actors`` is set)."""
        added, removed = frozen_set(add), frozen_set(remove)
        change = changes.tags(actor_id=actor_id, add=added, remove=removed)
        what = ("tag", conversation_id, added, removed)
        return self._act(conversation_id, request_id, change, actor_id, Action.TAG, what)

    def set_fields(
        self,
        conversation_id: str,
        fields: Mapping[str, Any],
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Set custom fields (None clears one), checked against ``Desk.fields``.

        Checked as the ``EDIT_FIELDS`` action when ``actors`` is set. The
        change is a ``DetailsChanged`` event on the timeline.

        Raises:
            ValidationError: a field the schema does not declare or a value
                of the wrong type (each at ``fields.<name>``); nothing is
                recorded.
        """
        change = fields_change(fields, actor_id=actor_id, schema=self.fields)
        return self._act(conversation_id, request_id, change, actor_id, Action.EDIT_FIELDS)

    def apply_macro(
        self,
        conversation_id: str,
        macro: Macro,
        *,
        agent_id: str,
        values: Mapping[str, Mapping[str, object]] | None = None,
        capabilities: Capabilities | None = None,
        long_text: LongText | None = None,
        seen_version: int | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Send a macro's reply and make its status, tag and field changes in one agent action.

        Placeholders are filled from the customer, the conversation and the
        agent (see ``omnicx.desk._macro.macro_values``), then from ``values``
        (``{"order": {"id": "1042"}}``), which wins. Each change is checked
        as its own action (``REPLY``/``NOTE``, ``TAG``, ``EDIT_FIELDS``,
        ``CHANGE_STATUS``) when ``actors`` is set; one receipt, one commit.

        The reply follows the rules of the channel it goes out on:
        ``capabilities`` (by default the desk's for that channel) give its
        reply window (a human agent's, where longer) and length limit;
        ``long_text`` (by default the desk's) says whether an over-long
        text is refused or sent in parts.

        Raises:
            ValidationError: a placeholder without a value (``values.order.id``),
                or a field the schema refuses; nothing is recorded.
            RenderRefused: the channel's reply window has closed, or the text
                is over its limit and ``long_text`` is ``LongText.REFUSE``;
                nothing is recorded.
        """
        stored = self._record(conversation_id)
        for action in macro_actions(macro)[1:]:
            queue = stored.conversation.queue
            self.check(agent_id, action, Resource.conversation(conversation_id, queue))
        agent = getattr(self.store, "agent", lambda _: None)(agent_id)
        name = agent.agent.name or None if agent is not None else None
        customer = self.customer(stored.conversation.customer_id)
        filled = macro_values(stored, customer, agent_id, name, values or {})
        if capabilities is None:
            channel = reply_channel(stored.last_inbound, stored.conversation.channel)
            capabilities = self.capabilities.get(channel.name)
        text = macro_text(macro, filled, record=stored, now=self.clock.now(),
                          capabilities=capabilities,
                          long_text=self.long_text if long_text is None else long_text)  # fmt: skip
        change = macro_change(macro, text, agent_id=agent_id, seen_version=seen_version,
                              redact=self.redacted, email=self.email, schedule=self._schedule,
                              schema=self.fields)  # fmt: skip
        first = (macro_actions(macro) or (None,))[0]
        what = ("macro", conversation_id, macro.id, text)
        return self._act(conversation_id, request_id, change, agent_id, first, what)

"""Thread reference keys: the names under which a conversation is found again.

A conversation is indexed under the Message-IDs of its messages (``mid:``),
the provider's thread ids (``thread:<channel>:``) and the provider's message
ids (``ext:<channel>:``); a later message finds its conversation by the keys
it answers to. Provider ids are only unique per channel, so their keys name
the channel; Message-IDs are global by RFC 5322.
"""

from __future__ import annotations

from omnicx.model import Channel, Direction, Message, ThreadRefs, Visibility

MAX_REFERENCES = 20
"""The most Message-IDs ``reply_references`` keeps (the thread's first always among them)."""


def message_id_key(message_id: str) -> str:
    """The key for an RFC 5322 Message-ID (without angle brackets)."""
    return f"mid:{message_id}"


def external_key(channel: Channel, external_id: str) -> str:
    """The key for a provider's message id on ``channel``."""
    return f"ext:{channel.name}:{external_id}"


def post_thread(message: Message) -> str | None:
    """The thread a customer's public message keeps on its post: ``post:<post>:<author>``.

    Public conversations thread per post and author: everything one person
    says under one post is one conversation, whoever they answer. None for
    a direct message, the business's own comments and an unknown author.
    """
    if (
        message.visibility is not Visibility.PUBLIC
        or message.direction is not Direction.INBOUND
        or not message.post_id
        or not message.author.id
    ):
        return None
    return f"post:{message.post_id}:{message.author.id}"


def own_keys(message: Message) -> list[str]:
    """The keys under which a message's conversation is indexed."""
    keys = [message_id_key(message.thread.message_id)] if message.thread.message_id else []
    if message.thread.provider_thread_id:
        keys.append(f"thread:{message.channel.name}:{message.thread.provider_thread_id}")
    posted = post_thread(message)
    if posted is not None:
        keys.append(f"thread:{message.channel.name}:{posted}")
    if message.external_id:
        keys.append(external_key(message.channel, message.external_id))
    return keys


def referenced_keys(message: Message) -> list[str]:
    """The keys of the Message-IDs a message answers to (In-Reply-To, References)."""
    thread = message.thread
    return [message_id_key(mid) for mid in (*thread.in_reply_to, *thread.references)]


def lookup_keys(message: Message) -> list[str]:
    """Every key to look up when threading ``message``.

    Its own keys are among them: a reply that arrived first indexed the ids it
    references, so a parent arriving late finds the reply's conversation. On
    a messaging channel, In-Reply-To names the provider's id of the quoted
    message (a WhatsApp ``context.id``), looked up as that channel's key too,
    as is a public reply's parent comment.
    """
    keys = own_keys(message) + referenced_keys(message)
    if message.channel != Channel.EMAIL:
        keys += [external_key(message.channel, i) for i in message.thread.in_reply_to]
    if message.parent_id:
        keys.append(external_key(message.channel, message.parent_id))
    return keys


def reply_references(parent: ThreadRefs, *, limit: int = MAX_REFERENCES) -> tuple[str, ...]:
    """The References of a reply to ``parent``, oldest first, ending with its Message-ID.

    At most ``limit`` ids (at least 2): the thread's first id and the newest
    ones, since some clients thread by the first alone.
    """
    # RFC 5322 section 3.6.4: "The "References:" field will contain the
    # contents of the parent's "References:" field (if any) followed by the
    # contents of the parent's "Message-ID:" field (if any). If the parent
    # message does not contain a "References:" field but does have an
    # "In-Reply-To:" field containing a single message identifier, then the
    # "References:" field will contain the contents of the parent's
    # "In-Reply-To:" field followed by the contents of the parent's
    # "Message-ID:" field (if any)."
    chain = list(parent.references)
    if not chain and len(parent.in_reply_to) == 1:
        chain = list(parent.in_reply_to)
    if parent.message_id:
        chain.append(parent.message_id)
    chain = list(dict.fromkeys(chain))
    limit = max(limit, 2)
    if len(chain) > limit:
        chain = [chain[0], *chain[-(limit - 1) :]]
    return tuple(chain)

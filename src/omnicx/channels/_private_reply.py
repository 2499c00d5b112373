"""Each network's rule for a private reply to a public comment, by the comment's channel.

The desk records a private reply ("move to DM") before the host sends it,
so it judges it by the comment's channel alone, with the same rules the
adapters apply when rendering: Facebook and Instagram allow one message
within 7 days of the comment (2,000 characters on Messenger, 1,000 UTF-8
bytes on Instagram); X opens a DM only to a person who accepts one.
"""

from __future__ import annotations

from omnicx.channels._facebook import FacebookCommentsAdapter
from omnicx.channels._instagram_comments import InstagramCommentsAdapter
from omnicx.channels._rules import SendCheck
from omnicx.channels._social import PrivateReply
from omnicx.channels._x import XAdapter
from omnicx.model import Channel

# The channel the direct message travels on, by the channel of the comment:
# a Page's private reply arrives in Messenger; Instagram and X keep theirs.
_DM_CHANNELS = {
    Channel.FACEBOOK.name: Channel.MESSENGER,
    Channel.INSTAGRAM.name: Channel.INSTAGRAM,
    Channel.X.name: Channel.X,
}


def private_reply_channel(channel: Channel) -> Channel | None:
    """The channel a private reply to a comment on ``channel`` goes on (None: none exists).

    ``facebook`` comments are answered in ``messenger``; ``instagram`` and
    ``x`` in their own DMs.
    """
    return _DM_CHANNELS.get(channel.name)


def check_private_reply(channel: Channel, reply: PrivateReply) -> SendCheck:
    """Whether ``reply`` to a comment on ``channel`` may be sent, as an outcome.

    ``NOT_SUPPORTED`` for a channel without private replies; otherwise the
    verdict of that channel's adapter (``check_private_reply``).
    """
    if channel.name == Channel.FACEBOOK.name:
        return FacebookCommentsAdapter.check_private_reply(reply)
    if channel.name == Channel.INSTAGRAM.name:
        return InstagramCommentsAdapter.check_private_reply(reply)
    if channel.name == Channel.X.name:
        return XAdapter.check_private_reply(reply)
    return SendCheck.NOT_SUPPORTED

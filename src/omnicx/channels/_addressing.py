"""Where a reply goes: the channel to answer on and the address on it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from omnicx.model import Channel, Identifier, IdentifierKind

# The identifier a channel delivers to; any other channel addresses the
# sender's handle on that network (Messenger PSID, Instagram id, chat visitor).
_DELIVERS_TO = {
    "email": IdentifierKind.EMAIL,
    "sms": IdentifierKind.PHONE,
    "voice": IdentifierKind.PHONE,
    "whatsapp": IdentifierKind.PHONE,
}


def reply_address(channel: Channel, identifiers: Iterable[Identifier]) -> str | None:
    """The address replies on ``channel`` go to, picked from a sender's identifiers.

    Email goes to the email address, SMS, voice and WhatsApp to the phone
    number, other channels to the handle in that channel's namespace. Without
    a matching identifier, the first one given (adapters list the sender's
    own address first); None without identifiers.
    """
    kind = _DELIVERS_TO.get(channel.name, IdentifierKind.HANDLE)
    namespace = "" if channel.name in _DELIVERS_TO else channel.name
    found = list(identifiers)
    for identifier in found:
        if identifier.kind is kind and identifier.namespace == namespace:
            return identifier.value
    return found[0].value if found else None


def reply_channel(last_inbound: Mapping[str, datetime], started_on: Channel) -> Channel:
    """The channel to answer on: where the customer last wrote.

    ``last_inbound`` maps channel names to the customer's latest message on
    each; before any inbound message, the channel the conversation started on.
    """
    latest = max(last_inbound.items(), key=lambda item: item[1], default=None)
    return started_on if latest is None else Channel(latest[0])

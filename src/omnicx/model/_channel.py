"""Channels a customer can write on, and the direction of a message."""

from __future__ import annotations

import enum
import re
from typing import Any, ClassVar

import attrs

from omnicx.errors import ValidationError

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")

WELL_KNOWN_CHANNELS = (
    "chat",
    "email",
    "facebook",
    "instagram",
    "messenger",
    "sms",
    "voice",
    "web_form",
    "whatsapp",
    "x",
)
"""Channel names omnicx ships adapters or rules for; any other valid name works too."""


def _check_name(_instance: Any, _attribute: attrs.Attribute[Any], value: str) -> None:
    if not _NAME.match(value):
        raise ValidationError.single(
            "channel",
            f"invalid channel name {value!r}; use 1-40 lower-case letters, digits, '_', '.' "
            "or '-', starting with a letter",
        )


@attrs.frozen(order=True)
class Channel:
    """A channel a message travels on: a well-known one or a host's own.

    The well-known channels are class attributes (``Channel.EMAIL``,
    ``Channel.WHATSAPP``...); a host adds its own by name
    (``Channel("line")``). Serialized as its plain name.
    """

    name: str = attrs.field(validator=_check_name)

    CHAT: ClassVar[Channel]
    EMAIL: ClassVar[Channel]
    FACEBOOK: ClassVar[Channel]
    INSTAGRAM: ClassVar[Channel]
    MESSENGER: ClassVar[Channel]
    SMS: ClassVar[Channel]
    VOICE: ClassVar[Channel]
    WEB_FORM: ClassVar[Channel]
    WHATSAPP: ClassVar[Channel]
    X: ClassVar[Channel]

    @property
    def is_well_known(self) -> bool:
        """True for the channels omnicx ships knowledge of."""
        return self.name in WELL_KNOWN_CHANNELS

    def __str__(self) -> str:
        return self.name


for _name in WELL_KNOWN_CHANNELS:
    setattr(Channel, _name.upper(), Channel(_name))


class Direction(enum.Enum):
    """Which way a message travels, seen from the business."""

    INBOUND = "inbound"
    """From the customer to the business."""
    OUTBOUND = "outbound"
    """From the business (an agent, a bot, an automation) to the customer."""

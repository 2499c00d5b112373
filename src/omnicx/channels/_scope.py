"""Page and number scoping: which business account a webhook came to, and whether it is ours.

Meta sends the webhooks of every page, Instagram account and WhatsApp number
an app is subscribed to, to one callback URL. Each event says which account
received it (``received_by``); an adapter configured for one account either
refuses another's webhook (``ForeignAccounts.REFUSE``, the default: a typed
``ForeignAccountError``) or parses it with ``foreign=True`` on every event
(``ForeignAccounts.MARK``), for a host that routes them itself.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

import attrs

from omnicx.channels._events import ChannelEvent
from omnicx.errors import ForeignAccountError


class ForeignAccounts(enum.Enum):
    """What an adapter does with a webhook for a page or number it does not own."""

    REFUSE = "refuse"
    """Raise ``ForeignAccountError`` (a ``PayloadError``, reason ``UNSUPPORTED``)."""
    MARK = "mark"
    """Parse it; every event carries ``foreign=True``."""


_E = TypeVar("_E", bound=ChannelEvent)


def scoped(
    events: Iterable[_E],
    *,
    account: str | None,
    owned: str,
    policy: ForeignAccounts,
    field: str,
) -> list[_E]:
    """``events`` stamped with the account that received them, refused or marked when foreign.

    ``account`` is None when the payload does not say (then the events are
    taken as the adapter's own and carry ``received_by=None``).
    """
    foreign = account is not None and account != owned
    if foreign and policy is ForeignAccounts.REFUSE:
        assert account is not None
        raise ForeignAccountError(account, field=field)
    return [attrs.evolve(event, received_by=account, foreign=foreign) for event in events]

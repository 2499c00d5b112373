"""What every Meta adapter of a Page or Instagram account shares: the signed, scoped entry.

Messenger, Instagram messaging, Facebook Page comments and Instagram
comments all come as ``{"object": "page" | "instagram", "entry": [{"id",
"time", ...}]}`` signed with ``X-Hub-Signature-256`` keyed with the app
secret. ``entry.id`` is the Page (or Instagram account) that received it,
so each adapter stamps its events with it and refuses or marks another
account's (:mod:`omnicx.channels._scope`). They differ only in what an
entry holds: ``messaging[]`` items or ``changes[]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

import attrs

from omnicx.channels._events import ChannelEvent
from omnicx.channels._request import WebhookRequest
from omnicx.channels._scope import ForeignAccounts, scoped
from omnicx.channels._signatures import verify_hub_sha256
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported


def account_id(entry: Wire) -> str | None:
    """The account an entry came to: Meta's ``entry.id`` (ids may come as JSON numbers)."""
    return entry.opt_text("id") or None


@attrs.frozen(kw_only=True)
class MetaWebhook:
    """The shared half of the Meta adapters of a Page or an Instagram account."""

    app_secret: str = attrs.field(repr=False)
    api_version: str = "v21.0"
    foreign: ForeignAccounts = ForeignAccounts.REFUSE
    """A webhook entry for another page or account: refused (typed) or parsed and marked."""

    OBJECT: ClassVar[str]

    @property
    def account(self) -> str:
        """The Page or Instagram account id this adapter speaks as."""
        raise NotImplementedError

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body (Meta signs no timestamp)."""
        verify_hub_sha256(self.app_secret, request.body, request.headers)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Every event of every entry, in order; what the adapter does not take is skipped.

        Each event's ``received_by`` is the entry's page (or Instagram
        account) id; an entry for another account raises
        ``ForeignAccountError``, or, with ``foreign=ForeignAccounts.MARK``,
        gives events marked ``foreign``.
        """
        root = load_json(request.body)
        if root.opt_text("object") != self.OBJECT:
            article = "an" if self.OBJECT[:1] in "aeiou" else "a"
            raise unsupported(f"not {article} {self.OBJECT!r} webhook", "object")
        events: list[ChannelEvent] = []
        for entry in root.items("entry"):
            events.extend(self._entry(entry, self.foreign))
        return tuple(events)

    def _owns(self, account: str | None) -> bool:
        return account == self.account

    def _entry(self, entry: Wire, policy: ForeignAccounts) -> list[ChannelEvent]:
        # Meta: "entry.id: the ID of your Page" (Instagram: of the professional account).
        account = account_id(entry)
        return scoped(
            self._events(entry),
            account=account,
            owned=self.account,
            policy=policy,
            field=f"{entry.path}.id",
        )

    def _events(self, entry: Wire) -> list[ChannelEvent]:
        raise NotImplementedError

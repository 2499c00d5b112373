"""One callback URL for Meta: WhatsApp, Messenger, Instagram and comment webhooks routed.

A Meta app has one webhook URL for every product and every page or number
it is subscribed to. :class:`MetaDispatcher` reads the body's ``object``
(``whatsapp_business_account``, ``page``, ``instagram``) and each entry's
account (the page or Instagram account ``entry.id``; the WhatsApp change's
``metadata.phone_number_id``) and hands each entry to the adapter that owns
that account. A ``page`` or ``instagram`` entry carries private messages
under ``messaging`` (Messenger, Instagram messaging) and public activity
under ``changes`` (the ``feed`` field of a Page; ``comments``,
``live_comments`` and ``mentions`` of an Instagram account): each half goes
to the adapter of its kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.channels._events import ChannelEvent
from omnicx.channels._facebook import FacebookCommentsAdapter
from omnicx.channels._instagram_comments import InstagramCommentsAdapter
from omnicx.channels._meta import InstagramAdapter, MessengerAdapter
from omnicx.channels._meta_webhook import account_id
from omnicx.channels._request import WebhookRequest
from omnicx.channels._scope import ForeignAccounts
from omnicx.channels._whatsapp import WhatsAppAdapter, phone_number_id
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.errors import ValidationError

MetaAdapter = (
    WhatsAppAdapter
    | MessengerAdapter
    | InstagramAdapter
    | FacebookCommentsAdapter
    | InstagramCommentsAdapter
)
"""An adapter a :class:`MetaDispatcher` can route to."""

_Messaging = MessengerAdapter | InstagramAdapter
_Changes = FacebookCommentsAdapter | InstagramCommentsAdapter

_OBJECTS: dict[type[MetaAdapter], str] = {
    WhatsAppAdapter: "whatsapp_business_account",
    MessengerAdapter: "page",
    InstagramAdapter: "instagram",
    FacebookCommentsAdapter: "page",
    InstagramCommentsAdapter: "instagram",
}


def _adapters(value: Any) -> tuple[MetaAdapter, ...]:
    found: tuple[MetaAdapter, ...] = frozen_seq(value)
    if not found:
        raise ValidationError.single("adapters", "a MetaDispatcher needs at least one adapter")
    for index, adapter in enumerate(found):
        if not isinstance(adapter, tuple(_OBJECTS)):
            raise ValidationError.single(
                f"adapters[{index}]",
                "expected a WhatsAppAdapter, MessengerAdapter, InstagramAdapter, "
                "FacebookCommentsAdapter or InstagramCommentsAdapter, "
                f"got {type(adapter).__name__}",
            )
    secrets = {adapter.app_secret for adapter in found}
    if len(secrets) > 1:
        # One callback URL is one app, and one app signs with one secret.
        raise ValidationError.single(
            "adapters", "every adapter behind one callback URL must have the same app_secret"
        )
    return found


@attrs.frozen(kw_only=True)
class MetaDispatcher:
    """Verify and parse Meta's shared callback, routing each entry to the adapter owning it.

    ``verify`` checks ``X-Hub-Signature-256`` with the app secret every
    adapter shares. ``parse`` parses each entry with the adapter of its
    ``object`` that owns its account: an entry's ``messaging`` by the
    Messenger or Instagram adapter, its ``changes`` by the Facebook or
    Instagram comments adapter. An entry for an account no adapter owns
    raises ``ForeignAccountError`` (``foreign=ForeignAccounts.REFUSE``, the
    default) or is parsed by the first adapter of that object with its events
    marked ``foreign`` (``ForeignAccounts.MARK``). An ``object`` no adapter
    speaks is ``PayloadError`` (UNSUPPORTED), and so is a body whose every
    part is of a kind no adapter takes (``changes`` with no comments adapter).

    Attributes:
        adapters: the WhatsApp, Messenger, Instagram and comments adapters of one app.
        foreign: what to do with an entry for an account none of them owns.
    """

    adapters: tuple[MetaAdapter, ...] = attrs.field(converter=_adapters)
    foreign: ForeignAccounts = ForeignAccounts.REFUSE

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body (one app, one secret)."""
        self.adapters[0].verify(request, now=now)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Every entry's events, in order, each parsed by the adapter owning its account."""
        root = load_json(request.body)
        kind = root.opt_text("object")
        candidates = [a for a in self.adapters if _OBJECTS[type(a)] == kind]
        if not candidates:
            raise unsupported("no adapter is configured for this webhook object", "object")
        events: list[ChannelEvent] = []
        skipped = False
        for entry in root.items("entry"):
            if kind == "whatsapp_business_account":
                events.extend(self._whatsapp(entry, candidates))
                continue
            for part in _parts(entry, candidates):
                if part:
                    events.extend(self._part(entry, part))
                else:
                    skipped = True
        if skipped and not events:
            raise unsupported(f"no adapter takes this part of an {kind!r} webhook", "entry")
        return tuple(events)

    def route(self, request: WebhookRequest) -> MetaAdapter:
        """The adapter owning the first entry's account (for a host that wants one adapter).

        Raises:
            PayloadError: the body is not JSON, or its ``object`` has no adapter.
            ForeignAccountError: no adapter owns the account (``foreign`` REFUSE).
        """
        with entry_point():
            root = load_json(request.body)
            kind = root.opt_text("object")
            candidates = [a for a in self.adapters if _OBJECTS[type(a)] == kind]
            if not candidates:
                raise unsupported("no adapter is configured for this webhook object", "object")
            for entry in root.items("entry"):
                if kind == "whatsapp_business_account":
                    for change in entry.items("changes"):
                        if change.has("value"):
                            return self._owner(phone_number_id(change.child("value")), candidates)
                else:
                    for part in _parts(entry, candidates):
                        if part:
                            return self._owner(account_id(entry), part)
        return candidates[0]

    def _owner(self, account: str | None, candidates: Sequence[MetaAdapter]) -> MetaAdapter:
        for adapter in candidates:
            if adapter._owns(account):
                return adapter
        return candidates[0]

    def _policy(self, account: str | None, adapter: MetaAdapter) -> ForeignAccounts:
        # The owner parses as its own; a stand-in parses under the dispatcher's policy.
        return adapter.foreign if adapter._owns(account) or account is None else self.foreign

    def _whatsapp(self, entry: Wire, candidates: Sequence[MetaAdapter]) -> list[ChannelEvent]:
        events: list[ChannelEvent] = []
        for change in entry.items("changes"):
            account = phone_number_id(change.child("value")) if change.has("value") else None
            adapter = self._owner(account, candidates)
            assert isinstance(adapter, WhatsAppAdapter)
            events.extend(adapter._change(change, self._policy(account, adapter)))
        return events

    def _part(self, entry: Wire, candidates: Sequence[MetaAdapter]) -> list[ChannelEvent]:
        account = account_id(entry)
        adapter = self._owner(account, candidates)
        assert isinstance(adapter, _Messaging | _Changes)
        return adapter._entry(entry, self._policy(account, adapter))


def _parts(entry: Wire, candidates: Sequence[MetaAdapter]) -> list[list[MetaAdapter]]:
    # The adapters that may take each half of a page or Instagram entry: its
    # ``messaging`` (private) and its ``changes`` (public); an empty list is a
    # half present but of a kind no adapter here takes. An entry with neither
    # still goes to one adapter, which checks its account.
    messaging: list[MetaAdapter] = [a for a in candidates if isinstance(a, _Messaging)]
    changes: list[MetaAdapter] = [a for a in candidates if isinstance(a, _Changes)]
    parts: list[list[MetaAdapter]] = []
    if entry.has("messaging"):
        parts.append(messaging)
    if entry.has("changes"):
        parts.append(changes)
    return parts or [messaging or changes]

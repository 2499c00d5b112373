"""Channel handles and external ids: first-class, namespaced identity keys."""

from __future__ import annotations

import re
from collections.abc import Callable

from omnicx.errors import ValidationError
from omnicx.identity._phone import read_phone_or_problem
from omnicx.model import Identifier

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_SYSTEM = re.compile(r"[a-z0-9][a-z0-9_.-]*(?::[a-z0-9][a-z0-9_.-]*)*")
_MAX_VALUE = 255

# Meta: Instagram-scoped ids (IGSID) and Messenger page-scoped ids (PSID) are
# numeric strings, unique per (page, person); a person has a different one per page.
_SCOPED_ID = re.compile(r"[0-9]{1,32}")
# X (Twitter) help: "Your username cannot be longer than 15 characters ...
# can only contain alphanumeric characters (letters A-Z, numbers 0-9) with the
# exception of underscores"; usernames are case-insensitive.
_X_HANDLE = re.compile(r"[a-z0-9_]{1,15}")
# WhatsApp business-scoped user ids (BSUID): an opaque token per business
# portfolio; kept exactly as sent (case matters), never mapped to a phone.
_BSUID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_NETWORK_ALIASES = {"twitter": "x", "facebook": "messenger", "ig": "instagram"}


# Instagram help: usernames are letters, numbers, periods and underscores,
# at most 30 characters, and case-insensitive.
_INSTAGRAM_USERNAME = re.compile(r"[a-z0-9._]{1,30}")


def _scoped_id(raw: str) -> str:
    if not _SCOPED_ID.fullmatch(raw):
        raise ValidationError.single("handle", "a page-scoped id is digits only")
    return raw


def _instagram(raw: str) -> str:
    # A numeric IGSID as sent, or a username ("@Jane.Doe"), case-folded, as "@jane.doe".
    if _SCOPED_ID.fullmatch(raw):
        return raw
    name = raw.removeprefix("@").lower()
    if not _INSTAGRAM_USERNAME.fullmatch(name):
        raise ValidationError.single(
            "handle",
            "an Instagram handle is a numeric scoped id or a username of 1 to 30 letters,"
            " digits, '.' or '_' (an optional '@' first)",
        )
    return f"@{name}"


def _x_handle(raw: str) -> str:
    handle = raw.removeprefix("@").lower()
    if not _X_HANDLE.fullmatch(handle):
        raise ValidationError.single(
            "handle", "an X handle is 1 to 15 letters, digits or '_' (an optional '@' first)"
        )
    return handle


def _bsuid(raw: str) -> str:
    if not _BSUID.fullmatch(raw):
        raise ValidationError.single(
            "handle", "a WhatsApp user id is 1 to 128 letters, digits or '._:-'"
        )
    return raw


def _opaque(raw: str) -> str:
    if any(ch.isspace() for ch in raw) or len(raw) > _MAX_VALUE:
        raise ValidationError.single(
            "handle", f"a handle has no whitespace and at most {_MAX_VALUE} characters"
        )
    return raw


_NETWORK_RULES: dict[str, Callable[[str], str]] = {
    "instagram": _instagram,
    "messenger": _scoped_id,
    "x": _x_handle,
    "whatsapp": _bsuid,
}


def canonical_network(network: str) -> str:
    """Return the canonical network name: lower-case, aliases folded.

    ``Twitter`` becomes ``x``, ``facebook`` becomes ``messenger``, ``ig``
    becomes ``instagram``. Any other name made of letters, digits and
    ``_.-`` is accepted as is (``telegram``, ``line``). Raises ValidationError
    (path ``network``) otherwise.
    """
    name = network.strip().lower()
    if not _NAME.fullmatch(name):
        raise ValidationError.single(
            "network", "a network name is letters, digits and '_.-' (e.g. 'instagram')"
        )
    return _NETWORK_ALIASES.get(name, name)


def handle_identifier(network: str, raw: str, *, verified: bool = False) -> Identifier:
    """Return a handle Identifier for ``raw`` on ``network``.

    Per network:

    - ``instagram``: the page-scoped id (IGSID, digits) as sent, or a
      username (``@Jane.Doe``), case-folded and kept as ``@jane.doe`` so it
      never meets a numeric id;
    - ``messenger``: the page-scoped id (PSID), digits only;
    - ``x``: the username, case-folded, without ``@``;
    - ``whatsapp``: the business-scoped user id, exactly as sent. A WhatsApp
      chat id (``447911123456@s.whatsapp.net``, ``...@c.us``) holds a phone
      number, so it gives a *phone* Identifier; so does a ``wa_id`` passed to
      :func:`phone_identifier`;
    - any other network: the trimmed value, no whitespace, case kept.

    ``verified`` says the network vouched for the value (it arrived on a
    signed webhook). Raises ValidationError (path ``network`` or ``handle``).
    """
    name = canonical_network(network)
    value = raw.strip()
    if not value:
        raise ValidationError.single("handle", "the handle is empty")
    if name == "whatsapp" and "@" in value:
        ok, text = read_phone_or_problem(value, None)
        if not ok:
            raise ValidationError.single("handle", text)
        return Identifier.phone(text, verified=verified)
    return Identifier.handle(name, _NETWORK_RULES.get(name, _opaque)(value), verified=verified)


def external_identifier(system: str, raw: str) -> Identifier:
    """Return an external-id Identifier: ``raw`` in another ``system``.

    ``system`` is lower-cased and may have ``:``-separated parts
    (``shopify:customer``, ``stripe``, ``hubspot:contact``). The value is
    trimmed, keeps its case and has no whitespace. A Shopify GraphQL global id
    (``gid://shopify/Customer/123``) becomes its numeric id, so REST and
    GraphQL payloads agree. External ids are always verified: the other
    system issued them. Raises ValidationError (path ``system`` or ``external``).
    """
    name = system.strip().lower()
    if not _SYSTEM.fullmatch(name):
        raise ValidationError.single(
            "system",
            "a system name is letters, digits and '_.-', parts joined by ':' "
            "(e.g. 'shopify:customer')",
        )
    value = raw.strip()
    if not value:
        raise ValidationError.single("external", "the id is empty")
    if name == "shopify:customer":
        value = value.removeprefix("gid://shopify/Customer/")
        if not _SCOPED_ID.fullmatch(value):
            raise ValidationError.single(
                "external", "a Shopify customer id is numeric (or gid://shopify/Customer/<n>)"
            )
    if any(ch.isspace() for ch in value) or len(value) > _MAX_VALUE:
        raise ValidationError.single(
            "external", f"an external id has no whitespace and at most {_MAX_VALUE} characters"
        )
    return Identifier.external(name, value)

"""Identifiers: the keys that tie a person's messages together."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from omnicx.errors import ValidationError
from omnicx.model._checks import non_empty, of_type


class IdentifierKind(enum.Enum):
    """What an identifier's value is."""

    EMAIL = "email"
    """An email address (canonical form: trimmed, lower-cased)."""
    PHONE = "phone"
    """A phone number (canonical form: E.164, ``+14155550100``)."""
    HANDLE = "handle"
    """A channel-scoped handle; ``namespace`` names the network (``instagram``)."""
    EXTERNAL = "external"
    """An id in another system; ``namespace`` names it (``shopify:customer``)."""


_NAMESPACED = frozenset({IdentifierKind.HANDLE, IdentifierKind.EXTERNAL})


def _check_namespace(instance: Identifier, _attribute: attrs.Attribute[Any], value: str) -> None:
    if instance.kind in _NAMESPACED and not value:
        raise ValidationError.single(
            "namespace",
            f"a {instance.kind.value} identifier needs a namespace "
            "(the network, e.g. 'instagram', or the system, e.g. 'shopify:customer')",
        )
    if instance.kind not in _NAMESPACED and value:
        raise ValidationError.single(
            "namespace", f"a {instance.kind.value} identifier takes no namespace, got {value!r}"
        )


@attrs.frozen(kw_only=True, order=True)
class Identifier:
    """One identifier of a customer: an email, a phone, a handle or an external id.

    The model stores values as given; ``omnicx.identity`` turns raw input into
    canonical identifiers. ``verified`` records that the channel vouched for
    the value (a verified email login, a WhatsApp sender).
    """

    kind: IdentifierKind
    value: str = attrs.field(validator=non_empty)
    namespace: str = attrs.field(default="", validator=_check_namespace)
    verified: bool = attrs.field(
        default=False,
        validator=of_type(bool, "a bool", "pass True only for an address the provider verified"),
    )

    @property
    def key(self) -> str:
        """A string key unique per (kind, namespace, value), for indexes and dicts."""
        if self.namespace:
            return f"{self.kind.value}:{self.namespace}:{self.value}"
        return f"{self.kind.value}:{self.value}"

    @classmethod
    def email(cls, value: str, *, verified: bool = False) -> Identifier:
        """An email identifier."""
        return cls(kind=IdentifierKind.EMAIL, value=value, verified=verified)

    @classmethod
    def phone(cls, value: str, *, verified: bool = False) -> Identifier:
        """A phone identifier (pass E.164; see ``omnicx.identity`` to normalise)."""
        return cls(kind=IdentifierKind.PHONE, value=value, verified=verified)

    @classmethod
    def handle(cls, network: str, value: str, *, verified: bool = False) -> Identifier:
        """A channel handle on ``network`` (``instagram``, ``messenger``, ``whatsapp``, ``x``)."""
        return cls(kind=IdentifierKind.HANDLE, namespace=network, value=value, verified=verified)

    @classmethod
    def external(cls, system: str, value: str) -> Identifier:
        """An id in another system (``shopify:customer``, ``stripe``)."""
        return cls(kind=IdentifierKind.EXTERNAL, namespace=system, value=value, verified=True)

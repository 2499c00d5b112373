"""Sender identifiers through ``omnicx.identity``, never raising on odd input.

A webhook's sender can be something identity rules refuse (an SMS short code,
an alphanumeric sender id, an address with a lone surrogate the IDNA codec
cannot encode): the message still counts, it just carries the
identifiers that could be made canonical.
"""

from __future__ import annotations

from omnicx.errors import ValidationError
from omnicx.identity import (
    email_identifier,
    external_identifier,
    handle_identifier,
    phone_identifier,
)
from omnicx.model import Identifier


def phone_or_handle(raw: str, network: str, *, region: str | None = None) -> tuple[Identifier, ...]:
    """An E.164 phone for ``raw``; failing that a handle on ``network``; failing that none."""
    try:
        return (phone_identifier(raw, region=region, verified=True),)
    except (ValidationError, UnicodeError):
        return handle(network, raw)


def phone(raw: str, *, verified: bool = False) -> tuple[Identifier, ...]:
    """An E.164 phone identifier for ``raw``, or none when it is not a number."""
    try:
        return (phone_identifier(raw, verified=verified),)
    except (ValidationError, UnicodeError):
        return ()


def email(raw: str, *, verified: bool = False) -> tuple[Identifier, ...]:
    """A canonical email identifier for ``raw``, or none when it is not an address."""
    try:
        return (email_identifier(raw, verified=verified),)
    except (ValidationError, UnicodeError):
        return ()


def handle(network: str, raw: str) -> tuple[Identifier, ...]:
    """A verified handle on ``network`` (it came on a signed webhook), or none."""
    try:
        return (handle_identifier(network, raw, verified=True),)
    except (ValidationError, UnicodeError):
        return ()


def external(system: str, raw: str) -> tuple[Identifier, ...]:
    """An external id in ``system``, or none."""
    try:
        return (external_identifier(system, raw),)
    except (ValidationError, UnicodeError):
        return ()

"""Identity resolution: canonical identifiers, the identity graph and matching.

Raw emails, phones, handles and external ids become canonical
:class:`~omnicx.model.Identifier` values here; see ``docs/identity.md``.
"""

from omnicx.identity._email import canonical_email, email_identifier, email_match_key
from omnicx.identity._handles import canonical_network, external_identifier, handle_identifier
from omnicx.identity._phone import (
    canonical_phone,
    phone_extension,
    phone_identifier,
)

__all__ = [
    "canonical_email",
    "canonical_network",
    "canonical_phone",
    "email_identifier",
    "email_match_key",
    "external_identifier",
    "handle_identifier",
    "phone_extension",
    "phone_identifier",
]

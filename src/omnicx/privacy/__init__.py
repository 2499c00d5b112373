"""Privacy: redaction of personal data in text, and role-based access checks.

``redact(text)`` masks payment cards, IBANs, emails, phone numbers and a
host's own patterns; ``can(actor, action, resource)`` says whether an actor
may act, and why not. See docs/privacy.md.
"""

from omnicx.privacy._access import (
    Actor,
    Permission,
    PermissionDenied,
    Resource,
    ResourceKind,
    can,
    require,
)
from omnicx.privacy._redact import (
    DEFAULT_REDACTION,
    CustomPattern,
    Redacted,
    RedactionPolicy,
    redact,
)
from omnicx.privacy._roles import BUILTIN_ROLES, Action, Role, load_roles

__all__ = [
    "BUILTIN_ROLES",
    "DEFAULT_REDACTION",
    "Action",
    "Actor",
    "CustomPattern",
    "Permission",
    "PermissionDenied",
    "Redacted",
    "RedactionPolicy",
    "Resource",
    "ResourceKind",
    "Role",
    "can",
    "load_roles",
    "redact",
    "require",
]

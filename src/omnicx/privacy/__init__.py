"""Privacy: export, erasure, retention, redaction and role-based access checks.

``export_customer`` and ``erase_customer`` answer "send me my data" and
"delete me"; ``apply_retention`` ages events out; ``redact(text)`` masks
payment cards, IBANs, emails, phone numbers and a host's own patterns;
``can(actor, action, resource)`` says whether an actor may act, and why not.
See docs/privacy.md.
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
from omnicx.privacy._erase import ErasureReport, erase_customer, scrub_event, tombstone_key
from omnicx.privacy._export import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    CustomerExport,
    export_customer,
    export_document,
    load_export,
)
from omnicx.privacy._redact import (
    DEFAULT_REDACTION,
    CustomPattern,
    Redacted,
    RedactionPolicy,
    redact,
)
from omnicx.privacy._retention import (
    RetentionMode,
    RetentionPolicy,
    RetentionReport,
    apply_retention,
)
from omnicx.privacy._roles import BUILTIN_ROLES, Action, Role, load_roles

__all__ = [
    "BUILTIN_ROLES",
    "DEFAULT_REDACTION",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "Action",
    "Actor",
    "CustomPattern",
    "CustomerExport",
    "ErasureReport",
    "Permission",
    "PermissionDenied",
    "Redacted",
    "RedactionPolicy",
    "Resource",
    "ResourceKind",
    "RetentionMode",
    "RetentionPolicy",
    "RetentionReport",
    "Role",
    "apply_retention",
    "can",
    "erase_customer",
    "export_customer",
    "export_document",
    "load_export",
    "load_roles",
    "redact",
    "require",
    "scrub_event",
    "tombstone_key",
]

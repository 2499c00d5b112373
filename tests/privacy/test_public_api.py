"""The privacy package's ``__all__`` is pinned: adding a public name is a visible decision."""

from __future__ import annotations

import omnicx.privacy as privacy

PINNED = [
    "BUILTIN_ROLES", "DEFAULT_REDACTION", "EXPORT_FORMAT", "EXPORT_VERSION", "Action", "Actor", "CustomPattern", "CustomerExport", "ErasureReport", "Permission", "PermissionDenied", "Redacted", "RedactionPolicy", "Resource", "ResourceKind", "RetentionMode", "RetentionPolicy", "RetentionReport", "Role", "apply_retention", "can", "erase_customer", "export_customer", "export_document", "load_export", "load_roles", "redact", "require", "scrub_event", "tombstone_key",
]  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_all_is_pinned_sorted_and_importable() -> None:
    """``__all__`` is exactly the pinned list, sorted, and every name resolves."""
    assert list(privacy.__all__) == PINNED
    assert sorted(PINNED, key=_isort_key) == PINNED
    for name in PINNED:
        assert getattr(privacy, name) is not None


def test_every_public_name_has_a_docstring() -> None:
    """Every exported callable documents itself."""
    assert privacy.__doc__
    for name in privacy.__all__:
        value = getattr(privacy, name)
        if callable(value):
            assert value.__doc__, f"omnicx.privacy.{name} has no docstring"

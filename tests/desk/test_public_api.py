"""The desk's and storage's public names are pinned."""

from __future__ import annotations

import omnicx.desk
import omnicx.storage
import omnicx.testing


def test_desk_all() -> None:
    assert omnicx.desk.__all__ == [
        "CollisionError", "Desk", "OutboxKind", "Outgoing", "Receipt", "SlaLine", "customer_of",
    ]  # fmt: skip


def test_storage_all() -> None:
    assert omnicx.storage.__all__ == [
        "MIGRATIONS", "SCHEMA_VERSION", "Activity", "Changes", "ConversationRecord", "DeskStore",
        "MemoryStore", "SqliteStore", "StagedIdentityStore", "check_versions", "migrate",
    ]  # fmt: skip


def test_testing_exports_the_store_contract() -> None:
    assert "StoreContract" in omnicx.testing.__all__

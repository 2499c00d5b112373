"""On PostgreSQL, ids come from a sequence: ``nextval`` is never rolled back.

So a host transaction that rolls back never returns a number another
process could hand out again. Other backends keep ``omnicx_counter``.
"""

from typing import Any

from django.db import migrations


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS omnicx_ids")


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS omnicx_ids")


class Migration(migrations.Migration):
    dependencies = [("omnicx", "0001_initial")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]

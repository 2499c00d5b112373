"""The bot that owns a conversation (``Conversation.bot``), by id, as a column.

Copied from the record on every write like the other inbox columns: the
``InboxFilter.bot`` criterion reads it, and ``UNASSIGNED`` leaves its rows
out. Stored records are filled from their JSON.
"""

import json
from typing import Any

from django.db import migrations, models

_BATCH = 500


def _fill(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    conversations = apps.get_model("omnicx", "Conversation").objects.using(alias)
    owned = []
    for key, data in conversations.values_list("id", "data").iterator(chunk_size=_BATCH):
        bot = (json.loads(data).get("conversation") or {}).get("bot")
        if isinstance(bot, dict) and bot.get("id"):
            owned.append((key, bot["id"]))
    for key, bot_id in owned:
        conversations.filter(id=key).update(bot=bot_id)


class Migration(migrations.Migration):
    dependencies = [("omnicx", "0005_listening")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="bot",
            field=models.CharField(max_length=255, null=True),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(bot__isnull=False),
                fields=["bot", "urgency", "created_us", "id"],
                name="omnicx_conv_bot",
            ),
        ),
    ]

"""Rows of their own for what grows with history.

A conversation record no longer lists its messages' ids: the
thread-reference rows, which already held them, are their one home (ids a
record listed that the rows lack are added; one the rows give to another
conversation stays there). A profile no longer lists its observations'
ids, only how many are stored under its own id (``observed``); the
observation rows, in ``seq`` order, are the list. ``seq`` numbers the
stored rows in the order the profiles listed them (the rest after, by id);
a merge record's before-images count the rows each profile had then.
"""

import json
from collections import Counter
from typing import Any

from django.db import connections, migrations, models

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_BATCH = 500


def _strip_message_ids(apps: Any, alias: str) -> None:
    conversations = apps.get_model("omnicx", "Conversation").objects.using(alias)
    refs = apps.get_model("omnicx", "ThreadRef")
    rewritten = []
    for key, data in conversations.values_list("id", "data").iterator(chunk_size=_BATCH):
        record = json.loads(data)
        summary = record.get("summary") or {}
        mids, exts = summary.get("message_ids") or [], summary.get("external_ids") or []
        if not mids and not exts:
            continue
        wanted = [f"mid:{mid}" for mid in mids] + [f"ext:{c}:{e}" for c, e in exts]
        refs.objects.using(alias).bulk_create(
            [refs(ref=ref, conversation_id=key) for ref in wanted], ignore_conflicts=True
        )
        summary["message_ids"], summary["external_ids"] = [], []
        rewritten.append((key, _encode(record)))
    for key, data in rewritten:
        conversations.filter(id=key).update(data=data)


def _count_observations(apps: Any, alias: str, vendor: str) -> None:
    rows = apps.get_model("omnicx", "Observation").objects.using(alias)
    profiles = apps.get_model("omnicx", "Profile").objects.using(alias)
    merges = apps.get_model("omnicx", "Merge").objects.using(alias)
    owner = dict(rows.values_list("id", "profile_id"))
    counts = Counter(owner.values())
    order: list[str] = []
    for key, data in list(profiles.order_by("id").values_list("id", "data")):
        profile = json.loads(data)
        if "observation_ids" not in profile:
            continue
        order += [o for o in profile.pop("observation_ids") if owner.get(o) == key]
        profile["observed"] = counts[key]
        profiles.filter(id=key).update(data=_encode(profile))
    listed = set(order)
    order += sorted(o for o in owner if o not in listed)
    for seq, oid in enumerate(order, start=1):
        rows.filter(id=oid).update(seq=seq)
    for key, data in list(merges.values_list("id", "data")):
        record = json.loads(data)
        changed = False
        for side in ("survivor_before", "absorbed_before"):
            image = record.get(side)
            if image is None or "observation_ids" not in image:
                continue
            ids = image.pop("observation_ids")
            image["observed"] = sum(1 for o in ids if owner.get(o) == image["id"])
            changed = True
        if changed:
            merges.filter(id=key).update(data=_encode(record))
    # New rows number on from the last one.
    if vendor == "postgresql":
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT setval('omnicx_observation_seq', %s, %s)",
                           [max(len(order), 1), bool(order)])  # fmt: skip
    elif order:
        apps.get_model("omnicx", "Counter").objects.using(alias).update_or_create(
            kind="observation_seq", defaults={"value": len(order)}
        )


def _forward(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS omnicx_observation_seq")
    _strip_message_ids(apps, connection.alias)
    _count_observations(apps, connection.alias, connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("omnicx", "0002_ids_sequence")]

    operations = [
        migrations.AddField(
            model_name="observation", name="seq", field=models.BigIntegerField(null=True)
        ),
        migrations.RunPython(_forward, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="observation", name="seq", field=models.BigIntegerField()),
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(fields=["profile_id", "seq"], name="omnicx_observation_profile"),
        ),
    ]

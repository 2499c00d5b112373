"""Listening state (``Desk.listen``): one versioned row per listener name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("omnicx", "0004_orders")]

    operations = [
        migrations.CreateModel(
            name="Listening",
            fields=[
                ("id", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("version", models.IntegerField()),
                ("data", models.TextField()),
            ],
            options={"db_table": "omnicx_listening"},
        ),
    ]

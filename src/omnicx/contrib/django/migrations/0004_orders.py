"""The order index: one row per ``system:order id`` with the folded order as JSON."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("omnicx", "0003_rows_for_history")]

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("key", models.CharField(max_length=768, primary_key=True, serialize=False)),
                ("customer_id", models.CharField(db_index=True, max_length=255)),
                ("data", models.TextField()),
            ],
            options={"db_table": "omnicx_order"},
        ),
    ]

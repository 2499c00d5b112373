"""The omnicx app's models and its migrations agree, and every table and index is omnicx_*."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations reads the applied migrations
def test_the_migrations_match_the_models() -> None:
    """A model changed without its migration fails here (``makemigrations omnicx`` writes it)."""
    out = io.StringIO()
    call_command("makemigrations", "omnicx", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_table_and_index_is_prefixed() -> None:
    """Nothing of omnicx lands in a host database without the omnicx_ prefix."""
    models = list(apps.get_app_config("omnicx").get_models())
    assert models
    names = [model._meta.db_table for model in models]
    names += [index.name for model in models for index in model._meta.indexes]
    names += [c.name for model in models for c in model._meta.constraints]
    assert [name for name in names if not name.startswith("omnicx_")] == []

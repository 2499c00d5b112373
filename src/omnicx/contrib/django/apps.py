"""The Django app configuration of ``omnicx.contrib.django``."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["OmnicxConfig"]


class OmnicxConfig(AppConfig):
    """The ``omnicx`` Django app: the store's models, admin pages and checks."""

    name = "omnicx.contrib.django"
    label = "omnicx"
    verbose_name = "omnicx"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks and the settings-change hook."""
        from omnicx.contrib.django import checks, desk  # noqa: F401  (registers on import)

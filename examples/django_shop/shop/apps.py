"""The shop's Django app (its templates and commands)."""

from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The example shop."""

    name = "shop"

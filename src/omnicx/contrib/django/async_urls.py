"""The webhook URLs on the async views, for ASGI projects.

``path("webhooks/", include("omnicx.contrib.django.async_urls"))``: the
same paths and names (``omnicx:<view>``) as ``omnicx.contrib.django.urls``.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from omnicx.contrib.django import views

# Django reads app_name and urlpatterns by name; nothing here is for import.
__all__: list[str] = []

app_name = "omnicx"
"""The URL namespace."""

urlpatterns: list[URLPattern] = [
    path(f"{name}/", getattr(views, f"async_{name}"), name=name) for name in views.VIEWS
]
"""The async twin of every view in ``omnicx.contrib.django.urls``."""

"""The webhook URLs, for ``path("webhooks/", include("omnicx.contrib.django.urls"))``.

One path per view, named ``omnicx:<view>`` (``reverse("omnicx:whatsapp")``).
Under ASGI include ``omnicx.contrib.django.async_urls`` instead: the same
paths and names on the async views.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from omnicx.contrib.django import views

# Django reads app_name and urlpatterns by name; nothing here is for import.
__all__: list[str] = []

app_name = "omnicx"
"""The URL namespace."""

urlpatterns: list[URLPattern] = [
    path(f"{name}/", getattr(views, name), name=name) for name in views.VIEWS
]
"""``twilio/``, ``voice/``, ``whatsapp/``, ``meta/``, ``email/``, ``webchat/``, ``shopify/``, ``stripe/``."""

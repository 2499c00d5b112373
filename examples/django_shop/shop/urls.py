"""The shop's URLs: omnicx's webhooks, and the support pages."""

from __future__ import annotations

from django.urls import include, path

from shop import views

urlpatterns = [
    path("webhooks/", include("omnicx.contrib.django.urls")),
    path("", views.inbox, name="inbox"),
    path("customers/<str:customer_id>/", views.customer, name="customer"),
    path("conversations/<str:conversation_id>/reply/", views.reply, name="reply"),
]

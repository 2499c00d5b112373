"""The admin pages show customers, merges, conversations and timelines, and change nothing."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import path

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.contrib.django import models as m
from omnicx.contrib.django.store import DjangoStore
from omnicx.desk import Desk
from omnicx.identity import email_identifier, phone_identifier
from omnicx.testing._erasure import T0, _email

# The admin's URLs, as a host's urls.py would have them (the test settings have none).
URLS = ModuleType("omnicx_admin_test_urls")
URLS.urlpatterns = [path("admin/", admin.site.urls)]  # type: ignore[attr-defined]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = URLS


def _stored() -> tuple[str, str]:
    """Two customers, then one message naming both: they merge; return (survivor, conversation)."""
    desk = Desk(store=DjangoStore(), clock=FixedClock(T0))
    email, phone = email_identifier("ada@example.com"), phone_identifier("+447400555123")
    desk.receive(MessageReceived(message=_email("m1@x", T0), sender=(email,), sender_name="Ada"))
    sms = _email("m2@x", T0, name="Ada L.")
    desk.receive(MessageReceived(message=sms, sender=(phone,), sender_name="Ada L."))
    both = desk.receive(
        MessageReceived(message=_email("m3@x", T0), sender=(email, phone), sender_name="Ada")
    )
    assert both.conversation_id is not None
    return both.customer_id, both.conversation_id


def _rows() -> dict[str, list[tuple[object, ...]]]:
    return {
        model.__name__: sorted(model.objects.values_list("pk", "data"))
        for model in (m.Profile, m.Conversation, m.Event, m.Merge, m.Audit)
    }


@pytest.fixture
def staff(client: Client) -> Client:
    User.objects.create_superuser("lead", "lead@example.com", "pw")
    client.login(username="lead", password="pw")
    return client


def test_customer_pages_show_identifiers_and_merge_history(staff: Client) -> None:
    customer, _ = _stored()
    listing = staff.get("/admin/omnicx/profile/")
    assert listing.status_code == 200
    assert "email: ada@example.com" in listing.text
    page = staff.get(f"/admin/omnicx/profile/{customer}/change/")
    assert page.status_code == 200
    assert "phone: +447400555123" in page.text
    merges = list(m.Merge.objects.values_list("id", flat=True))
    assert merges
    assert all(merge in page.text for merge in merges)


def test_conversation_pages_show_the_timeline(staff: Client) -> None:
    _, conversation = _stored()
    listing = staff.get("/admin/omnicx/conversation/")
    assert listing.status_code == 200
    assert conversation in listing.text
    page = staff.get(f"/admin/omnicx/conversation/{conversation}/change/")
    assert page.status_code == 200
    assert "inbound: Hello, this is Ada Lovelace about my order" in page.text
    assert staff.get("/admin/omnicx/audit/").status_code == 200


def test_the_pages_change_nothing(staff: Client) -> None:
    customer, conversation = _stored()
    before = _rows()
    for url in (
        f"/admin/omnicx/profile/{customer}/",
        f"/admin/omnicx/conversation/{conversation}/",
    ):
        assert staff.post(url + "change/", {"id": "x", "version": "9"}).status_code == 403
        assert staff.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert staff.get("/admin/omnicx/profile/add/").status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [customer]}
    assert staff.post("/admin/omnicx/profile/", bulk).status_code in (200, 302)
    page = staff.get(f"/admin/omnicx/conversation/{conversation}/change/")
    assert 'type="submit"' not in page.text.split('id="content-main"')[1]
    assert _rows() == before

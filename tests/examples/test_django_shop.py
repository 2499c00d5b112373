"""examples/django_shop: the webhooks, the inbox, the customer page and the reply form work.

The pages are served by the shop's own URLs and templates through Django's
test client, on the shop's own store (``DjangoStore``, in the test database)
and a fixed clock. The browser
check runs the README's command (``manage.py runserver``, which migrates
and loads the sample on a new database) as a real server on 127.0.0.1 and
opens the inbox and a customer page in headless Chromium (Debian's
``chromium``), saving a screenshot of each in ``OMNICX_ARTIFACTS`` (default:
the test's temporary directory). Without chromium it skips, or fails under
``OMNICX_REQUIRE_CHROMIUM=1`` (as ``.ci/run`` sets).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import omnicx_host as host
import pytest
from django.core.management import call_command
from django.test import Client
from tests import chromium as browser

SHOP = host.ROOT / "examples" / "django_shop"
sys.path.insert(0, str(SHOP))

from shop import settings as shop_settings  # noqa: E402
from shop import support  # noqa: E402

from omnicx.contrib.django.desk import get_desk  # noqa: E402
from omnicx.privacy import erase_customer  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)  # the outbox sends on commit


@pytest.fixture(autouse=True)
def shop(settings: Any, tmp_path: Path) -> None:
    """The shop's URLs, app and OMNICX, on this test's directory and the fixed clock."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "shop"]
    settings.ROOT_URLCONF = "shop.urls"
    settings.DATA_DIR = tmp_path
    host.omnicx_setting(tmp_path)  # a fresh clock at host.NOW
    settings.OMNICX = {**shop_settings.OMNICX, "CLOCK": "omnicx_host.clock"}
    support.SENT.clear()


def load_sample() -> list[str]:
    """Run ``manage.py shop_sample``; the status line of each delivery."""
    out = io.StringIO()
    call_command("shop_sample", stdout=out)
    return out.getvalue().splitlines()


def test_the_sample_webhooks_are_taken() -> None:
    """The Shopify order, the WhatsApp message and both emails are accepted."""
    assert load_sample() == ["shopify: 200", "email: 200", "whatsapp: 200", "email: 200"]
    assert load_sample() == ["shopify: 200", "email: 200", "whatsapp: 200", "email: 200"]
    assert len(get_desk().inbox().records) == 2  # redelivered: nothing new


def test_the_inbox_lists_conversations_by_queue(client: Client) -> None:
    """Each open conversation under its queue, with a badge per queue."""
    load_sample()
    page = client.get("/").content.decode()
    assert re.findall(r'<h2 class="queue">([^<]+)</h2>', page) == ["general", "vip-care"]
    assert "vip-care 1" in page
    assert "general 1" in page
    assert client.get("/?queue=general").content.decode().count('class="conversation"') == 1


def test_an_empty_inbox_says_how_to_fill_it(client: Client) -> None:
    """No conversation yet: the page names the sample command."""
    assert "manage.py shop_sample" in client.get("/").content.decode()


def test_the_customer_page_shows_the_unified_timeline_and_trace(client: Client) -> None:
    """Order, email and WhatsApp in one timeline, and why each message routed as it did."""
    load_sample()
    (record,) = [r for r in get_desk().inbox().records if r.conversation.queue == "vip-care"]
    page = client.get(f"/customers/{record.conversation.customer_id}/").content.decode()
    assert "Maya Chen" in page
    kinds = re.findall(r'<tr class="event ([a-z.]+)">', page)
    assert kinds[0] == "order"
    assert kinds.count("message") == 2
    assert "Where is my parcel?" in page
    assert "I was charged twice" in page
    assert "+ high-value: matched" in page  # the email's trace
    assert "+ refund: matched" in page  # the WhatsApp message's trace
    assert client.get("/customers/nobody/").status_code == 404


def test_the_reply_form_records_the_reply_and_sends_it(client: Client) -> None:
    """A reply lands on the timeline and its outbox item reaches the shop's sender once."""
    load_sample()
    (record,) = [r for r in get_desk().inbox().records if r.conversation.queue == "general"]
    customer_id = record.conversation.customer_id
    response = client.post(f"/conversations/{record.id}/reply/",
                           {"text": "Yes, 3-5 days to Austria.", "seen_version": record.version})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer_id}/"
    assert "Yes, 3-5 days to Austria." in client.get(response["Location"]).content.decode()
    (sent,) = support.SENT
    assert (sent["kind"], sent["channel"], sent["to"]) == (
        "agent_reply", "email", "lena.vogel@example.at"
    )  # fmt: skip
    empty = client.post(f"/conversations/{record.id}/reply/", {"text": " "})
    assert empty["Location"] == f"/customers/{customer_id}/?error=empty"
    assert client.post("/conversations/nope/reply/", {"text": "x"}).status_code == 404
    # Once the customer is erased, the desk refuses replies: the page says why.
    desk = get_desk()
    erase_customer(desk.store, customer_id, now=host.NOW, actor="dpo", reason="request")
    refused = client.post(f"/conversations/{record.id}/reply/", {"text": "Hello?"})
    assert refused.status_code == 409
    assert "was erased" in refused.content.decode()


def test_the_shops_webhook_urls_take_signed_requests(client: Client) -> None:
    """The WhatsApp handshake and a signed message, with the shop's demo secrets."""
    from shop.management.commands.shop_sample import whatsapp

    query = {"hub.mode": "subscribe", "hub.challenge": "7",
             "hub.verify_token": shop_settings.DEMO_SECRETS["SHOP_WHATSAPP_VERIFY_TOKEN"]}  # fmt: skip
    assert client.get("/webhooks/whatsapp/", query).content == b"7"
    body, headers = whatsapp(host.NOW, "Hello", "wamid.t1")
    response = client.post("/webhooks/whatsapp/", body, content_type="application/json",
                           headers=headers)  # fmt: skip
    assert response.status_code == 200


def _shop_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SHOP_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(host.ROOT / "src"), env.get("PYTHONPATH", "")])
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def test_the_shop_passes_djangos_system_checks(tmp_path: Path) -> None:
    """``manage.py check`` with the shop's own settings: omnicx's checks included, no issue."""
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=SHOP, env=_shop_env(tmp_path),
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.fixture
def live_shop(tmp_path: Path) -> Iterator[str]:
    """``manage.py runserver`` on a free port of 127.0.0.1; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=SHOP, env=_shop_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        # runserver says when it listens: read until then, no polling.
        seen = []
        for line in server.stdout:
            seen.append(line)
            if "Starting development server" in line:
                break
        else:
            pytest.fail("the shop's server ended:\n" + "".join(seen))
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_inbox_and_customer_pages_in_headless_chromium(live_shop: str, tmp_path: Path) -> None:
    """The README's runserver serves the sample; Chromium renders both pages; screenshots kept."""
    chromium = browser.chromium()
    artifacts = browser.artifacts(tmp_path)
    inbox = browser.browse(chromium, "--dump-dom", f"{live_shop}/")
    assert re.findall(r'<h2 class="queue">([^<]+)</h2>', inbox) == ["general", "vip-care"]
    customer = re.findall(r'href="(/customers/[^"]+/)"', inbox)[-1]
    page = browser.browse(chromium, "--dump-dom", f"{live_shop}{customer}")
    assert "Maya Chen" in page
    assert page.count('<pre class="trace">') == 2
    assert '<form method="post"' in page
    for name, url in (("inbox", "/"), ("customer", customer)):
        shot = artifacts / f"django_shop_{name}.png"
        browser.browse(chromium, f"--screenshot={shot}", f"{live_shop}{url}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

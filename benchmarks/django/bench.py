"""Webhooks through omnicx's Django view against the same desk calls without Django.

N signed WhatsApp webhooks (one message each, from N/10 customers) are
posted to ``omnicx.contrib.django``'s view through Django's WSGI handler
(the test client: request parsing, middleware, the view, the JSON answer),
and, as the named peer, the same bodies go through what the view does
without Django: ``WhatsAppAdapter.verify``, ``parse``, ``Desk.receive``. Each
runs in its own child process on a fresh SQLite store; both must end with
the same conversations and messages. Printed: webhooks per second, peak
RSS, and the ratio of the view's time to the peer's (the cost of Django
and the view around the same desk work).

    benchmarks/run django            # 5,000 webhooks
    benchmarks/run django --quick    # 1,000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
SECRET = "bench-secret"
PHONE_NUMBER_ID = "106540352242922"


def bodies(n: int) -> list[tuple[bytes, dict[str, str]]]:
    """N signed WhatsApp Cloud API messages, ten per customer, ten seconds apart."""
    from omnicx.channels import sign_hub_sha256

    found = []
    for i in range(n):
        at = START + timedelta(seconds=10 * i)
        wa_id = f"4479111{i % max(1, n // 10):05d}"
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": f"wamid.{i}", "timestamp": str(int(at.timestamp())),
                          "type": "text", "text": {"body": f"Where is my order {i}?"}}],
        }  # fmt: skip
        body = json.dumps({"object": "whatsapp_business_account",
                           "entry": [{"id": "1", "changes": [{"field": "messages",
                                                              "value": value}]}]}).encode()  # fmt: skip
        found.append((body, {"X-Hub-Signature-256": sign_hub_sha256(SECRET, body)}))
    return found


CLOCK: Any = None


def now(n: int) -> datetime:
    """The desk's clock: a minute after the last message (inside one continuity window)."""
    return START + timedelta(seconds=10 * n + 60)


def clock() -> Any:
    """The benchmark's clock (the CLOCK factory)."""
    return CLOCK


STORE_PATH: list[str] = []


def store() -> Any:
    """A connection to the run's SQLite file (the STORE factory)."""
    from omnicx.storage import SqliteStore

    return SqliteStore(STORE_PATH[0])


def run_view(n: int, path: str) -> dict[str, Any]:
    """Post every body to the Django view; the figures and what was stored."""
    global CLOCK
    import django
    from django.conf import settings

    from omnicx.clock import FixedClock

    CLOCK = FixedClock(now(n))
    STORE_PATH.append(path)
    settings.configure(
        SECRET_KEY="bench", ALLOWED_HOSTS=["*"], USE_TZ=True, ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "omnicx.contrib.django"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MIDDLEWARE=["django.middleware.common.CommonMiddleware",
                    "django.middleware.csrf.CsrfViewMiddleware"],
        OMNICX={"STORE": f"{__name__}.store", "CLOCK": f"{__name__}.clock",
                "CHANNELS": {"whatsapp": {"phone_number_id": PHONE_NUMBER_ID,
                                          "app_secret": SECRET}}},
    )  # fmt: skip
    django.setup()
    from django.test import Client
    from django.urls import include
    from django.urls import path as route

    globals()["urlpatterns"] = [route("webhooks/", include("omnicx.contrib.django.urls"))]

    client = Client()
    work = bodies(n)
    began = time.perf_counter()
    for body, headers in work:
        response = client.post("/webhooks/whatsapp/", body, content_type="application/json",
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content
    return _figures(time.perf_counter() - began, path)


def run_peer(n: int, path: str) -> dict[str, Any]:
    """The same bodies through the adapter and the desk, no Django."""
    from omnicx.channels import MessageReceived, WebhookRequest, WhatsAppAdapter
    from omnicx.clock import FixedClock
    from omnicx.desk import Desk
    from omnicx.storage import SqliteStore

    adapter = WhatsAppAdapter(phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)
    desk = Desk(store=SqliteStore(path), clock=FixedClock(now(n)))
    work = bodies(n)
    url = "https://shop.example/webhooks/whatsapp/"
    began = time.perf_counter()
    for body, headers in work:
        request = WebhookRequest(body=body, headers=headers, url=url, received_at=desk.clock.now())
        adapter.verify(request, now=request.received_at)
        for event in adapter.parse(request):
            if isinstance(event, MessageReceived):
                json.dumps({"key": desk.receive(event).key})
    return _figures(time.perf_counter() - began, path)


def _figures(seconds: float, path: str) -> dict[str, Any]:
    import sqlite3

    db = sqlite3.connect(path)
    stored = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
              for table in ("conversations", "events")}  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return {"seconds": seconds, "peak_mib": peak, "stored": stored}


def main() -> None:
    """Run both sides in child processes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 webhooks instead of 5,000")
    parser.add_argument("--child", choices=("view", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runner = run_view if args.child == "view" else run_peer
        print(json.dumps(runner(args.n, args.path)))
        return
    n = 1_000 if args.quick else 5_000
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for side in ("view", "peer"):
            path = str(Path(scratch) / f"{side}.sqlite3")
            out = subprocess.run([sys.executable, __file__, "--child", side, "--n", str(n),
                                  "--path", path], capture_output=True, text=True, check=True)  # fmt: skip
            results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    view, peer = results["view"], results["peer"]
    if view["stored"] != peer["stored"]:
        sys.exit(f"the two sides stored different data: {view['stored']} vs {peer['stored']}")
    print(f"{n:,} WhatsApp webhooks, SQLite store; stored {view['stored']}")
    for side, label in (("view", "Django view (test client, WSGI handler)"),
                        ("peer", "peer: adapter + Desk.receive, no Django")):  # fmt: skip
        r = results[side]
        print(f"  {label:42s} {n / r['seconds']:8,.0f}/s  peak RSS {r['peak_mib']} MiB")
    print(f"  ratio view/peer time: {view['seconds'] / peer['seconds']:.2f}")


if __name__ == "__main__":
    main()

"""The webhook views in several worker processes on one database, as gunicorn runs them.

Forked workers (gunicorn's model) each load the settings and build a desk
of their own (``get_desk`` is keyed by process id), then take the same
webhooks at once, each in its own order: every message is recorded once.
"""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path
from typing import Any

import omnicx_host as host
import pytest
from django.test import Client

from omnicx.contrib.django.desk import get_desk

WORKERS = 4
MESSAGES = 6


@pytest.fixture(autouse=True)
def omnicx(settings: Any, tmp_path: Path) -> None:
    """OMNICX on this test's database, and the webhook URLs."""
    settings.ROOT_URLCONF = "omnicx_host"
    # Forked workers share a file: the store is a SQLite file of the test's own
    # (the test database is in memory); DjangoStore's processes are tested in
    # test_store_processes.py and tests/storage/test_processes.py.
    settings.OMNICX = host.omnicx_setting(tmp_path, STORE="omnicx_host.sqlite_store")


def _deliveries() -> list[tuple[bytes, dict[str, str]]]:
    # Six customers, one message each; every worker gets all six (redeliveries).
    return [
        host.whatsapp(f"message {n}", wamid=f"wamid.p{n}", wa_id=f"4479111234{n:02d}")
        for n in range(MESSAGES)
    ]


def _worker(n: int, start: Any, results: Any) -> None:
    try:
        deliveries = _deliveries()
        random.Random(n).shuffle(deliveries)
        client = Client()
        start.wait(timeout=30)
        statuses = []
        for body, headers in deliveries:
            response = client.post("/webhooks/whatsapp/", body, content_type="application/json",
                                   headers=headers)  # fmt: skip
            statuses.append(response.status_code)
        results.put((n, statuses))
    except BaseException as error:  # reported to the test
        results.put((n, f"{type(error).__name__}: {error}"))


def test_forked_workers_record_each_webhook_once() -> None:
    """Four processes, the same six webhooks each: all 200, six conversations, one message each."""
    get_desk()  # the parent's desk exists before the fork, as with gunicorn --preload
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(n, start, results)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == dict.fromkeys(range(WORKERS), [200] * MESSAGES)
    records = get_desk().inbox().records
    assert len(records) == MESSAGES
    for record in records:
        messages = [e for e in get_desk().timeline(record.conversation.customer_id)
                    if e.TAG == "message"]  # fmt: skip
        assert len(messages) == 1

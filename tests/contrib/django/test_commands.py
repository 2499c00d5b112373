"""The omnicx_* management commands, run with call_command on a desk with real data."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import omnicx_host as host
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from omnicx.contrib.django.desk import get_desk
from omnicx.privacy import load_export

CASES = host.ROOT / "examples" / "rules" / "support.cases.yaml"


# Transactions commit as in production: the outbox hands items over on commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def omnicx(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """OMNICX on this test's database, and the webhook URLs."""
    settings.ROOT_URLCONF = "omnicx_host"
    settings.OMNICX = host.omnicx_setting(tmp_path)
    return settings.OMNICX  # type: ignore[no-any-return]


def run(*args: Any) -> str:
    """Run a command; its standard output."""
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def customer(client: Client) -> str:
    """A customer who wrote on WhatsApp and ordered on Shopify; their id."""
    body, headers = host.whatsapp("Where is my order?")
    post = client.post("/webhooks/whatsapp/", body, content_type="application/json",
                       headers=headers)  # fmt: skip
    return str(post.json()["receipts"][0]["customer_id"])


def test_timeline_prints_every_event(client: Client) -> None:
    """One line per event, oldest first; --json gives the stored form."""
    customer_id = customer(client)
    lines = run("omnicx_timeline", customer_id).splitlines()
    assert any("<- whatsapp customer: Where is my order?" in line for line in lines)
    events = [
        json.loads(line) for line in run("omnicx_timeline", customer_id, "--json").splitlines()
    ]
    assert len(events) == len(lines)
    assert events[0]["at"] == "2026-03-02T10:00:00Z"


def test_timeline_of_an_unknown_customer_is_a_command_error() -> None:
    """The desk's NotFoundError becomes a CommandError with its message."""
    with pytest.raises(CommandError, match="nobody"):
        run("omnicx_timeline", "nobody")


def test_tick_runs_due_work(settings: Any, client: Client) -> None:
    """SLA thresholds pass with no message: the tick records them and says how many."""
    settings.OMNICX = {**settings.OMNICX, "SLA": "omnicx.desk._demo.demo_sla",
                       "RULES": {"rules": [{"id": "all", "then": {"queue": "general"}}]}}  # fmt: skip
    customer(client)
    host.clock().set(host.NOW + timedelta(days=2))
    out = run("omnicx_tick")
    assert out.startswith("tick at 2026-03-04T10:00:00+00:00: 1 conversation(s) changed")
    assert run("omnicx_tick").endswith("0 conversation(s) changed, 0 event(s), 0 skipped\n")


def test_rules_test_runs_the_case_file() -> None:
    """The shipped case file passes against the shipped rules."""
    out = run("omnicx_rules_test", str(CASES))
    assert out.rstrip().endswith("passed, 0 failed")
    assert out.startswith("PASS ")


def test_rules_test_fails_on_a_failing_case(tmp_path: Path) -> None:
    """A failing case prints FAIL with the trace and ends in a CommandError."""
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n  - name: wrong\n    input: {channel: chat, text: hello}\n"
                     "    expect: {queue: nowhere}\n")  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 rule case"):
        call_command("omnicx_rules_test", str(cases), stdout=out)
    assert "FAIL wrong" in out.getvalue()
    assert "trace:" in out.getvalue()
    with pytest.raises(CommandError, match="can't read the file"):
        run("omnicx_rules_test", str(tmp_path / "missing.yaml"))


def test_rules_test_without_rules(settings: Any) -> None:
    """No RULES configured: a CommandError saying so."""
    settings.OMNICX = {k: v for k, v in settings.OMNICX.items() if k != "RULES"}
    with pytest.raises(CommandError, match="OMNICX\\['RULES'\\] is not set"):
        run("omnicx_rules_test", str(CASES))


def test_export_then_erase(client: Client, tmp_path: Path) -> None:
    """Export writes the versioned document; erase removes the identifiers; both audited."""
    customer_id = customer(client)
    document = json.loads(run("omnicx_export", customer_id, "--actor", "dpo", "--reason", "DSAR"))
    export = load_export(document)
    assert export.customer.id == customer_id
    target = tmp_path / "export.json"
    assert run("omnicx_export", customer_id, "--actor", "dpo", "--reason", "DSAR",
               "-o", str(target)).strip() == f"wrote {target}"  # fmt: skip
    assert load_export(json.loads(target.read_text())).customer.id == customer_id
    out = run("omnicx_erase", customer_id, "--actor", "dpo", "--reason", "erasure request")
    assert out.startswith(f"erased {customer_id}: 1 identifier(s)")
    assert get_desk().customer(customer_id).identifiers == ()
    with pytest.raises(CommandError, match="nobody"):
        run("omnicx_erase", "nobody", "--actor", "dpo", "--reason", "x")
    with pytest.raises(CommandError, match="can't write"):
        run("omnicx_export", customer_id, "--actor", "dpo", "--reason", "x",
            "-o", str(tmp_path / "no" / "dir.json"))  # fmt: skip
    with pytest.raises(CommandError, match="nobody"):
        run("omnicx_export", "nobody", "--actor", "dpo", "--reason", "x")

"""examples/custom_adapter.py runs, and its adapter passes the public contract suite."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from omnicx.channels import ChannelAdapter, OutboundMessage, RenderRefused, WebhookRequest
from omnicx.testing import AdapterContract

PATH = Path(__file__).resolve().parents[2] / "examples" / "custom_adapter.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("custom_adapter_example", PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # attrs resolves the class's module through sys.modules
    spec.loader.exec_module(module)
    return module


EXAMPLE = _load()


class TestCustomAdapterContract(AdapterContract):
    secrets = ("s3cret",)
    signs_body = False  # a shared secret token, as Telegram sends: it does not cover the body

    def make_adapter(self) -> ChannelAdapter:
        adapter: ChannelAdapter = EXAMPLE.TelegramAdapter(
            api_url="https://api.example/bot1", secret_token="s3cret"
        )
        return adapter

    def samples(self) -> Sequence[WebhookRequest]:
        return [
            WebhookRequest(
                body=EXAMPLE.SAMPLE,
                headers={EXAMPLE.SECRET_HEADER: "s3cret"},
                received_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
            )
        ]

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(to="123456", now=datetime(2026, 3, 2, tzinfo=UTC), text="Hi")


def test_example_main_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The example's main() parses the sample and renders a reply."""
    EXAMPLE.main()
    out = capsys.readouterr().out
    assert "Ada wrote 'Hello'" in out
    assert "POST https://api.telegram.example/bot1/sendMessage" in out


def test_example_refuses_empty_reply() -> None:
    """The example refuses an empty reply with RenderRefused."""
    adapter = EXAMPLE.TelegramAdapter(api_url="u", secret_token="t")
    with pytest.raises(RenderRefused):
        adapter.render(OutboundMessage(to="1", now=datetime(2026, 3, 2, tzinfo=UTC)))

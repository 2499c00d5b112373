"""examples/voice_webhook.py answers Twilio as its docstring says, on SQLite, with no server."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from omnicx.channels import TwilioVoiceAdapter, sign_twilio
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import SqliteStore
from omnicx.testing import call_status, incoming_call

PATH = Path(__file__).resolve().parents[2] / "examples" / "voice_webhook.py"
TOKEN = "voice-token"
URL = "https://support.example.com/twilio/voice"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("voice_webhook_example", PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


EXAMPLE = _load()
RULES = RuleEngine.compile(load_rules({"rules": [
    {"id": "callbacks", "when": {"field": "call.missed", "op": "eq", "value": True},
     "then": {"queue": "callbacks"}},
]}))  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    with SqliteStore(tmp_path / "desk.db") as store:
        yield Desk(store=store, clock=FixedClock(T0), rules=RULES)


def post(app: Callable[..., Any], fields: list[tuple[str, str]], *, token: str = TOKEN,
         method: str = "POST") -> tuple[str, str, bytes]:  # fmt: skip
    body = urlencode(fields).encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_TWILIO_SIGNATURE": sign_twilio(token, URL, fields),
    }
    setup_testing_defaults(env)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    data = b"".join(app(env, lambda status, headers: started.append((status, headers))))
    ((status, headers),) = started
    return status, dict(headers)["Content-Type"], data


def app_for(desk: Desk, agents: str | None = "+14155550123") -> Callable[..., Any]:
    adapter = TwilioVoiceAdapter(account_sid="AC1", auth_token=TOKEN)
    return EXAMPLE.make_app(desk, adapter, agents=agents, url=URL)  # type: ignore[no-any-return]


def test_incoming_call_rings_the_agents(desk: Desk) -> None:
    """The number's voice webhook gets TwiML dialling the agents, recording from the answer."""
    status, kind, body = post(app_for(desk), incoming_call())
    assert (status, kind) == ("200 OK", "text/xml")
    assert body == (b'<Response><Dial timeout="20" record="record-from-answer">'
                    b"<Number>+14155550123</Number></Dial></Response>")  # fmt: skip


def test_without_agents_it_takes_a_voicemail(desk: Desk) -> None:
    _, _, body = post(app_for(desk, agents=None), incoming_call())
    assert b'<Record maxLength="120" transcribe="true"/>' in body


def test_missed_call_makes_a_callback_task(desk: Desk) -> None:
    """A no-answer status callback: empty TwiML, and a callback task in the callbacks queue."""
    app = app_for(desk)
    post(app, incoming_call())
    status, kind, body = post(app, call_status("no-answer", at=T0 + timedelta(seconds=20),
                                               duration=0))  # fmt: skip
    assert (status, kind, body) == ("200 OK", "text/xml", b"<Response></Response>")
    (task,) = desk.inbox().records
    assert (task.conversation.queue, task.conversation.channel.name) == ("callbacks", "voice")


def test_forged_and_other_methods(desk: Desk) -> None:
    app = app_for(desk)
    status, kind, body = post(app, incoming_call(), token="guess")
    assert (status, kind) == ("401 Unauthorized", "application/json")
    assert json.loads(body) == {"error": "X-Twilio-Signature: signature does not match the request"}
    assert post(app, incoming_call(), method="GET")[0] == "405 Method Not Allowed"


def test_an_sms_on_the_voice_url_is_acknowledged(desk: Desk) -> None:
    """Authentic but not a call: 200 with empty TwiML, so Twilio stops retrying."""
    fields = [("MessageSid", "SM1"), ("From", "+14155550100"), ("Body", "hi")]
    assert post(app_for(desk), fields)[:2] == ("200 OK", "text/xml")

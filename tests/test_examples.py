"""The examples import cleanly, and the WSGI webhook answers as its docstring says.

Every ``examples/*.py`` is loaded as a module (never as ``__main__``, so no
server starts). The WSGI app is called with constructed environs: no socket,
no server. ``custom_adapter.py``'s behaviour is tested in
tests/channels/test_custom_adapter_example.py.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults

import attrs
import pytest

from omnicx.channels import MessageReceived, WebChatAdapter, sign_webchat
from omnicx.clock import FixedClock
from omnicx.desk import Desk, Receipt
from omnicx.errors import ConflictError
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import SqliteStore

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SECRET = "widget-secret"
MESSAGE = (
    b'{"type": "message", "id": "m-1", "session_id": "s-1", "sent_at": "2026-03-02T10:00:00Z",'
    b' "visitor": {"id": "v-9", "name": "Ada", "email": "ada@example.com"},'
    b' "text": "Where is my parcel?"}'
)
READ = (
    b'{"type": "read", "session_id": "s-1", "message_ids": ["out-1"], "at": "2026-03-02T10:01:00Z"}'
)


def load(path: Path) -> ModuleType:
    """Import an example file as a module named ``example_<stem>`` (not ``__main__``)."""
    name = f"example_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # attrs resolves an example's classes through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_every_example_imports(path: Path) -> None:
    """Each example loads without side effects and explains itself in its docstring."""
    module = load(path)
    assert module.__doc__
    assert module.__name__ != "__main__"


WSGI = load(EXAMPLES / "wsgi_webhook.py")


@attrs.frozen
class Response:
    """What the app answered."""

    status: str
    headers: dict[str, str]
    json: Any


def call(app: Callable[..., Any], body: bytes, *, method: str = "POST", **environ: str) -> Response:
    """Call a WSGI app with a constructed environ and collect its answer."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/webhooks/chat",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **environ,
    }
    setup_testing_defaults(env)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    chunks = app(env, lambda status, headers: started.append((status, headers)))
    data = b"".join(chunks)
    (status, headers), = started  # fmt: skip
    found = dict(headers)
    assert found["Content-Type"] == "application/json"
    assert found["Content-Length"] == str(len(data))
    return Response(status=status, headers=found, json=json.loads(data))


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """The environ entry carrying the web-chat signature of ``body``."""
    return {"HTTP_X_OMNICX_SIGNATURE": sign_webchat(secret, body)}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where the example's SQLite database lives."""
    return tmp_path / "desk.db"


@pytest.fixture
def app(db: Path) -> Iterator[Callable[..., Any]]:
    """The example app on a fresh SQLite file, with the example rules and a fixed clock."""
    with SqliteStore(db) as store:
        desk = Desk(
            store=store,
            clock=FixedClock(datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)),
            rules=RuleEngine.compile(load_rules(WSGI.RULES)),
        )
        yield WSGI.make_app(desk, WebChatAdapter(secret=SECRET))


def dump(db: Path) -> str:
    """The whole database as SQL text."""
    with sqlite3.connect(db) as connection:
        return "\n".join(connection.iterdump())


def test_message_is_received_and_answered_with_the_receipt(app: Callable[..., Any]) -> None:
    """A signed message goes through the desk; the answer is its receipt, routed by the rules."""
    response = call(app, MESSAGE, **signed(MESSAGE))
    assert response.status == "200 OK"
    receipt = response.json
    assert receipt["key"] == "in:chat:m-1"
    assert receipt["replayed"] is False
    assert receipt["status"] == "new"
    assert receipt["queue"] == "logistics"
    assert receipt["fired"] == ["where-is-my-order"]
    (outgoing,) = receipt["outbox"]
    assert (outgoing["kind"], outgoing["template"], outgoing["to"]) == (
        "auto_reply",
        "tracking-link",
        "v-9",
    )


def test_redelivery_replays_the_receipt_and_changes_nothing(
    app: Callable[..., Any], db: Path
) -> None:
    """The same webhook twice: the first receipt again, replayed, and the database unchanged."""
    first = call(app, MESSAGE, **signed(MESSAGE)).json
    before = dump(db)
    again = call(app, MESSAGE, **signed(MESSAGE))
    assert again.status == "200 OK"
    assert again.json == {**first, "replayed": True}
    assert dump(db) == before


def test_bad_signature_is_401_and_stores_nothing(app: Callable[..., Any], db: Path) -> None:
    """A wrong or missing signature is refused before parsing; nothing is written."""
    before = dump(db)
    wrong = call(app, MESSAGE, **signed(MESSAGE, secret="guess"))
    missing = call(app, MESSAGE)
    assert (wrong.status, missing.status) == ("401 Unauthorized", "401 Unauthorized")
    assert wrong.json == {"error": "X-Omnicx-Signature: signature does not match the request"}
    assert missing.json == {"error": "X-Omnicx-Signature: missing signature header"}
    assert dump(db) == before


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "body is not UTF-8 JSON"),
        (b'{"type": "message"}', "id: required field is missing"),
    ],
)
def test_bad_payload_is_400(app: Callable[..., Any], body: bytes, error: str) -> None:
    """A signed body that is not a web-chat event is a 400 naming the problem."""
    response = call(app, body, **signed(body))
    assert response.status == "400 Bad Request"
    assert response.json == {"error": error}


def test_an_authentic_unknown_event_is_200_so_the_widget_stops_retrying(
    app: Callable[..., Any],
) -> None:
    """A signed event of a kind the adapter does not take: 200, ignored, nothing written."""
    body = b'{"type": "typing"}'
    response = call(app, body, **signed(body))
    assert (response.status, response.json) == (
        "200 OK",
        {"ignored": "type: unknown web-chat event type"},
    )


def test_read_receipts_are_acknowledged_and_ignored(app: Callable[..., Any]) -> None:
    """Events the desk does not take (a read receipt) get 200 and are named as ignored."""
    response = call(app, READ, **signed(READ))
    assert (response.status, response.json) == ("200 OK", {"ignored": ["delivery.updated"]})


def test_other_methods_and_bad_lengths(app: Callable[..., Any]) -> None:
    """GET is 405; a non-numeric Content-Length is 400; an oversized body is 413."""
    assert call(app, b"", method="GET").status == "405 Method Not Allowed"
    assert call(app, MESSAGE, CONTENT_LENGTH="many").json == {"error": "bad Content-Length"}
    huge = call(app, MESSAGE, CONTENT_LENGTH=str(WSGI.MAX_BODY + 1))
    assert (huge.status, huge.json) == ("413 Content Too Large", {"error": "body too large"})


def test_lost_race_is_409(db: Path) -> None:
    """A ConflictError from the desk becomes 409, so the widget retries."""

    class Busy(Desk):
        def receive(self, event: MessageReceived) -> Receipt:
            raise ConflictError("conversation 'c1' changed since it was read")

    with SqliteStore(db) as store:
        app = WSGI.make_app(Busy(store=store, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC))),
                            WebChatAdapter(secret=SECRET))  # fmt: skip
        response = call(app, MESSAGE, **signed(MESSAGE))
    assert (response.status, response.json) == (
        "409 Conflict",
        {"error": "conversation 'c1' changed since it was read"},
    )


def test_default_app_reads_its_database_and_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    """``default_app`` wires SQLite at OMNICX_DB with WEBCHAT_SECRET and the example rules."""
    monkeypatch.setenv("OMNICX_DB", str(db))
    monkeypatch.setenv("WEBCHAT_SECRET", SECRET)
    made: list[Desk] = []
    original = WSGI.default_desk

    def tracked() -> Desk:
        made.append(original())
        return made[-1]

    monkeypatch.setattr(WSGI, "default_desk", tracked)
    try:
        response = call(WSGI.default_app(), MESSAGE, **signed(MESSAGE))
    finally:
        for desk in made:
            assert isinstance(desk.store, SqliteStore)
            desk.store.close()
    assert response.status == "200 OK"
    assert response.json["queue"] == "logistics"
    assert "in:chat:m-1" in dump(db)

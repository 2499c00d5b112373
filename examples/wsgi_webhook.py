"""A web-chat webhook endpoint in plain WSGI, with the desk on SQLite.

The widget's backend POSTs each event, signed with ``X-Omnicx-Signature``
(see ``omnicx.channels.WebChatAdapter``). The endpoint verifies the
signature over the raw body, parses the event, and takes a customer's
message through ``Desk.receive``; it answers:

- 200 with the receipt as JSON (customer, conversation, routing, outbox);
  a redelivered webhook gets the first receipt again, with ``replayed: true``;
- 200 with ``{"ignored": [...]}`` for events the desk does not take (read receipts);
- 401 when the signature is missing or wrong;
- 400 when the body is not a web-chat event;
- 409 when another request changed the same conversation at the same
  moment (the widget retries, and the retry is idempotent);
- 405 for anything but POST.

Standard library only. Run it with ``python examples/wsgi_webhook.py`` (it
serves http://127.0.0.1:8000/ with wsgiref; the database is
``OMNICX_DB``, default ``omnicx-desk.db``, and the signing key
``WEBCHAT_SECRET``), or point any WSGI server at ``default_app()``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from wsgiref.util import request_uri

from omnicx import serde
from omnicx.channels import MessageReceived, WebChatAdapter, WebhookRequest
from omnicx.clock import SystemClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, PayloadError, SignatureError
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import SqliteStore

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

RULES = Path(__file__).resolve().parent / "rules" / "support.yaml"
MAX_BODY = 1_000_000  # a chat message is small; refuse anything that is not

_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    413: "413 Content Too Large",
}


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers under their HTTP names (``HTTP_X_OMNICX_SIGNATURE`` -> ``X-Omnicx-Signature``)."""
    headers = {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = str(environ["CONTENT_TYPE"])
    return headers


def _respond(start_response: StartResponse, code: int, payload: object) -> list[bytes]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    start_response(
        _STATUS[code],
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def make_app(desk: Desk, adapter: WebChatAdapter) -> WsgiApp:
    """The WSGI application: verify, parse, receive, answer with JSON."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, 405, {"error": "POST only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _respond(start_response, 400, {"error": "bad Content-Length"})
        if length > MAX_BODY:
            return _respond(start_response, 413, {"error": "body too large"})
        request = WebhookRequest(
            body=environ["wsgi.input"].read(length),
            headers=request_headers(environ),
            url=request_uri(environ),
            received_at=desk.clock.now(),  # the host's clock, never a header
        )
        try:
            # The signature covers the raw bytes: verify before parsing anything.
            adapter.verify(request, now=request.received_at)
        except SignatureError as error:
            return _respond(start_response, 401, {"error": str(error)})
        try:
            events = adapter.parse(request)
        except PayloadError as error:
            return _respond(start_response, 400, {"error": str(error)})
        messages = [e for e in events if isinstance(e, MessageReceived)]
        if not messages:
            return _respond(start_response, 200, {"ignored": [e.TAG for e in events]})
        try:
            receipt = desk.receive(messages[0])
        except ConflictError as error:
            return _respond(start_response, 409, {"error": str(error)})
        return _respond(start_response, 200, serde.to_dict(receipt))

    return app


def default_desk() -> Desk:
    """A desk on ``OMNICX_DB`` (SQLite) with the example routing rules and the wall clock."""
    store = SqliteStore(os.environ.get("OMNICX_DB", "omnicx-desk.db"))
    return Desk(store=store, clock=SystemClock(), rules=RuleEngine.compile(load_rules(RULES)))


def default_app() -> WsgiApp:
    """The app on ``default_desk()``, verifying with ``WEBCHAT_SECRET``."""
    return make_app(
        default_desk(), WebChatAdapter(secret=os.environ.get("WEBCHAT_SECRET", "change-me"))
    )


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    with make_server("127.0.0.1", 8000, default_app()) as server:
        print("web-chat webhook on http://127.0.0.1:8000/ (Ctrl-C to stop)")
        server.serve_forever()

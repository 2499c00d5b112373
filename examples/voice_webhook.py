"""A Twilio Voice webhook endpoint in plain WSGI, with the desk on SQLite.

Point the phone number's voice URL, its status callback (with the
``initiated ringing answered completed`` events), the recording status
callback and the transcribe callback at this one URL. Each POST is
verified with ``X-Twilio-Signature`` (``omnicx.channels.TwilioVoiceAdapter``,
the same scheme as Twilio Messaging), parsed into one call event and taken
by ``Desk.receive_call``: the caller's number finds the customer, the call
joins their open conversation, and a missed call (busy, no-answer, or the
caller hanging up first) becomes a callback task routed by the rules
(``call.missed``). It answers:

- the incoming call with TwiML that rings the agents (``AGENTS_NUMBER``)
  for 20 seconds, recording from the answer; without an agents' number it
  takes a voicemail and asks Twilio to transcribe it;
- every other callback with an empty ``<Response></Response>`` (200);
- 200 with an empty response for an authentic webhook the adapter does not
  take (an SMS posted to the voice URL), so Twilio stops retrying;
- 401 when the signature is missing or wrong, 400 for a body that is not a
  Twilio Voice webhook, 409 when another request changed the same
  conversation at the same moment (Twilio's retry is idempotent), 405 for
  anything but POST.

Twilio signs the URL it called: behind a proxy set ``VOICE_URL`` to the
public URL. Standard library only. Run it with ``python
examples/voice_webhook.py`` (http://127.0.0.1:8000/; the database is
``OMNICX_DB``, default ``omnicx-desk.db``; the auth token
``TWILIO_AUTH_TOKEN``), or point any WSGI server at ``default_app()``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from wsgiref.util import request_uri
from xml.sax.saxutils import quoteattr

from omnicx.channels import (
    IncomingCall,
    TwilioVoiceAdapter,
    WebhookOutcome,
    WebhookRequest,
    handle_webhook,
)
from omnicx.clock import SystemClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import SqliteStore

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

RULES = Path(__file__).resolve().parent / "rules" / "support.yaml"
MAX_BODY = 64_000  # Twilio's forms are a few hundred bytes
EMPTY = b"<Response></Response>"

_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    413: "413 Content Too Large",
}


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers under their HTTP names (``HTTP_X_TWILIO_SIGNATURE``)."""
    headers = {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = str(environ["CONTENT_TYPE"])
    return headers


def answer_call(agents: str | None) -> bytes:
    """TwiML for the incoming call: ring the agents, or take a transcribed voicemail."""
    if agents:
        number = agents.replace("&", "").replace("<", "")
        return (
            '<Response><Dial timeout="20" record="record-from-answer">'
            f"<Number>{number}</Number></Dial></Response>"
        ).encode()
    say = quoteattr("Sorry, nobody can take your call. Please leave a message.")
    return (
        f'<Response><Say>{say[1:-1]}</Say><Record maxLength="120" transcribe="true"/></Response>'
    ).encode()


def _respond(start_response: StartResponse, code: int, body: bytes, kind: str) -> list[bytes]:
    start_response(_STATUS[code], [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def _error(start_response: StartResponse, code: int, message: str) -> list[bytes]:
    body = json.dumps({"error": message}, separators=(",", ":")).encode()
    return _respond(start_response, code, body, "application/json")


def make_app(
    desk: Desk, adapter: TwilioVoiceAdapter, *, agents: str | None = None, url: str | None = None
) -> WsgiApp:
    """The WSGI application: verify, parse, take the call event, answer with TwiML."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _error(start_response, 405, "POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(start_response, 400, "bad Content-Length")
        if length > MAX_BODY:
            return _error(start_response, 413, "body too large")
        request = WebhookRequest(
            body=environ["wsgi.input"].read(length),
            headers=request_headers(environ),
            url=url or request_uri(environ),  # the URL Twilio called and signed
            received_at=desk.clock.now(),  # the host's clock, never a header
        )
        answer = handle_webhook(adapter, request, now=request.received_at)
        if answer.outcome is WebhookOutcome.IGNORED:
            return _respond(start_response, 200, EMPTY, "text/xml")
        if answer.outcome is not WebhookOutcome.ACCEPTED:
            return _error(start_response, answer.status, answer.error or "refused")
        (event,) = answer.events
        try:
            desk.receive_call(event)  # type: ignore[arg-type]
        except ConflictError as error:
            return _error(start_response, 409, str(error))
        body = answer_call(agents) if isinstance(event, IncomingCall) else EMPTY
        return _respond(start_response, 200, body, "text/xml")

    return app


def default_desk() -> Desk:
    """A desk on ``OMNICX_DB`` (SQLite) with the example routing rules and the wall clock."""
    store = SqliteStore(os.environ.get("OMNICX_DB", "omnicx-desk.db"))
    return Desk(store=store, clock=SystemClock(), rules=RuleEngine.compile(load_rules(RULES)))


def default_app() -> WsgiApp:
    """The app on ``default_desk()``, verifying with ``TWILIO_AUTH_TOKEN``."""
    adapter = TwilioVoiceAdapter(
        account_sid=os.environ.get("TWILIO_ACCOUNT_SID", ""),
        auth_token=os.environ.get("TWILIO_AUTH_TOKEN", "change-me"),
    )
    return make_app(default_desk(), adapter, agents=os.environ.get("AGENTS_NUMBER"),
                    url=os.environ.get("VOICE_URL"))  # fmt: skip


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    with make_server("127.0.0.1", 8000, default_app()) as server:
        print("voice webhook on http://127.0.0.1:8000/ (Ctrl-C to stop)")
        server.serve_forever()

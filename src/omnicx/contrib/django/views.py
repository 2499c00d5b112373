"""Ready webhook views for every shipped channel and commerce webhook.

Each view is CSRF-exempt (providers sign their requests; there is no
session to forge), verifies the signature over the raw body, runs the
events through ``get_desk()``, retries a lost race, and hands the outbox to
``outbox.dispatch`` once the database commits. ``webhooks.handle`` decides
the status. The ``async_*`` twins are the same views as coroutines for ASGI
servers: the desk call runs in Django's thread for sync code
(``sync_to_async``), so the ORM and the per-thread desk work as under WSGI.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from omnicx.channels import WebhookRequest
from omnicx.contrib.django.desk import get_desk, get_settings
from omnicx.contrib.django.outbox import dispatch
from omnicx.contrib.django.webhooks import Answer, handle

__all__ = [
    "VIEWS",
    "async_email",
    "async_meta",
    "async_shopify",
    "async_stripe",
    "async_twilio",
    "async_voice",
    "async_webchat",
    "async_webhook",
    "async_whatsapp",
    "email",
    "meta",
    "respond",
    "shopify",
    "stripe",
    "twilio",
    "voice",
    "webchat",
    "webhook",
    "whatsapp",
]

View = Callable[[HttpRequest], HttpResponse]
AsyncView = Callable[[HttpRequest], Awaitable[HttpResponse]]


def respond(answer: Answer) -> HttpResponse:
    """The Django response for a webhook answer."""
    if answer.text is not None:
        content = answer.text
    else:
        content = json.dumps(answer.data, separators=(",", ":"))
    response = HttpResponse(content, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _answer(name: str, request: HttpRequest) -> HttpResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return respond(Answer(status=413, data={"error": "body too large"}))
    desk = get_desk()
    incoming = WebhookRequest(
        method=request.method or "",
        body=body,
        headers=dict(request.headers),
        url=request.build_absolute_uri(),
        query={key: request.GET[key] for key in request.GET},
        # The host's clock, not a header: no client can move a message in time.
        received_at=desk.clock.now(),
    )
    answer = handle(name, incoming, desk, get_settings().channels)
    dispatch(answer.receipts)
    return respond(answer)


def webhook(name: str) -> View:
    """The CSRF-exempt view answering the ``name`` webhook (``webhooks.handle``)."""

    def view(request: HttpRequest) -> HttpResponse:
        return _answer(name, request)

    view.__name__ = view.__qualname__ = name
    view.__doc__ = f"The {name} webhook."
    return csrf_exempt(view)


def async_webhook(name: str) -> AsyncView:
    """The same view as a coroutine, for ASGI."""
    run = sync_to_async(_answer, thread_sensitive=True)

    async def view(request: HttpRequest) -> HttpResponse:
        return await run(name, request)

    view.__name__ = view.__qualname__ = f"async_{name}"
    view.__doc__ = f"The {name} webhook, for ASGI."
    return csrf_exempt(view)


VIEWS = ("twilio", "voice", "whatsapp", "meta", "email", "webchat", "shopify", "stripe")
"""Every webhook view's name; ``meta`` is Messenger's and Instagram's shared callback."""

twilio = webhook("twilio")
voice = webhook("voice")
whatsapp = webhook("whatsapp")
meta = webhook("meta")
email = webhook("email")
webchat = webhook("webchat")
shopify = webhook("shopify")
stripe = webhook("stripe")
async_twilio = async_webhook("twilio")
async_voice = async_webhook("voice")
async_whatsapp = async_webhook("whatsapp")
async_meta = async_webhook("meta")
async_email = async_webhook("email")
async_webchat = async_webhook("webchat")
async_shopify = async_webhook("shopify")
async_stripe = async_webhook("stripe")

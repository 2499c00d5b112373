"""The support pages: the inbox by queue, a customer's timeline with the explain trace, a reply."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omnicx.contrib.django.desk import get_desk
from omnicx.contrib.django.outbox import dispatch
from omnicx.desk import Desk
from omnicx.errors import NotFoundError, OmnicxError
from omnicx.model import Direction, MessageEvent, Status
from omnicx.routing import RoutingContext
from omnicx.storage import InboxFilter

AGENT = "demo-agent"
OPEN = {Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD}


def inbox(request: HttpRequest) -> HttpResponse:
    """Open conversations, most urgent first, under their queue; ``?queue=`` picks one."""
    desk = get_desk()
    queue = request.GET.get("queue") or None
    counts = desk.inbox_counts(InboxFilter(status=OPEN)).by_queue
    chosen = InboxFilter(status=OPEN, queue=queue) if queue else InboxFilter(status=OPEN)
    by_queue: dict[str, list[Any]] = {}
    for record in desk.inbox(chosen).records:
        by_queue.setdefault(record.conversation.queue or "no queue", []).append(record)
    queues = sorted((name or "no queue", n) for name, n in counts.items())
    return render(request, "shop/inbox.html",
                  {"by_queue": sorted(by_queue.items()), "queues": queues, "queue": queue})  # fmt: skip


def _traces(desk: Desk, events: Any, customer: Any) -> dict[str, list[tuple[Any, str]]]:
    """Per conversation, each inbound message with the rules' explain trace for it."""
    traces: dict[str, list[tuple[Any, str]]] = {}
    if desk.rules is None:
        return traces
    for event in events:
        if isinstance(event, MessageEvent) and event.message.direction is Direction.INBOUND:
            context = RoutingContext(now=event.at, message=event.message, customer=customer)
            trace = str(desk.rules.explain(context))
            traces.setdefault(event.conversation_id or "", []).append((event, trace))
    return traces


def customer(request: HttpRequest, customer_id: str) -> HttpResponse:
    """One customer: identifiers, the unified timeline, why each conversation went where it did."""
    desk = get_desk()
    try:
        person = desk.customer(customer_id)
    except NotFoundError:
        return render(request, "shop/missing.html", {"customer_id": customer_id}, status=404)
    events = desk.timeline(person.id)
    conversations = desk.conversations(person.id)
    traces = _traces(desk, events, person)
    return render(request, "shop/customer.html", {
        "customer": person,
        "events": [_row(event) for event in events],
        "conversations": [(r, traces.get(r.id, [])) for r in conversations],
        "error": request.GET.get("error"),
    })  # fmt: skip


def _row(event: Any) -> dict[str, Any]:
    row = {"at": event.at, "conversation": event.conversation_id or "-", "kind": event.TAG,
           "channel": "", "text": "", "inbound": False}  # fmt: skip
    if isinstance(event, MessageEvent):
        message = event.message
        row.update(channel=message.channel.name, text=message.text,
                   inbound=message.direction is Direction.INBOUND)  # fmt: skip
    return row


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@require_POST
def reply(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The agent's reply: recorded on the conversation, its outbox handed to the sender."""
    desk = get_desk()
    text = request.POST.get("text", "").strip()
    try:
        record = desk.conversation(conversation_id)
    except NotFoundError:
        return HttpResponse("no such conversation", status=404)
    page = reverse("customer", args=[record.conversation.customer_id])
    if not text:
        return HttpResponseRedirect(f"{page}?error=empty")
    try:
        receipt = desk.reply(conversation_id, agent_id=AGENT, text=text,
                             seen_version=_version(request.POST.get("seen_version")),
                             request_id=request.POST.get("request_id") or None)  # fmt: skip
    except OmnicxError as error:
        # Another agent answered first (CollisionError), or the customer was erased.
        return render(request, "shop/missing.html", {"error": str(error)}, status=409)
    dispatch([receipt])
    return HttpResponseRedirect(page)

"""The demo's bot scene: a returns bot answers a chat, then hands it to a person.

Rosa writes from the returns page; the demo's ``returns-bot`` rule gives the
conversation to the bot, which answers twice; when Rosa asks for a person
the desk hands it over, with the transcript, to the returns queue, where
it is assigned and the first reply clock starts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import attrs

from omnicx.channels import MessageReceived, sign_webchat
from omnicx.clock import FixedClock
from omnicx.desk._desk import Desk
from omnicx.desk._sample import SECRETS, WEBCHAT, Delivery
from omnicx.model import HandedOff

BOT_ID = "returns-bot"
BOT_RULE = {
    "id": "returns-bot",
    "description": "Chats from the returns page go to the returns bot first",
    "when": {"field": "message.metadata.page_url", "op": "contains", "value": "/returns"},
    "then": {"bot": BOT_ID, "queue": "returns", "add_tags": ["return"]},
}
"""The demo's rule that routes a chat to the bot (last but one in ``DEMO_RULES``)."""

_ROSA = {"id": "v-rosa", "name": "Rosa Díaz", "email": "rosa.diaz@example.es"}
_PAGE = "https://shop.example/help/returns"


def _at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 8, 16, minute, second, tzinfo=UTC)


# (minute, second, who, text): "rosa" writes on chat, "bot" answers.
SCENE = (
    (0, 0, "rosa", "Hi! The trainers I got are too small. Can I swap them for a 39?"),
    (0, 20, "bot", "Of course: swaps are free within 30 days. Is it order #1107?"),
    (1, 10, "rosa", "Yes. The new pair must come before Friday, it's a gift."),
    (1, 30, "bot", "I can't promise delivery dates, I'm afraid. Shall I start the swap?"),
    (2, 0, "rosa", "I'd rather talk to a person, please."),
)
"""The chat, in order; the last message asks for a person."""


@attrs.frozen(kw_only=True)
class BotScene:
    """What the bot scene produced, for display and tests."""

    customer_id: str
    conversation_id: str
    handoff: HandedOff


def _delivery(n: int, at: datetime, text: str) -> Delivery:
    payload = {"type": "message", "id": f"m-rosa-{n}", "session_id": "s-rosa",
               "sent_at": at.isoformat(), "visitor": _ROSA, "text": text, "page_url": _PAGE}  # fmt: skip
    body = json.dumps(payload).encode()
    signature = sign_webchat(SECRETS["chat"], body)
    return Delivery(at=at, adapter="chat", body=body, headers={"X-Omnicx-Signature": signature})


def run_bot_scene(desk: Desk, clock: FixedClock) -> BotScene:
    """Play ``SCENE`` on ``desk`` (Sunday 8 March, 16:00-16:02 UTC) and return the handoff."""
    customer_id = conversation_id = ""
    for n, (minute, second, who, text) in enumerate(SCENE):
        at = _at(minute, second)
        clock.set(at)
        if who == "bot":
            desk.bot_reply(conversation_id, bot_id=BOT_ID, text=text, request_id=f"rosa-bot-{n}")
            continue
        step = _delivery(n, at, text)
        WEBCHAT.verify(step.request, now=at)
        for event in WEBCHAT.parse(step.request):
            if isinstance(event, MessageReceived):
                receipt = desk.receive(event)
                customer_id, conversation_id = receipt.customer_id, receipt.conversation_id
    (handoff,) = desk.handoffs(conversation_id)
    return BotScene(customer_id=customer_id, conversation_id=conversation_id, handoff=handoff)

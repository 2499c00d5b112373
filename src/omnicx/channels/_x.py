"""X mentions, replies and DMs: Account Activity API webhooks.

Each POST is ``{"for_user_id": <subscribed account>, "tweet_create_events":
[<post>], ...}`` (or ``direct_message_events`` with a ``users`` map,
``tweet_delete_events``, ``direct_message_mark_read_events``), signed with
``X-Twitter-Webhooks-Signature: sha256=<base64 HMAC-SHA256 of the body>``
keyed with the app's consumer secret. X checks the webhook with a GET
carrying ``crc_token``; the answer is ``{"response_token": "sha256=<base64
HMAC-SHA256 of the token>"}`` (:meth:`XAdapter.crc_response`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._common import json_post, message_id
from omnicx.channels._events import (
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    MessageEcho,
    MessageReceived,
    MessageRemoved,
)
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._signatures import sign_x, verify_x
from omnicx.channels._social import (
    Moderation,
    ModerationAction,
    PrivateReply,
    PublicPost,
    customer_author,
    handles,
    media,
    public_message,
    refuse_unless_ok,
    social_instant,
)
from omnicx.channels._wire import Wire, entry_point, in_utc, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Attachment, Author, AuthorKind, Channel, Direction, Message

_API = "https://api.x.com/2"
# X: "Direct Messages can be up to 10,000 characters".
_DM_TEXT = 10_000
# X's legacy verification and today's paid and organisational checkmarks.
_VERIFIED_TYPES = frozenset({"blue", "business", "government"})


def x_crc_response(consumer_secret: str, crc_token: str) -> bytes:
    """The JSON body answering X's challenge-response check (GET with ``crc_token``).

    X: "the response_token ... a base64 encoded HMAC SHA-256 hash created
    from the crc_token and your app Consumer Secret", prefixed ``sha256=``.
    """
    token = sign_x(consumer_secret, crc_token.encode("utf-8", "surrogatepass"))
    return json.dumps({"response_token": token}).encode("ascii")


@attrs.frozen(kw_only=True)
class XAdapter:
    """X Account Activity webhooks in; public replies, DMs and moderation out.

    Mentions of the account and replies to it become public messages
    (``post_id`` the post they answer, or the mention itself) with the
    author's follower count and verification; DMs become private messages
    on the same channel, so one person's public and private words share a
    timeline (the handle is their username). The account's own posts and
    DMs come back as ``MessageEcho`` (``ours`` when ``source_app_id`` is
    ``app_id``); retweets, likes, follows and typing are skipped; deletions
    become ``MessageRemoved``.

    Attributes:
        user_id: the subscribed account's numeric id (``for_user_id``).
        consumer_secret: the app's consumer secret, which signs webhooks.
        app_id: this app's id, to tell our DMs from other tools' (None: all ours).
        long_text: refuse (the default) or split public replies over 280 characters.
    """

    user_id: str
    consumer_secret: str = attrs.field(repr=False)
    app_id: str | None = None
    long_text: LongText = LongText.REFUSE

    NETWORK: ClassVar[str] = "x"
    # X counts 280 weighted characters per post (most CJK and emoji weigh 2);
    # the limit here is the plain count, so a reply that passes may still be
    # long for X when it holds heavy characters.
    CAPABILITIES: ClassVar[Capabilities] = Capabilities(max_text_length=280)

    @property
    def channel(self) -> Channel:
        """``x``."""
        return Channel.X

    @property
    def capabilities(self) -> Capabilities:
        """Public replies: 280 characters, text only, no reply window."""
        return self.CAPABILITIES

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Twitter-Webhooks-Signature`` over the raw body (X signs no timestamp)."""
        verify_x(self.consumer_secret, request.body, request.headers)

    def crc_response(self, crc_token: str) -> bytes:
        """The JSON body answering X's CRC check for this app (see ``x_crc_response``)."""
        return x_crc_response(self.consumer_secret, crc_token)

    def handshake(self, request: WebhookRequest) -> bytes:
        """Answer X's challenge-response check: a GET with ``crc_token`` in the query.

        X sends it when the webhook is registered and then about hourly; the
        host answers 200 with this JSON body (``application/json``).
        ``handle_webhook`` answers it too, as ``WebhookOutcome.CHALLENGED``.

        Raises:
            PayloadError: the request is not a GET or carries no ``crc_token``.
        """
        token = request.query.get("crc_token")
        if request.method.upper() != "GET" or not token or not token.strip():
            raise PayloadError(
                PayloadReason.MISSING_FIELD,
                "a CRC check is a GET with crc_token",
                field="crc_token",
            )
        return self.crc_response(token)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Posts, DMs, deletions and read receipts, in the order X lists them."""
        root = load_json(request.body)
        if root.opt_text("for_user_id") is None:
            raise unsupported("not an Account Activity webhook", "for_user_id")
        events: list[ChannelEvent] = []
        for post in root.items("tweet_create_events"):
            events.extend(self._post(post))
        users = root.get("users")
        for dm in root.items("direct_message_events"):
            events.extend(self._dm(dm, users))
        for deleted in root.items("tweet_delete_events"):
            status = deleted.child("status")
            events.append(
                MessageRemoved(
                    channel=self.channel,
                    external_id=status.text("id"),
                    at=social_instant(deleted, "timestamp_ms", None),
                )
            )
        for read in root.items("direct_message_mark_read_events"):
            if read.opt_text("sender_id") == self.user_id or not read.opt_text(
                "last_read_event_id"
            ):
                continue  # our own read marks say nothing about delivery
            events.append(
                DeliveryUpdate(
                    channel=self.channel,
                    external_id=read.text("last_read_event_id"),
                    state=DeliveryState.READ,
                    at=social_instant(read, "created_timestamp", None),
                )
            )
        return tuple(events)

    def _post(self, post: Wire) -> list[ChannelEvent]:
        if post.has("retweeted_status"):
            return []  # a retweet carries no words of its own
        user = post.child("user")
        author_id = user.opt_text("id_str") or user.opt_text("id")
        screen_name = user.opt_text("screen_name")
        ours = author_id == self.user_id
        external_id = post.opt_text("id_str") or post.text("id")
        parent = post.opt_text("in_reply_to_status_id_str") or post.opt_text(
            "in_reply_to_status_id"
        )
        extended = post.get("extended_tweet")
        # Posts over 140 characters arrive truncated with the full text in
        # extended_tweet.full_text (or full_text on newer payloads).
        text = (
            (extended.opt_text("full_text") if extended.value is not None else None)
            or post.opt_text("full_text")
            or post.opt_text("text")
            or ""
        )
        author = (
            Author(kind=AuthorKind.AGENT, id=author_id, name=user.opt_text("name"))
            if ours
            else customer_author(
                author_id,
                user.opt_text("name"),
                followers=_count(user, "followers_count"),
                verified=_verified(user),
            )
        )
        at = (
            social_instant(post, "timestamp_ms", None)
            if post.has("timestamp_ms")
            else _created_at(post)
        )
        public = PublicPost(
            external_id=external_id,
            # A reply belongs to the post it answers; a plain mention is its own post.
            post_id=parent or external_id,
            parent_id=None,
            at=at,
            text=text,
            author=author,
            attachments=_media(post),
            ours=ours,
        )
        metadata: dict[str, Any] = {"type": "reply" if parent else "mention"}
        if post.opt_text("quoted_status_id_str"):
            metadata["quoted_id"] = post.opt_text("quoted_status_id_str")
        if screen_name:
            metadata["screen_name"] = screen_name
        message = public_message(self.channel, public, metadata)
        if ours:
            return [MessageEcho(message=message, ours=False)]
        sender = handles(self.NETWORK, screen_name)
        return [MessageReceived(message=message, sender=sender, sender_name=author.name)]

    def _dm(self, dm: Wire, users: Wire) -> list[ChannelEvent]:
        if dm.opt_text("type") != "message_create":
            return []
        create = dm.child("message_create")
        sender_id = create.text("sender_id")
        data = create.child("message_data")
        dm_id = dm.text("id")
        ours = sender_id == self.user_id
        other = create.child("target").text("recipient_id") if ours else sender_id
        profile = users.get(other) if isinstance(users.value, dict) else Wire(value=None, path="")
        screen_name = profile.opt_text("screen_name") if isinstance(profile.value, dict) else None
        name = profile.opt_text("name") if isinstance(profile.value, dict) else None
        attachments: tuple[Attachment, ...] = ()
        attachment = data.get("attachment")
        if attachment.value is not None and attachment.has("media"):
            found = attachment.child("media")
            attachments = media(found.opt_text("media_url_https"), found.opt_text("type") or "")
        message = Message(
            id=message_id(self.channel, dm_id),
            channel=self.channel,
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            author=Author(
                kind=AuthorKind.AGENT if ours else AuthorKind.CUSTOMER,
                id=sender_id,
                name=None if ours else name,
            ),
            sent_at=social_instant(dm, "created_timestamp", None),
            text=data.opt_text("text") or "",
            attachments=attachments,
            external_id=dm_id,
            metadata={"type": "dm", "user_id": other},
        )
        identifiers = handles(self.NETWORK, screen_name)
        if ours:
            app = create.opt_text("source_app_id")
            mine = self.app_id is None or app == self.app_id
            return [MessageEcho(message=message, recipient=identifiers, ours=mine)]
        return [MessageReceived(message=message, sender=identifiers, sender_name=name)]

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may go, as an outcome (a reply, or a DM without ``reply_to``)."""
        if outbound.reply_to:
            return check_send(outbound, self.CAPABILITIES, self.long_text)
        if outbound.attachments:
            return SendCheck.NO_ATTACHMENTS
        if len(outbound.text) > _DM_TEXT:
            return SendCheck.TOO_LONG
        return SendCheck.OK if outbound.text else SendCheck.EMPTY

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """A public reply (``POST /2/tweets`` answering ``reply_to``), else a DM to ``to``.

        A DM goes to ``POST /2/dm_conversations/with/{to}/messages``: ``to``
        is the person's numeric user id (``Author.id`` of their messages).
        The host signs the request (OAuth user context).
        """
        refuse_unless_ok(self.channel, self.check(outbound))
        if not outbound.reply_to:
            url = f"{_API}/dm_conversations/with/{outbound.to}/messages"
            return (json_post(url, {"text": outbound.text}),)
        parts = enforce(self.channel.name, outbound, self.CAPABILITIES, self.long_text)
        payload = {"text": parts[0], "reply": {"in_reply_to_tweet_id": outbound.reply_to}}
        return (json_post(f"{_API}/tweets", payload),)

    @staticmethod
    def check_private_reply(reply: PrivateReply) -> SendCheck:
        """X opens a DM only to a person who accepts one: ``reply.dm_allowed``."""
        if not reply.dm_allowed or not reply.author_id:
            return SendCheck.DM_NOT_ALLOWED
        if len(reply.text) > _DM_TEXT:
            return SendCheck.TOO_LONG
        return SendCheck.OK

    def render_private_reply(self, reply: PrivateReply) -> Sequence[OutboundRequest]:
        """A DM to the author of the post: ``POST /2/dm_conversations/with/{author_id}/messages``."""
        refuse_unless_ok(self.channel, self.check_private_reply(reply))
        url = f"{_API}/dm_conversations/with/{reply.author_id}/messages"
        return (json_post(url, {"text": reply.text}),)

    def render_moderation(self, moderation: Moderation) -> OutboundRequest:
        """Hide or unhide a reply (``PUT /2/tweets/{id}/hidden``); delete only our own post.

        Raises:
            RenderRefused: ``NOT_SUPPORTED`` for deleting another account's post.
        """
        if moderation.action is ModerationAction.DELETE:
            if not moderation.ours:
                refuse_unless_ok(self.channel, SendCheck.NOT_SUPPORTED)
            return OutboundRequest(method="DELETE", url=f"{_API}/tweets/{moderation.comment_id}")
        hidden = moderation.action is ModerationAction.HIDE
        request = json_post(f"{_API}/tweets/{moderation.comment_id}/hidden", {"hidden": hidden})
        return attrs.evolve(request, method="PUT")


def _count(node: Wire, key: str) -> int | None:
    number = node.number(key)
    if number is None or number < 0 or number > 2**53:
        return None  # a count no network reports is no fact
    return int(number)


def _verified(user: Wire) -> bool | None:
    legacy = user.get("verified").value
    kind = user.opt_text("verified_type")
    if kind is not None:
        return kind in _VERIFIED_TYPES or legacy is True
    return legacy if isinstance(legacy, bool) else None


def _created_at(post: Wire) -> datetime:
    # v1.1 posts: "Wed Oct 10 20:19:24 +0000 2018".
    text = post.text("created_at")
    try:
        stamp = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return social_instant(post, "created_at", None)  # ISO 8601 on v2-shaped payloads
    return in_utc(stamp, field=post.get("created_at").path)


def _media(post: Wire) -> tuple[Attachment, ...]:
    entities = post.get("extended_entities")
    if entities.value is None:
        entities = post.get("entities")
    if entities.value is None:
        return ()
    found: list[Attachment] = []
    for item in entities.items("media"):
        found.extend(media(item.opt_text("media_url_https"), item.opt_text("type") or "photo"))
    return tuple(found)

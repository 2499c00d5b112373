"""One webhook entry: Meta's shared callback routed by object and account, page and number
scoping, the GET handshake, and the HTTP status ``handle_webhook`` answers per provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.channels import (
    WEBCHAT_SIGNATURE_HEADER,
    EmailAdapter,
    FacebookCommentsAdapter,
    ForeignAccounts,
    InstagramAdapter,
    InstagramCommentsAdapter,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    MessengerAdapter,
    MetaDispatcher,
    ShopifyWebhook,
    StripeWebhook,
    TwilioAdapter,
    WebChatAdapter,
    WebhookOutcome,
    WebhookRequest,
    WhatsAppAdapter,
    XAdapter,
    handle_webhook,
    sign_hub_sha256,
    sign_shopify,
    sign_stripe,
    sign_twilio,
    sign_webchat,
    verification_handshake,
    x_crc_response,
)
from omnicx.errors import ForeignAccountError, PayloadReason, ValidationError
from omnicx.model import Visibility

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
SECRET = "app-secret"
WHATSAPP = WhatsAppAdapter(phone_number_id="1065", app_secret=SECRET)
WHATSAPP_2 = WhatsAppAdapter(phone_number_id="2077", app_secret=SECRET)
MESSENGER = MessengerAdapter(page_id="1001", app_secret=SECRET, app_id="555")
INSTAGRAM = InstagramAdapter(page_id="1781", app_secret=SECRET)
META = MetaDispatcher(adapters=[WHATSAPP, WHATSAPP_2, MESSENGER, INSTAGRAM])
FACEBOOK_COMMENTS = FacebookCommentsAdapter(page_id="1001", app_secret=SECRET)
INSTAGRAM_COMMENTS = InstagramCommentsAdapter(account_id="1781", app_secret=SECRET)
SOCIAL = MetaDispatcher(
    adapters=[WHATSAPP, MESSENGER, INSTAGRAM, FACEBOOK_COMMENTS, INSTAGRAM_COMMENTS]
)


def signed(payload: object, secret: str = SECRET) -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign_hub_sha256(secret, body)}
    return WebhookRequest(body=body, headers=headers, received_at=NOW)


def whatsapp(*numbers: str) -> dict[str, Any]:
    changes = [
        {"field": "messages", "value": {
            "metadata": {"phone_number_id": number},
            "messages": [{"from": "447911123456", "id": f"wamid.{number}", "type": "text",
                          "timestamp": "1772452800", "text": {"body": "hi"}}]}}
        for number in numbers
    ]  # fmt: skip
    return {"object": "whatsapp_business_account", "entry": [{"id": "waba", "changes": changes}]}


def messaging(obj: str, *pages: str, **message: Any) -> dict[str, Any]:
    entries = [
        {"id": page, "time": 1772452800000, "messaging": [{
            "sender": {"id": "2001"}, "recipient": {"id": page}, "timestamp": 1772452800000,
            "message": {"mid": f"m.{page}", "text": "hi", **message}}]}
        for page in pages
    ]  # fmt: skip
    return {"object": obj, "entry": entries}


# -- the dispatcher -------------------------------------------------------------


def test_the_dispatcher_routes_by_object_and_by_account() -> None:
    """Each entry goes to the adapter of its object owning its page or number."""
    for payload, channel, owner in [
        (whatsapp("2077"), "whatsapp", "2077"),
        (messaging("page", "1001"), "messenger", "1001"),
        (messaging("instagram", "1781"), "instagram", "1781"),
    ]:
        request = signed(payload)
        META.verify(request, now=NOW)
        (event,) = META.parse(request)
        assert isinstance(event, MessageReceived)
        assert (event.message.channel.name, event.received_by, event.foreign) == (
            channel,
            owner,
            False,
        )
    assert META.route(signed(whatsapp("2077"))) is WHATSAPP_2
    assert META.route(signed(messaging("instagram", "1781"))) is INSTAGRAM


def test_one_batch_for_two_numbers_goes_to_both_owners() -> None:
    events = META.parse(signed(whatsapp("1065", "2077")))
    assert [e.received_by for e in events] == ["1065", "2077"]
    assert [e.message.id for e in events if isinstance(e, MessageReceived)] == [
        "whatsapp:wamid.1065",
        "whatsapp:wamid.2077",
    ]


def test_the_dispatcher_refuses_or_marks_an_account_it_does_not_own() -> None:
    with pytest.raises(ForeignAccountError) as caught:
        META.parse(signed(messaging("page", "1009")))
    assert (caught.value.account, caught.value.field) == ("1009", "entry[0].id")
    assert caught.value.reason is PayloadReason.UNSUPPORTED
    marking = MetaDispatcher(adapters=[MESSENGER], foreign=ForeignAccounts.MARK)
    (event,) = marking.parse(signed(messaging("page", "1009")))
    assert (event.received_by, event.foreign) == ("1009", True)


def test_an_object_no_adapter_speaks_is_unsupported() -> None:
    only_whatsapp = MetaDispatcher(adapters=[WHATSAPP])
    answer = handle_webhook(only_whatsapp, signed(messaging("page", "1001")), now=NOW)
    assert (answer.outcome, answer.status) == (WebhookOutcome.IGNORED, 200)


def test_a_dispatcher_needs_adapters_of_one_app() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        MetaDispatcher(adapters=[])
    other = MessengerAdapter(page_id="1002", app_secret="another")
    with pytest.raises(ValidationError, match="same app_secret"):
        MetaDispatcher(adapters=[MESSENGER, other])


def changes(obj: str, account: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    entry = {"id": account, "time": 1772452800, "changes": [{"field": field, "value": value}]}
    return {"object": obj, "entry": [entry]}


def feed(verb: str = "add", comment_id: str = "1001_9_1") -> dict[str, Any]:
    return {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": "1001_9",
            "parent_id": "1001_9", "message": "still broken", "created_time": 1772452800,
            "from": {"id": "2001", "name": "Ada"}}  # fmt: skip


IG_COMMENT = {"id": "178", "text": "@shop where is it", "from": {"id": "678", "username": "ada"},
              "media": {"id": "179", "media_product_type": "FEED"}}  # fmt: skip


def test_the_callback_routes_comments_and_mentions_next_to_messages() -> None:
    """One URL: a Page's feed, an Instagram account's comments and mentions, and the DMs."""
    cases = [
        (changes("page", "1001", "feed", feed()), "facebook", Visibility.PUBLIC),
        (changes("instagram", "1781", "comments", IG_COMMENT), "instagram", Visibility.PUBLIC),
        (changes("instagram", "1781", "live_comments", IG_COMMENT), "instagram",
         Visibility.PUBLIC),
        (changes("instagram", "1781", "mentions", {"media_id": "179", "comment_id": "180"}),
         "instagram", Visibility.PUBLIC),
        (messaging("page", "1001"), "messenger", Visibility.PRIVATE),
        (messaging("instagram", "1781"), "instagram", Visibility.PRIVATE),
        (whatsapp("1065"), "whatsapp", Visibility.PRIVATE),
    ]  # fmt: skip
    for payload, channel, visibility in cases:
        request = signed(payload)
        SOCIAL.verify(request, now=NOW)
        (event,) = SOCIAL.parse(request)
        assert isinstance(event, MessageReceived)
        assert (event.message.channel.name, event.message.visibility) == (channel, visibility)
        owner = "1065" if channel == "whatsapp" else payload["entry"][0]["id"]
        assert (event.received_by, event.foreign) == (owner, False)
        answer = handle_webhook(SOCIAL, request, now=NOW)
        assert (answer.outcome, answer.events) == (WebhookOutcome.ACCEPTED, (event,))
    (edit,) = SOCIAL.parse(signed(changes("page", "1001", "feed", feed(verb="edited"))))
    assert isinstance(edit, MessageEdited)
    assert SOCIAL.route(signed(changes("page", "1001", "feed", feed()))) is FACEBOOK_COMMENTS
    assert SOCIAL.route(signed(messaging("page", "1001"))) is MESSENGER
    assert SOCIAL.route(signed(changes("instagram", "1781", "comments", IG_COMMENT))) is (
        INSTAGRAM_COMMENTS
    )


def test_one_page_entry_with_messages_and_changes_goes_to_both_adapters() -> None:
    payload = messaging("page", "1001")
    payload["entry"][0]["changes"] = [{"field": "feed", "value": feed()}]
    events = SOCIAL.parse(signed(payload))
    assert [e.message.visibility for e in events if isinstance(e, MessageReceived)] == [
        Visibility.PRIVATE,
        Visibility.PUBLIC,
    ]


def test_comments_of_an_account_no_adapter_owns_are_refused_or_marked() -> None:
    with pytest.raises(ForeignAccountError) as caught:
        SOCIAL.parse(signed(changes("page", "1009", "feed", feed())))
    assert (caught.value.account, caught.value.field) == ("1009", "entry[0].id")
    with pytest.raises(ForeignAccountError, match="account '1009'"):
        FACEBOOK_COMMENTS.parse(signed(changes("page", "1009", "feed", feed())))
    marking = MetaDispatcher(adapters=[INSTAGRAM_COMMENTS], foreign=ForeignAccounts.MARK)
    (event,) = marking.parse(signed(changes("instagram", "1799", "comments", IG_COMMENT)))
    assert (event.received_by, event.foreign) == ("1799", True)


def test_a_half_no_adapter_takes_is_ignored() -> None:
    """Comments reach a callback that only has Messenger: authentic, 200, nothing taken."""
    only_messenger = MetaDispatcher(adapters=[MESSENGER])
    answer = handle_webhook(
        only_messenger, signed(changes("page", "1001", "feed", feed())), now=NOW
    )
    assert (answer.outcome, answer.status, answer.events) == (WebhookOutcome.IGNORED, 200, ())
    only_comments = MetaDispatcher(adapters=[FACEBOOK_COMMENTS])
    answer = handle_webhook(only_comments, signed(messaging("page", "1001")), now=NOW)
    assert answer.outcome is WebhookOutcome.IGNORED
    with pytest.raises(ValidationError, match="FacebookCommentsAdapter"):
        MetaDispatcher(adapters=[MESSENGER, "not an adapter"])


# -- scoping on the adapters themselves -------------------------------------------


def test_an_adapter_for_one_page_refuses_another_pages_webhook() -> None:
    """The Messenger adapter of page p1 no longer takes page p9's messages as its own."""
    with pytest.raises(ForeignAccountError, match="account '1009'"):
        MESSENGER.parse(signed(messaging("page", "1009")))
    with pytest.raises(ForeignAccountError, match="account '2077'") as caught:
        WHATSAPP.parse(signed(whatsapp("2077")))
    assert caught.value.field == "entry[0].changes[0].value.metadata.phone_number_id"
    marking = WhatsAppAdapter(phone_number_id="1065", app_secret=SECRET,
                              foreign=ForeignAccounts.MARK)  # fmt: skip
    (event,) = marking.parse(signed(whatsapp("2077")))
    assert (event.received_by, event.foreign) == ("2077", True)


def test_the_echo_says_who_sent_it_and_with_what_metadata() -> None:
    payload = messaging("page", "1001", is_echo=True, app_id=555, metadata="ticket-7")
    payload["entry"][0]["messaging"][0]["sender"] = {"id": "1001"}
    payload["entry"][0]["messaging"][0]["recipient"] = {"id": "2001"}
    (echo,) = MESSENGER.parse(signed(payload))
    assert isinstance(echo, MessageEcho)
    assert [i.value for i in echo.sender] == ["1001"]
    assert [i.value for i in echo.recipient] == ["2001"]
    assert (echo.app_id, echo.app_metadata, echo.ours, echo.received_by) == (
        "555",
        "ticket-7",
        True,
        "1001",
    )


# -- handshakes ----------------------------------------------------------------


def _get(query: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(body=b"", method="GET", query=query, received_at=NOW)


def test_the_meta_handshake_echoes_the_challenge_for_a_known_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    answer = verification_handshake(_get(query), verify_tokens=["old", "tok"])
    assert (answer.outcome, answer.status, answer.body) == (
        WebhookOutcome.CHALLENGED,
        200,
        b"1158201444",
    )
    assert answer.content_type == "text/plain"
    assert handle_webhook(META, _get(query), now=NOW, verify_tokens=["tok"]).body == b"1158201444"


@pytest.mark.parametrize(
    ("query", "tokens"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}, ["tok"]),
        ({"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "1"}, ["tok"]),
        ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1"}, []),
    ],
)
def test_a_wrong_handshake_is_403(query: dict[str, str], tokens: list[str]) -> None:
    answer = handle_webhook(META, _get(query), now=NOW, verify_tokens=tokens)
    assert (answer.outcome, answer.status) == (WebhookOutcome.REFUSED, 403)
    assert b"1" not in answer.body


X = XAdapter(user_id="2244994945", consumer_secret="x-consumer-secret")


def test_the_x_crc_check_goes_through_the_one_entry() -> None:
    """A GET with crc_token is X's challenge: 200 with the signed response_token."""
    answer = handle_webhook(X, _get({"crc_token": "challenge-123"}), now=NOW)
    assert (answer.outcome, answer.status, answer.content_type) == (
        WebhookOutcome.CHALLENGED,
        200,
        "application/json",
    )
    assert answer.body == x_crc_response("x-consumer-secret", "challenge-123")
    assert json.loads(answer.body)["response_token"].startswith("sha256=")
    assert (answer.events, answer.error) == ((), None)


@given(st.text(min_size=1).filter(str.strip))
def test_every_crc_token_is_answered_as_the_adapter_answers_it(token: str) -> None:
    answer = handle_webhook(X, _get({"crc_token": token}), now=NOW)
    assert answer.outcome is WebhookOutcome.CHALLENGED
    assert answer.body == X.handshake(_get({"crc_token": token}))


@pytest.mark.parametrize("query", [{}, {"crc_token": ""}, {"crc_token": "  "}, {"nonce": "1"}])
def test_a_get_to_x_without_a_crc_token_is_400(query: dict[str, str]) -> None:
    answer = handle_webhook(X, _get(query), now=NOW)
    assert (answer.outcome, answer.status) == (WebhookOutcome.MALFORMED, 400)
    assert "crc_token" in (answer.error or "")
    assert b"response_token" not in answer.body


def test_a_crc_check_to_a_receiver_without_one_is_403_and_hub_to_x_is_refused() -> None:
    for receiver in (META, MESSENGER, FACEBOOK_COMMENTS):
        answer = handle_webhook(receiver, _get({"crc_token": "challenge-123"}), now=NOW)
        assert (answer.outcome, answer.status) == (WebhookOutcome.REFUSED, 403)
        assert b"response_token" not in answer.body
    hub = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1"}
    assert handle_webhook(X, _get(hub), now=NOW).outcome is WebhookOutcome.REFUSED


def test_other_methods_are_405() -> None:
    answer = handle_webhook(META, _get({}), now=NOW)
    assert (answer.status, answer.headers["Allow"]) == (405, "POST")


# -- statuses per provider -----------------------------------------------------


def _twilio(params: dict[str, str], token: str = "tw") -> WebhookRequest:
    url = "https://h.example/twilio"
    body = urlencode(params).encode()
    headers = {"X-Twilio-Signature": sign_twilio(token, url, params.items())}
    return WebhookRequest(body=body, headers=headers, url=url, received_at=NOW)


def _shopify(topic: str, payload: object, secret: str = "shp") -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {"X-Shopify-Hmac-Sha256": sign_shopify(secret, body), "X-Shopify-Topic": topic}
    return WebhookRequest(body=body, headers=headers, received_at=NOW)


def _stripe(payload: object, at: datetime = NOW) -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {"Stripe-Signature": sign_stripe("whsec", body, int(at.timestamp()))}
    return WebhookRequest(body=body, headers=headers, received_at=NOW)


def _chat(payload: object, secret: str = "chat") -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {WEBCHAT_SIGNATURE_HEADER: sign_webchat(secret, body)}
    return WebhookRequest(body=body, headers=headers, received_at=NOW)


SMS = {"MessageSid": "SM1", "From": "+14155550100", "To": "+14155550199", "Body": "hi"}
CHARGE = {"id": "evt_1", "type": "charge.succeeded", "created": 1772452800,
          "data": {"object": {"id": "ch_1", "currency": "usd", "amount": 100,
                              "customer": "cus_1"}}}  # fmt: skip
CHAT = {"type": "message", "id": "m-1", "session_id": "s", "sent_at": "2026-03-02T12:00:00Z",
        "visitor": {"id": "v"}, "text": "hi"}  # fmt: skip

CASES: list[tuple[str, Any, WebhookRequest, WebhookOutcome, int]] = [
    ("twilio ok", TwilioAdapter(account_sid="AC", auth_token="tw"), _twilio(SMS),
     WebhookOutcome.ACCEPTED, 200),
    ("twilio forged", TwilioAdapter(account_sid="AC", auth_token="tw"), _twilio(SMS, "x"),
     WebhookOutcome.FORGED, 401),
    ("twilio malformed", TwilioAdapter(account_sid="AC", auth_token="tw"),
     _twilio({"Body": "no sid"}), WebhookOutcome.MALFORMED, 400),
    ("whatsapp ok", WHATSAPP, signed(whatsapp("1065")), WebhookOutcome.ACCEPTED, 200),
    ("whatsapp forged", WHATSAPP, signed(whatsapp("1065"), "x"), WebhookOutcome.FORGED, 401),
    ("whatsapp other number", WHATSAPP, signed(whatsapp("2077")), WebhookOutcome.IGNORED, 200),
    ("whatsapp malformed", WHATSAPP, signed({"object": "whatsapp_business_account",
     "entry": [{"changes": [{"field": "messages", "value": {"messages": [{}]}}]}]}),
     WebhookOutcome.MALFORMED, 400),
    ("meta unsupported object", META, signed({"object": "user", "entry": []}),
     WebhookOutcome.IGNORED, 200),
    ("shopify ok", ShopifyWebhook(secret="shp"),
     _shopify("customers/create", {"id": 7, "email": "a@example.com"}),
     WebhookOutcome.ACCEPTED, 200),
    ("shopify unsupported topic", ShopifyWebhook(secret="shp"), _shopify("carts/update", {}),
     WebhookOutcome.IGNORED, 200),
    ("shopify forged", ShopifyWebhook(secret="shp"), _shopify("customers/create", {}, "x"),
     WebhookOutcome.FORGED, 401),
    ("stripe ok", StripeWebhook(secret="whsec"), _stripe(CHARGE), WebhookOutcome.ACCEPTED, 200),
    ("stripe replayed", StripeWebhook(secret="whsec"),
     _stripe(CHARGE, NOW - timedelta(hours=1)), WebhookOutcome.FORGED, 401),
    ("stripe unsupported", StripeWebhook(secret="whsec"),
     _stripe({**CHARGE, "type": "customer.created"}), WebhookOutcome.IGNORED, 200),
    ("webchat ok", WebChatAdapter(secret="chat"), _chat(CHAT), WebhookOutcome.ACCEPTED, 200),
    ("webchat forged", WebChatAdapter(secret="chat"), _chat(CHAT, "x"),
     WebhookOutcome.FORGED, 401),
    ("webchat malformed", WebChatAdapter(secret="chat"), _chat({"type": "message"}),
     WebhookOutcome.MALFORMED, 400),
    ("email ok", EmailAdapter(), WebhookRequest(body=b"From: a@example.com\r\n\r\nhi",
     received_at=NOW), WebhookOutcome.ACCEPTED, 200),
    ("email malformed", EmailAdapter(), WebhookRequest(body=b"", received_at=NOW),
     WebhookOutcome.MALFORMED, 400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("receiver", "request_", "outcome", "status"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_handle_webhook_answers_the_status_each_provider_expects(
    receiver: Any, request_: WebhookRequest, outcome: WebhookOutcome, status: int
) -> None:
    answer = handle_webhook(receiver, request_, now=NOW)
    assert (answer.outcome, answer.status) == (outcome, status)
    if outcome is WebhookOutcome.ACCEPTED:
        assert answer.events or answer.enrichment is not None
    else:
        assert answer.events == ()
        assert answer.error


def test_twilio_gets_empty_twiml_and_others_json() -> None:
    twilio = handle_webhook(TwilioAdapter(account_sid="AC", auth_token="tw"), _twilio(SMS), now=NOW)
    assert (twilio.body, twilio.content_type) == (b"<Response></Response>", "text/xml")
    chat = handle_webhook(WebChatAdapter(secret="chat"), _chat(CHAT), now=NOW)
    assert json.loads(chat.body) == {"received": 1}

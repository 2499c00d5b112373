"""``omnicx.channels.__all__`` is pinned: adding a public name is a visible decision."""

from __future__ import annotations

import omnicx.channels

PINNED = [
    "CHANNEL_EVENT_TYPES", "RECEIVED_AT_HEADER", "WEBCHAT_SIGNATURE_HEADER", "Capabilities",
    "ChannelAdapter", "ChannelEvent", "DeliveryState", "DeliveryUpdate", "EmailAdapter",
    "Enrichment", "InstagramAdapter", "LongText", "MessageEcho", "MessageEdited", "MessageReceived",
    "MessengerAdapter", "OutboundMessage", "OutboundRequest", "Reaction", "RenderRefused",
    "SendCheck", "ShopifyWebhook", "StripeWebhook", "Template", "TwilioAdapter", "WebChatAdapter",
    "WhatsAppAdapter", "check_send", "html_to_text", "minor_to_decimal", "reply_address",
    "reply_channel", "sign_hub_sha256", "sign_shopify", "sign_stripe", "sign_twilio",
    "sign_webchat", "split_text", "strip_reply", "verify_hub_sha256", "verify_shopify",
    "verify_stripe", "verify_twilio",
]  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_all_is_pinned_and_sorted() -> None:
    """The public names are exactly the pinned ones, in RUF022 order."""
    exported = list(omnicx.channels.__all__)
    assert exported == PINNED
    assert exported == sorted(exported, key=_isort_key)


def test_every_public_name_is_documented() -> None:
    """Every public class and function has a docstring."""
    assert omnicx.channels.__doc__
    for name in omnicx.channels.__all__:
        value = getattr(omnicx.channels, name)
        if callable(value) and isinstance(value, type | type(len) | type(_isort_key)):
            assert value.__doc__, name

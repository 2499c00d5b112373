"""The 50-rule table as a plain if/elif function: the speed a developer gets by hand."""

from __future__ import annotations

from typing import Any

from omnicx.routing._text import Words


def route(msg: dict[str, Any]) -> str:
    """Return the id of the first matching row for one message."""
    channel = msg["channel"]
    words = Words.of(msg["text"]).words
    vip = msg["vip"]
    ltv = msg["ltv"]
    tier = msg["tier"]
    if "lawyer" in words or "attorney" in words or "lawsuit" in words:
        return "legal"
    if "hacked" in words or "fraud" in words or "phishing" in words or "stolen" in words:
        return "security"
    if "gdpr" in words or "privacy" in words:
        return "privacy"
    if (
        channel == "whatsapp"
        and ("refund" in words or "reimburse" in words or "chargeback" in words)
        and vip
    ):
        return "vip-wa-refund"
    if channel == "voice" and vip:
        return "vip-voice"
    if ("angry" in words or "terrible" in words or "unacceptable" in words) and vip:
        return "vip-angry"
    if ("refund" in words or "cancel" in words) and ltv >= 5000.0:
        return "whale-refund"
    if channel == "sms" and vip:
        return "vip-sms"
    if vip:
        return "vip"
    if "outage" in words or "down" in words or "offline" in words:
        return "outage"
    if "urgent" in words or "asap" in words or "immediately" in words:
        return "urgent"
    if channel == "chat" and ("refund" in words or "reimburse" in words or "chargeback" in words):
        return "chat-refund"
    if channel in ("x", "instagram") and (
        "damaged" in words or "broken" in words or "defective" in words
    ):
        return "social-damaged"
    if channel == "sms" and ("tracking" in words or "shipped" in words or "shipment" in words):
        return "sms-tracking"
    if channel == "whatsapp" and ("delivery" in words or "parcel" in words or "courier" in words):
        return "wa-delivery"
    if channel == "voice" and (
        "cancel" in words or "cancellation" in words or "unsubscribe" in words
    ):
        return "voice-cancel"
    if "refund" in words or "reimburse" in words or "chargeback" in words:
        return "topic-refund"
    if "invoice" in words or "receipt" in words or "vat" in words:
        return "topic-invoice"
    if "payment" in words or "card" in words or "declined" in words:
        return "topic-payment"
    if "delivery" in words or "parcel" in words or "courier" in words:
        return "topic-delivery"
    if "tracking" in words or "shipped" in words or "shipment" in words:
        return "topic-tracking"
    if "damaged" in words or "broken" in words or "defective" in words:
        return "topic-damaged"
    if "return" in words or "exchange" in words or "rma" in words:
        return "topic-returns"
    if "cancel" in words or "cancellation" in words or "unsubscribe" in words:
        return "topic-cancel"
    if "password" in words or "login" in words or "username" in words:
        return "topic-account"
    if "address" in words or "postcode" in words or "relocate" in words:
        return "topic-address"
    if "coupon" in words or "voucher" in words or "discount" in words:
        return "topic-discount"
    if "warranty" in words or "guarantee" in words or "repair" in words:
        return "topic-warranty"
    if "stock" in words or "restock" in words or "backorder" in words:
        return "topic-stock"
    if "size" in words or "sizing" in words or "fit" in words:
        return "topic-size"
    if "gift" in words or "giftcard" in words or "wrap" in words:
        return "topic-gift"
    if "points" in words or "loyalty" in words or "rewards" in words:
        return "topic-loyalty"
    if "app" in words or "android" in words or "iphone" in words:
        return "topic-app"
    if "newsletter" in words or "emails" in words or "spam" in words:
        return "topic-newsletter"
    if "feedback" in words or "suggestion" in words or "review" in words:
        return "topic-feedback"
    if "wholesale" in words or "bulk" in words or "reseller" in words:
        return "topic-wholesale"
    if channel == "email" and tier == "gold":
        return "gold-email"
    if tier == "platinum":
        return "platinum-any"
    if channel == "chat" and tier == "gold":
        return "gold-chat"
    if ltv >= 10000.0:
        return "big-spender"
    if channel == "email" and ltv >= 2000.0:
        return "mid-spender-email"
    if channel == "email":
        return "channel-email"
    if channel == "chat":
        return "channel-chat"
    if channel == "sms":
        return "channel-sms"
    if channel == "whatsapp":
        return "channel-whatsapp"
    if channel == "messenger":
        return "channel-messenger"
    if channel == "instagram":
        return "channel-instagram"
    if channel == "x":
        return "channel-x"
    if channel == "voice":
        return "channel-voice"
    return "catch-all"

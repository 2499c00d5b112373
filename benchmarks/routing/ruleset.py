"""One realistic 50-rule routing table, written out for every engine compared.

Each rule is a row: channel(s), keywords (any of), VIP, minimum lifetime
value, tier; the first matching row decides queue and priority.
"""

from __future__ import annotations

from typing import Any

CHANNELS = ["email", "chat", "sms", "whatsapp", "messenger", "instagram", "x", "voice"]

TOPICS: dict[str, list[str]] = {
    "refund": ["refund", "reimburse", "chargeback"],
    "invoice": ["invoice", "receipt", "vat"],
    "payment": ["payment", "card", "declined"],
    "delivery": ["delivery", "parcel", "courier"],
    "tracking": ["tracking", "shipped", "shipment"],
    "damaged": ["damaged", "broken", "defective"],
    "returns": ["return", "exchange", "rma"],
    "cancel": ["cancel", "cancellation", "unsubscribe"],
    "account": ["password", "login", "username"],
    "address": ["address", "postcode", "relocate"],
    "discount": ["coupon", "voucher", "discount"],
    "warranty": ["warranty", "guarantee", "repair"],
    "stock": ["stock", "restock", "backorder"],
    "size": ["size", "sizing", "fit"],
    "gift": ["gift", "giftcard", "wrap"],
    "loyalty": ["points", "loyalty", "rewards"],
    "app": ["app", "android", "iphone"],
    "newsletter": ["newsletter", "emails", "spam"],
    "feedback": ["feedback", "suggestion", "review"],
    "wholesale": ["wholesale", "bulk", "reseller"],
}


def _row(id: str, queue: str, priority: str, **cond: Any) -> dict[str, Any]:
    return {"id": id, "queue": queue, "priority": priority, **cond}


ROWS: list[dict[str, Any]] = [
    _row("legal", "legal", "urgent", kws=["lawyer", "attorney", "lawsuit"]),
    _row("security", "trust", "urgent", kws=["hacked", "fraud", "phishing", "stolen"]),
    _row("privacy", "privacy", "high", kws=["gdpr", "privacy"]),
    _row(
        "vip-wa-refund", "billing-vip", "urgent", channel="whatsapp", vip=True, kws=TOPICS["refund"]
    ),
    _row("vip-voice", "vip-phone", "urgent", channel="voice", vip=True),
    _row("vip-angry", "vip-care", "urgent", vip=True, kws=["angry", "terrible", "unacceptable"]),
    _row("whale-refund", "vip-care", "high", min_ltv=5000.0, kws=["refund", "cancel"]),
    _row("vip-sms", "vip-care", "high", channel="sms", vip=True),
    _row("vip", "vip-care", "high", vip=True),
    _row("outage", "incidents", "urgent", kws=["outage", "down", "offline"]),
    _row("urgent", "general", "high", kws=["urgent", "asap", "immediately"]),
    _row("chat-refund", "live-billing", "high", channel="chat", kws=TOPICS["refund"]),
    _row(
        "social-damaged", "social-care", "high", channel=["x", "instagram"], kws=TOPICS["damaged"]
    ),
    _row("sms-tracking", "sms-logistics", "normal", channel="sms", kws=TOPICS["tracking"]),
    _row("wa-delivery", "wa-logistics", "normal", channel="whatsapp", kws=TOPICS["delivery"]),
    _row("voice-cancel", "retention-phone", "high", channel="voice", kws=TOPICS["cancel"]),
    *(_row(f"topic-{t}", t, "normal", kws=kws) for t, kws in TOPICS.items()),
    _row("gold-email", "gold", "normal", channel="email", tier="gold"),
    _row("platinum-any", "platinum", "high", tier="platinum"),
    _row("gold-chat", "gold", "high", channel="chat", tier="gold"),
    _row("big-spender", "vip-care", "normal", min_ltv=10000.0),
    _row("mid-spender-email", "priority-email", "normal", channel="email", min_ltv=2000.0),
    *(_row(f"channel-{c}", f"{c}-queue", "normal", channel=c) for c in CHANNELS),
    _row("catch-all", "general", "low"),
]
assert len(ROWS) == 50, len(ROWS)
assert len({r["id"] for r in ROWS}) == 50


def omnicx_rules() -> dict[str, Any]:
    """The table as an omnicx rule file (native conditions)."""
    rules = []
    for row in ROWS:
        conds: list[dict[str, Any]] = []
        if "channel" in row:
            ch = row["channel"]
            conds.append(
                {"field": "channel", "op": "in" if isinstance(ch, list) else "eq", "value": ch}
            )
        if "kws" in row:
            conds.append({"field": "message.text", "op": "contains_any", "value": row["kws"]})
        if "vip" in row:
            conds.append({"field": "customer.vip", "op": "eq", "value": True})
        if "min_ltv" in row:
            conds.append({"field": "customer.lifetime_value", "op": "gte", "value": row["min_ltv"]})
        if "tier" in row:
            conds.append({"field": "customer.tier", "op": "eq", "value": row["tier"]})
        rule: dict[str, Any] = {
            "id": row["id"],
            "then": {"queue": row["queue"], "priority": row["priority"]},
        }
        if conds:
            rule["when"] = conds[0] if len(conds) == 1 else {"all": conds}
        rules.append(rule)
    return {"mode": "first_match", "rules": rules}


def rule_engine_texts() -> list[tuple[str, str]]:
    """The table as (id, rule-engine expression) pairs."""
    out = []
    for row in ROWS:
        parts = []
        if "channel" in row:
            ch = row["channel"]
            if isinstance(ch, list):
                parts.append("(" + " or ".join(f'channel == "{c}"' for c in ch) + ")")
            else:
                parts.append(f'channel == "{ch}"')
        if "kws" in row:
            parts.append("(" + " or ".join(f'"{k}" in words' for k in row["kws"]) + ")")
        if "vip" in row:
            parts.append("vip")
        if "min_ltv" in row:
            parts.append(f"ltv >= {row['min_ltv']}")
        if "tier" in row:
            parts.append(f'tier == "{row["tier"]}"')
        out.append((row["id"], " and ".join(parts) or "true"))
    return out


def jsonlogic_rules() -> list[tuple[str, Any]]:
    """The table as (id, JsonLogic) pairs."""
    out = []
    for row in ROWS:
        parts: list[Any] = []
        if "channel" in row:
            ch = row["channel"]
            chs = ch if isinstance(ch, list) else [ch]
            parts.append({"in": [{"var": "channel"}, chs]})
        if "kws" in row:
            parts.append({"or": [{"in": [k, {"var": "words"}]} for k in row["kws"]]})
        if "vip" in row:
            parts.append({"==": [{"var": "vip"}, True]})
        if "min_ltv" in row:
            parts.append({">=": [{"var": "ltv"}, row["min_ltv"]]})
        if "tier" in row:
            parts.append({"==": [{"var": "tier"}, row["tier"]]})
        out.append((row["id"], {"and": parts} if parts else True))
    return out


def business_rules_rules() -> list[dict[str, Any]]:
    """The table in business-rules' JSON form; the action records the rule id."""
    out = []
    for row in ROWS:
        conds: list[dict[str, Any]] = []
        if "channel" in row:
            ch = row["channel"]
            if isinstance(ch, list):
                conds.append(
                    {"any": [{"name": "channel", "operator": "equal_to", "value": c} for c in ch]}
                )
            else:
                conds.append({"name": "channel", "operator": "equal_to", "value": ch})
        if "kws" in row:
            conds.append(
                {
                    "name": "words",
                    "operator": "shares_at_least_one_element_with",
                    "value": row["kws"],
                }
            )
        if "vip" in row:
            conds.append({"name": "vip", "operator": "is_true", "value": True})
        if "min_ltv" in row:
            conds.append(
                {"name": "ltv", "operator": "greater_than_or_equal_to", "value": row["min_ltv"]}
            )
        if "tier" in row:
            conds.append({"name": "tier", "operator": "equal_to", "value": row["tier"]})
        out.append(
            {
                "conditions": {"all": conds},
                "actions": [{"name": "route", "params": {"rule_id": row["id"]}}],
            }
        )
    return out

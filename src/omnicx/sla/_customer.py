"""The customer facts SLA policies test (``customer.vip``, ``customer.tier``...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omnicx.model import Customer


def customer_facts(customer: Customer) -> Mapping[str, Any]:
    """The facts of ``customer`` that SLA policy conditions see.

    Every attribute, with the customer's ``vip``, ``tier`` and ``language``
    fields over attributes of the same name (the fields are what routing sees
    too, so both engines judge one customer alike).
    """
    facts: dict[str, Any] = dict(customer.attributes)
    facts.update(vip=customer.vip, tier=customer.tier, language=customer.language)
    return facts

"""Test helpers for hosts and for omnicx itself: public API, like ``structlog.testing``.

- ``AdapterContract`` and ``StoreContract``: contract suites to subclass for
  your own channel adapter or store;
- ``assert_routes``: assert a routing decision, failing with the explain trace;
- ``shopify_samples``, ``stripe_samples``: signed sample webhooks of every
  commerce topic and event type omnicx parses;
- ``final_state``: a desk's outcome as an id-independent ``FinalState``, to
  compare two runs of one stream (in order and shuffled, one worker and many);
- ``omnicx.testing.strategies``: hypothesis strategies for every model type;
- ``omnicx.testing.pytest_plugin``: fixtures, loaded automatically by pytest.

Names load on first use, so the pytest plugin (which pytest imports in every
host's test run) does not pull in hypothesis or the contract suites.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnicx.testing._adapter_contract import (
        AdapterContract,
        Mutation,
        check_mutations,
        mutations,
        parse_or_refuse,
        verify_then_parse,
    )
    from omnicx.testing._commerce_samples import (
        guest_order,
        shopify_payloads,
        shopify_request,
        shopify_samples,
        stripe_event,
        stripe_objects,
        stripe_request,
        stripe_samples,
    )
    from omnicx.testing._final_state import ConversationOutcome, FinalState, final_state
    from omnicx.testing._rules import assert_routes
    from omnicx.testing._store_contract import StoreContract
    from omnicx.testing._voice_samples import (
        call_status,
        incoming_call,
        recording_status,
        transcription,
        voice_request,
        voice_samples,
    )

__all__ = [
    "AdapterContract",
    "ConversationOutcome",
    "FinalState",
    "Mutation",
    "StoreContract",
    "assert_routes",
    "call_status",
    "check_mutations",
    "final_state",
    "guest_order",
    "incoming_call",
    "mutations",
    "parse_or_refuse",
    "recording_status",
    "shopify_payloads",
    "shopify_request",
    "shopify_samples",
    "stripe_event",
    "stripe_objects",
    "stripe_request",
    "stripe_samples",
    "transcription",
    "verify_then_parse",
    "voice_request",
    "voice_samples",
]

_HOMES = {
    "AdapterContract": "_adapter_contract",
    # No hypothesis needed for these: benchmarks import them without the test extra.
    "parse_or_refuse": "_adapter_contract",
    "Mutation": "_mutations",
    "check_mutations": "_adapter_contract",
    "mutations": "_mutations",
    "verify_then_parse": "_adapter_contract",
    "StoreContract": "_store_contract",
    "assert_routes": "_rules",
    "ConversationOutcome": "_final_state",
    "FinalState": "_final_state",
    "final_state": "_final_state",
    "guest_order": "_commerce_samples",
    "shopify_payloads": "_commerce_samples",
    "stripe_objects": "_commerce_samples",
    "shopify_request": "_commerce_samples",
    "shopify_samples": "_commerce_samples",
    "stripe_event": "_commerce_samples",
    "stripe_request": "_commerce_samples",
    "stripe_samples": "_commerce_samples",
    "call_status": "_voice_samples",
    "incoming_call": "_voice_samples",
    "recording_status": "_voice_samples",
    "transcription": "_voice_samples",
    "voice_request": "_voice_samples",
    "voice_samples": "_voice_samples",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'omnicx.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"omnicx.testing.{home}"), name)

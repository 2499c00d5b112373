"""Test helpers for hosts and for omnicx itself: public API, like ``structlog.testing``.

``omnicx.testing.strategies`` holds hypothesis strategies for every public
model type (it needs the ``test`` extra). Later modules add contract suites
for stores and channel adapters, and rule assertions.
"""

from omnicx.testing._adapter_contract import AdapterContract, SignedRequest, parse_or_refuse
from omnicx.testing._rules import assert_routes
from omnicx.testing._store_contract import StoreContract

__all__ = [
    "AdapterContract",
    "SignedRequest",
    "StoreContract",
    "assert_routes",
    "parse_or_refuse",
]

"""Test helpers for hosts and for omnicx itself: public API, like ``structlog.testing``.

``omnicx.testing.strategies`` holds hypothesis strategies for every public
model type (it needs the ``test`` extra). Later modules add contract suites
for stores and channel adapters, and rule assertions.
"""

__all__: list[str] = []

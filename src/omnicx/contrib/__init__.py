"""Integrations of omnicx with host frameworks, each behind its own extra."""

__all__: list[str] = []

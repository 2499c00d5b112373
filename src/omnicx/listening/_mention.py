"""A mention the host fetched or received, from any network."""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx.errors import ValidationError

__all__ = ["Mention"]


def _aware(instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError.single(attribute.name, "naive datetime; pass a timezone-aware one")


def _not_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValidationError.single(attribute.name, "must not be empty")


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValidationError.single(attribute.name, "must not be negative")


@attrs.frozen(kw_only=True)
class Mention:
    """One public post that mentions something: a post, comment, reply or quote.

    ``id`` is the network's id, unique within ``network``; ``reach`` is the
    audience the host measures (the author's followers, or impressions);
    ``sentiment`` is a score in [-1, 1] when the host classified the text
    itself, otherwise the listener's classifier scores it.
    ``expects_answer`` marks a post that asks the brand something (a
    question or complaint addressed to it; the host's rule or a routing
    decision sets it), and ``answered_at`` when the brand first answered
    it in public or private, for ``responses``.
    """

    id: str = attrs.field(validator=_not_empty)
    network: str = attrs.field(validator=_not_empty)
    text: str
    at: datetime = attrs.field(validator=_aware)
    language: str | None = None
    author: str = ""
    reach: int = attrs.field(default=0, validator=_not_negative)
    sentiment: float | None = None
    expects_answer: bool = False
    answered_at: datetime | None = attrs.field(default=None)

    @answered_at.validator
    def _answered_after(
        self, attribute: attrs.Attribute[datetime | None], value: datetime | None
    ) -> None:
        if value is None:
            return
        _aware(self, attribute, value)  # type: ignore[arg-type]
        if value < self.at:
            raise ValidationError.single("answered_at", "is before the mention was posted (at)")

    @property
    def key(self) -> str:
        """The mention's identity across networks: ``network:id``."""
        return f"{self.network}:{self.id}"

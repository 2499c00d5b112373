"""Reports per topic and period: volume, reach, sentiment share, share of voice, top themes."""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import ValidationError
from omnicx.listening._listener import Listener
from omnicx.listening._query import atoms_of
from omnicx.listening._series import Bucket, bucket_start

__all__ = ["Theme", "TopicReport", "report"]


@attrs.frozen(kw_only=True)
class Theme:
    """A term or hashtag and the mentions of the period it appeared in (as far as each bucket's top terms tell)."""

    token: str
    mentions: int


@attrs.frozen(kw_only=True)
class TopicReport:
    """One topic over one period of closed buckets.

    ``share_of_voice`` is this topic's volume over the volume of its group:
    a brand topic and every topic that is ``competitor_of`` it (for a
    competitor, its brand's group); None when the group had no mention.
    """

    topic: str
    start: datetime
    end: datetime
    buckets: int
    volume: int
    reach: int
    negative: int
    positive: int
    neutral: int
    mean_sentiment: float
    share_of_voice: float | None
    themes: tuple[Theme, ...] = attrs.field(converter=frozen_seq)

    @property
    def negative_share(self) -> float:
        """Negative mentions over all mentions (0 for an empty period)."""
        return self.negative / self.volume if self.volume else 0.0

    @property
    def positive_share(self) -> float:
        """Positive mentions over all mentions (0 for an empty period)."""
        return self.positive / self.volume if self.volume else 0.0


def _in(listener: Listener, topic_id: str, first: int, last: int) -> list[Bucket]:
    return [b for b in listener.series(topic_id).history if first <= b.index < last]


def report(
    listener: Listener, topic_id: str, start: datetime, end: datetime, *, themes: int = 10
) -> TopicReport:
    """Report on ``topic_id`` over the closed buckets that start in [``start``, ``end``).

    Periods older than the listener's ``history`` come out empty: store the
    reports you need to keep.

    Raises:
        ValidationError: for an unknown topic, naive datetimes or an end before the start.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError.single(
            "start" if start.tzinfo is None else "end", "naive datetime; pass a timezone-aware one"
        )
    if end < start:
        raise ValidationError.single("end", "the period ends before it starts")
    topic = listener.topics.topic(topic_id)
    minutes = listener.topics.bucket_minutes
    width = minutes * 60
    first = -(-int(start.timestamp()) // width)
    last = -(-int(end.timestamp()) // width)
    buckets = _in(listener, topic_id, first, last)
    volume = sum(b.count for b in buckets)
    negative = sum(b.negative for b in buckets)
    positive = sum(b.positive for b in buckets)
    # The topic's own words are in every mention of it: they are no theme.
    own = atoms_of(topic.query)
    counts: dict[str, int] = {}
    for b in buckets:
        for token, n in b.terms.items():
            if token not in own:
                counts[token] = counts.get(token, 0) + n
    brand = topic.competitor_of or topic.id
    group = [brand, *listener.topics.competitors(brand)]
    group_volume = sum(b.count for t in group for b in _in(listener, t, first, last))
    return TopicReport(
        topic=topic_id,
        start=bucket_start(first, minutes),
        end=bucket_start(last, minutes),
        buckets=len(buckets),
        volume=volume,
        reach=sum(b.reach for b in buckets),
        negative=negative,
        positive=positive,
        neutral=volume - negative - positive,
        mean_sentiment=sum(b.sentiment_milli for b in buckets) / 1000 / volume if volume else 0.0,
        share_of_voice=volume / group_volume if group_volume else None,
        themes=[
            Theme(token=t, mentions=n)
            for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:themes]
        ],
    )

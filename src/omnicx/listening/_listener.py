"""The listener: feed mentions, get alerts; snapshot, resume and merge its state."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any

import attrs

from omnicx.errors import ConflictError, ValidationError
from omnicx.listening._alerts import Alert
from omnicx.listening._baseline import Knobs
from omnicx.listening._match import Matcher
from omnicx.listening._mention import Mention
from omnicx.listening._series import TopicSeries, bucket_start
from omnicx.listening._state import STATE_FORMAT, STATE_VERSION, ListeningState
from omnicx.listening._text import tokens_of
from omnicx.listening._topics import TopicSet
from omnicx.routing import SentimentClassifier, SocialSentiment

__all__ = ["Listener", "merge_states"]

_AT = attrgetter("at")

# Words too common to be a theme (English, Spanish, Portuguese, German).
_STOPWORDS = frozenset(
    """
    the and for are but not you your with this that have has was were will just from they them
    what when where who how all any can our out its been into than then there their about
    would could should why get got one like more some very too also only now please thanks
    los las que por con una para del como pero mas este esta esto muy
    nao uma com isso esse essa
    und der die das ist nicht ich ein eine mit auf den dem des von sie wir ihr
    """.split()  # noqa: SIM905 - a word list reads better as words
)


@attrs.define
class Listener:
    """Tracks a topic set over a stream of mentions.

    Feed mentions in time order (each ``feed`` call sorts its own batch);
    buckets close when a later one starts, or when ``advance(now)`` passes
    their end. A mention older than the open bucket is ``late``: counted,
    not tallied. A mention fed twice in the open bucket counts once.
    """

    topics: TopicSet
    classifier: SentimentClassifier = attrs.field(factory=SocialSentiment)
    history: int = 7 * 24
    knobs: Knobs = attrs.field(factory=Knobs)
    _matcher: Matcher = attrs.field(init=False)
    _series: list[TopicSeries] = attrs.field(init=False)
    _open: int | None = attrs.field(init=False, default=None)
    _stream: int = attrs.field(init=False, default=0)
    _seen: set[str] = attrs.field(init=False, factory=set)
    _late_closed: int = attrs.field(init=False, default=0)
    _late_open: int = attrs.field(init=False, default=0)

    def __attrs_post_init__(self) -> None:
        self._matcher = Matcher.compile(self.topics.topics)
        self._series = [
            TopicSeries.new(t, self.topics.bucket_minutes, self.history, self.knobs)
            for t in self.topics.topics
        ]

    @classmethod
    def resume(
        cls,
        topics: TopicSet,
        state: ListeningState,
        *,
        classifier: SentimentClassifier | None = None,
        history: int = 7 * 24,
        knobs: Knobs | None = None,
    ) -> Listener:
        """A listener that carries on from ``state``.

        Topics new to the state start empty; topics the state knows and the
        set no longer has are dropped.

        Raises:
            ValidationError: if ``state`` was kept with another bucket width.
        """
        listener = cls(
            topics,
            classifier=classifier or SocialSentiment(),
            history=history,
            knobs=knobs or Knobs(),
        )
        data = state.data()
        if data["bucket_minutes"] != topics.bucket_minutes:
            raise ValidationError.single(
                "bucket_minutes",
                f"the state has {data['bucket_minutes']}-minute buckets and the topics "
                f"{topics.bucket_minutes}-minute ones; keep one width or start a new state",
            )
        listener._open = data["open"]
        listener._stream = data["stream"]
        listener._seen = set(data["seen"])
        listener._late_closed, listener._late_open = data["late"]
        stored = data["topics"]
        for i, topic in enumerate(topics.topics):
            if topic.id in stored:
                listener._series[i] = TopicSeries.from_data(
                    topic, topics.bucket_minutes, history, listener.knobs, stored[topic.id]
                )
        return listener

    def snapshot(self) -> ListeningState:
        """The listener's state as a value to store."""
        return ListeningState.of(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "bucket_minutes": self.topics.bucket_minutes,
            "open": self._open,
            "stream": self._stream,
            "seen": sorted(self._seen),
            # Late mentions seen while the open bucket was open add up when
            # workers merge; those of closed buckets are shared history.
            "late": [self._late_closed, self._late_open],
            "topics": {s.topic.id: s.to_data() for s in self._series},
        }

    @property
    def late(self) -> int:
        """Mentions left out because their bucket had closed when they came."""
        return self._late_closed + self._late_open

    @property
    def open_bucket(self) -> datetime | None:
        """The start of the bucket mentions are being counted into, if any."""
        return None if self._open is None else bucket_start(self._open, self.topics.bucket_minutes)

    def feed(self, mentions: Iterable[Mention]) -> tuple[Alert, ...]:
        """Count ``mentions``; return the alerts of the buckets they closed."""
        width = self.topics.bucket_minutes * 60
        alerts: list[Alert] = []
        match = self._matcher.match
        series = self._series
        score = self.classifier.score
        # The default classifier reuses the words cut for matching (ASCII text).
        social = self.classifier if isinstance(self.classifier, SocialSentiment) else None
        for mention in sorted(mentions, key=_AT):
            index = math.floor(mention.at.timestamp() / width)
            if self._open is None:
                self._open = index
            elif index < self._open:
                self._late_open += 1
                continue
            elif index > self._open:
                alerts.extend(self._close_to(index))
            key = mention.key
            if key in self._seen:
                continue
            self._seen.add(key)
            self._stream += 1
            tokens = tokens_of(mention.text)
            hits = match(mention, tokens)
            if not hits:
                continue
            if mention.sentiment is not None:
                sentiment = mention.sentiment
            elif social is not None:
                sentiment = social.score_words(mention.text, tokens.words)
            else:
                sentiment = score(mention.text)
            milli = round(max(-1.0, min(1.0, sentiment)) * 1000)
            themes = [t for t in tokens.written - _STOPWORDS if len(t) > 2 and t[0] != "@"]
            for i in hits:
                series[i].add(index, mention.reach, milli, themes, key)
        return tuple(alerts)

    def advance(self, now: datetime) -> tuple[Alert, ...]:
        """Close every bucket that ended at or before ``now``; return their alerts."""
        if now.tzinfo is None:
            raise ValidationError.single("now", "naive datetime; pass a timezone-aware one")
        if self._open is None:
            return ()
        index = math.floor(now.timestamp() / (self.topics.bucket_minutes * 60))
        return tuple(self._close_to(index)) if index > self._open else ()

    def _close_to(self, index: int) -> list[Alert]:
        assert self._open is not None
        alerts: list[Alert] = []
        silent = self._stream == 0
        for s in self._series:
            alerts.extend(s.close(self._open, silent))
        # The buckets between had no mention at all: silent, nothing to fold in.
        self._open = index
        self._stream = 0
        self._seen = set()
        self._late_closed += self._late_open
        self._late_open = 0
        return alerts

    def series(self, topic_id: str) -> TopicSeries:
        """The series of one topic (for reports)."""
        self.topics.topic(topic_id)
        return next(s for s in self._series if s.topic.id == topic_id)


def merge_states(first: ListeningState, second: ListeningState) -> ListeningState:
    """Combine the states of two workers that shared one stream.

    Both must have started from the same state and each been fed a disjoint
    part of the open bucket's mentions (partition by mention key), or own
    disjoint topics. The result alerts as one listener fed everything would.

    Raises:
        ConflictError: if the states closed different buckets, or both fed one mention.
    """
    a, b = first.data(), second.data()
    if a["bucket_minutes"] != b["bucket_minutes"]:
        raise ConflictError("can't merge states with different bucket widths")
    if a["open"] is not None and b["open"] is not None and a["open"] != b["open"]:
        raise ConflictError(
            "can't merge states at different open buckets; merge before either closes a bucket"
        )
    if a["late"][0] != b["late"][0]:
        raise ConflictError("can't merge states that closed different buckets")
    if set(a["seen"]) & set(b["seen"]):
        raise ConflictError("can't merge states that both counted the same mention")
    topics = dict(a["topics"])
    for topic_id, theirs in b["topics"].items():
        ours = topics.get(topic_id)
        if ours is None:
            topics[topic_id] = theirs
            continue
        if {k: v for k, v in ours.items() if k != "open"} != {
            k: v for k, v in theirs.items() if k != "open"
        }:
            raise ConflictError(
                f"can't merge topic {topic_id!r}: the two states closed different buckets"
            )
        topics[topic_id] = dict(ours, open=_add_open(ours["open"], theirs["open"]))
    merged = dict(
        a,
        open=a["open"] if a["open"] is not None else b["open"],
        stream=a["stream"] + b["stream"],
        seen=sorted(set(a["seen"]) | set(b["seen"])),
        late=[a["late"][0], a["late"][1] + b["late"][1]],
        topics=topics,
    )
    return ListeningState.of(merged)


def _add_open(ours: Any, theirs: Any) -> Any:
    from omnicx.listening._series import Bucket

    if ours is None or theirs is None:
        return ours if theirs is None else theirs
    bucket = Bucket.from_data(ours)
    bucket.absorb(Bucket.from_data(theirs))
    return bucket.to_data()

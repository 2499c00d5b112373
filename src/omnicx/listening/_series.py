"""One topic's series: the open bucket's tallies, the closed recent window, baselines, cooldowns.

Memory is bounded by the topic's settings, never by the number of mentions:
the open bucket keeps counts, its distinct theme tokens and its top posts;
closed buckets keep ``TOP_TERMS`` tokens and ``TOP_POSTS`` posts each, the
recent window as many buckets as the longest alert window, the report
history ``history`` buckets of ``HISTORY_TERMS`` tokens each, and the term profile at most ``PROFILE_SIZE``
tokens. Every tally is an integer, so two partial open buckets add up
exactly and a merged state alerts as one run does.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter, deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, TypeVar

import attrs

from omnicx.listening._alerts import THRESHOLDS, Alert, Driver
from omnicx.listening._baseline import Knobs, SeasonalBaseline, expected_count
from omnicx.listening._query import atoms_of
from omnicx.listening._topics import AlertKind, AlertRule, Topic

__all__ = ["Bucket", "TopicSeries"]

TOP_TERMS = 50
HISTORY_TERMS = 10
TOP_POSTS = 5
PROFILE_SIZE = 300
SENTIMENT_DECAY = 0.98
PROFILE_DECAY = 0.97
OVERDISPERSION = 0.03
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_N = TypeVar("_N", int, float)
_COUNT = itemgetter(1)


def _by_count_then_token(items: list[tuple[str, _N]]) -> list[tuple[str, _N]]:
    """``items`` (distinct tokens) by count, largest first, then by token; no Python key call.

    Sorted by token, then by count, largest first: the second sort is
    stable (``reverse`` keeps it so), so equal counts stay in token order.
    """
    items.sort()
    items.sort(key=_COUNT, reverse=True)
    return items


def _top(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` largest counts, ties broken by token, whatever the dict's order."""
    if len(counts) <= n:
        return _by_count_then_token(list(counts.items()))
    # Sorting every item is what closing a bucket costs most: find the n-th
    # count first (heapq on plain ints), then sort only what is above it.
    least = heapq.nlargest(n, counts.values())[-1]
    above = _by_count_then_token([(k, v) for k, v in counts.items() if v > least])
    ties = sorted([k for k, v in counts.items() if v == least])
    return above + [(k, least) for k in ties[: n - len(above)]]


def _by_reach(post: list[Any]) -> tuple[int, str]:
    return -post[0], post[1]


def _top_posts(posts: list[list[Any]]) -> list[list[Any]]:
    return sorted(posts, key=_by_reach)[:TOP_POSTS]


@attrs.define
class Bucket:
    """The tallies of one bucket of one topic (open, or closed and trimmed)."""

    index: int
    count: int = 0
    reach: int = 0
    negative: int = 0
    positive: int = 0
    sentiment_milli: int = 0
    terms: Counter[str] = attrs.Factory(Counter)
    posts: list[list[Any]] = attrs.Factory(list)  # [reach, mention key]

    def add(self, reach: int, sentiment_milli: int, themes: Iterable[str], key: str) -> None:
        """Count one mention (``themes``: its distinct theme tokens)."""
        self.count += 1
        self.reach += reach
        self.sentiment_milli += sentiment_milli
        if sentiment_milli <= -50:
            self.negative += 1
        elif sentiment_milli >= 50:
            self.positive += 1
        self.terms.update(themes)
        posts = self.posts
        if len(posts) < TOP_POSTS or reach >= posts[-1][0]:
            bisect.insort(posts, [reach, key], key=_by_reach)
            del posts[TOP_POSTS:]

    def absorb(self, other: Bucket) -> None:
        """Add ``other``'s tallies (another worker's share of the same open bucket)."""
        self.count += other.count
        self.reach += other.reach
        self.negative += other.negative
        self.positive += other.positive
        self.sentiment_milli += other.sentiment_milli
        self.terms.update(other.terms)
        self.posts = _top_posts(self.posts + other.posts)

    def trimmed(self, terms: int = TOP_TERMS) -> Bucket:
        """A copy keeping only the top ``terms`` terms: what a closed bucket remembers."""
        return self.with_terms(_top(self.terms, terms))

    def with_terms(self, top: list[tuple[str, int]]) -> Bucket:
        """A copy whose terms are ``top`` (``_top``'s answer for this bucket)."""
        return Bucket(
            self.index,
            self.count,
            self.reach,
            self.negative,
            self.positive,
            self.sentiment_milli,
            Counter(dict(top)),
            [list(p) for p in self.posts],
        )

    def to_data(self) -> list[Any]:
        """JSON-ready data (terms in a fixed order, so equal buckets serialise equally)."""
        return [
            self.index,
            self.count,
            self.reach,
            self.negative,
            self.positive,
            self.sentiment_milli,
            _top(self.terms, len(self.terms)),
            _top_posts(self.posts),
        ]

    @classmethod
    def from_data(cls, data: list[Any]) -> Bucket:
        """Rebuild from ``to_data``'s output."""
        index, count, reach, neg, pos, milli, terms, posts = data
        return cls(
            int(index),
            int(count),
            int(reach),
            int(neg),
            int(pos),
            int(milli),
            Counter({str(k): int(v) for k, v in terms}),
            [[int(r), str(k)] for r, k in posts],
        )


def bucket_start(index: int, minutes: int) -> datetime:
    """The start of bucket ``index`` of width ``minutes``."""
    return _EPOCH + timedelta(minutes=index * minutes)


@attrs.define
class TopicSeries:
    """The mutable series state of one topic."""

    topic: Topic
    minutes: int
    history_size: int
    knobs: Knobs
    baseline: SeasonalBaseline
    open: Bucket | None = None
    recent: deque[tuple[Bucket, float, float]] = attrs.Factory(deque)  # bucket, expected, residual
    history: deque[Bucket] = attrs.Factory(deque)
    neg_ewma: float = 0.0
    total_ewma: float = 0.0
    profile: dict[str, float] = attrs.Factory(dict)
    profile_scale: float = 1.0
    quiet_until: list[int] = attrs.Factory(list)

    @classmethod
    def new(cls, topic: Topic, minutes: int, history_size: int, knobs: Knobs) -> TopicSeries:
        """An empty series for ``topic``."""
        return cls(
            topic=topic,
            minutes=minutes,
            history_size=history_size,
            knobs=knobs,
            baseline=SeasonalBaseline(day_slots=1440 // minutes),
            quiet_until=[-1] * len(topic.alerts),
        )

    @property
    def window_size(self) -> int:
        """The longest alert window, in buckets."""
        return max((rule.window for rule in self.topic.alerts), default=1)

    @property
    def warmup(self) -> int:
        """Buckets of data before any alert: one day."""
        return self.baseline.day_slots

    def add(self, index: int, reach: int, milli: int, themes: Iterable[str], key: str) -> None:
        """Count one mention in the open bucket ``index``."""
        if self.open is None:
            self.open = Bucket(index)
        self.open.add(reach, milli, themes, key)

    def close(self, index: int, silent: bool) -> list[Alert]:
        """Close bucket ``index``: fold it into the baselines and test every alert rule.

        A ``silent`` bucket (the whole stream had nothing in it: a collection
        outage, not a quiet topic) is skipped, so it neither alerts nor drags
        the baseline down.
        """
        bucket = self.open if self.open is not None else Bucket(index)
        self.open = None
        if silent:
            return []
        expected = expected_count(self.baseline.forecast(index))
        sigma = self.baseline.sigma
        warm = self.baseline.n >= self.warmup
        residual = self.baseline.update(index, bucket.count, self.knobs)
        top = _top(bucket.terms, TOP_TERMS)
        closed = bucket.with_terms(top)
        self.recent.append((closed, expected, residual / sigma))
        while len(self.recent) > self.window_size:
            self.recent.popleft()
        alerts = []
        if warm:
            for i, rule in enumerate(self.topic.alerts):
                if index <= self.quiet_until[i]:
                    continue
                alert = self._test(i, rule, index)
                if alert is not None:
                    self.quiet_until[i] = index + rule.cooldown
                    alerts.append(alert)
        self._learn(closed, top)
        return alerts

    def _learn(self, closed: Bucket, top: list[tuple[str, int]]) -> None:
        self.neg_ewma = SENTIMENT_DECAY * self.neg_ewma + closed.negative
        self.total_ewma = SENTIMENT_DECAY * self.total_ewma + closed.count
        # ``top`` is in ``_top``'s order, so its head is the bucket's top few.
        self.history.append(closed.with_terms(top[:HISTORY_TERMS]))
        while len(self.history) > self.history_size:
            self.history.popleft()
        # Decay without touching every entry: later additions weigh more instead.
        self.profile_scale /= PROFILE_DECAY
        if self.profile_scale > 1e12:
            self.profile = {k: v / self.profile_scale for k, v in self.profile.items()}
            self.profile_scale = 1.0
        profile, scale = self.profile, self.profile_scale
        get = profile.get
        for token, n in closed.terms.items():
            profile[token] = get(token, 0.0) + n * scale
        if len(self.profile) > 2 * PROFILE_SIZE:
            kept = _by_count_then_token(list(self.profile.items()))[:PROFILE_SIZE]
            self.profile = dict(kept)

    def _window(self, rule: AlertRule) -> list[tuple[Bucket, float, float]]:
        return list(self.recent)[-rule.window :]

    def _test(self, i: int, rule: AlertRule, index: int) -> Alert | None:
        window = self._window(rule)
        volume = sum(b.count for b, _, _ in window)
        if volume < rule.min_volume:
            return None
        threshold = THRESHOLDS[rule.sensitivity]
        if rule.kind is AlertKind.VOLUME_SPIKE:
            expected = sum(e for _, e, _ in window)
            score = sum(z for _, _, z in window) / math.sqrt(len(window))
            if score < threshold.z or volume < threshold.ratio * expected:
                return None
            return self._alert(i, rule, window, float(volume), expected, score, threshold.z, volume)
        negative = sum(b.negative for b, _, _ in window)
        share = negative / volume
        base = (self.neg_ewma + 1.0) / (self.total_ewma + 2.0)
        spread = math.sqrt(base * (1.0 - base) / volume + OVERDISPERSION**2)
        score = (share - base) / spread
        if rule.negative_floor is not None and share >= rule.negative_floor:
            return self._alert(
                i, rule, window, share, base, score, rule.negative_floor, volume, by_floor=True
            )
        if score < threshold.z or share - base < threshold.rise:
            return None
        return self._alert(i, rule, window, share, base, score, threshold.z, volume)

    def _alert(
        self,
        i: int,
        rule: AlertRule,
        window: list[tuple[Bucket, float, float]],
        observed: float,
        expected: float,
        score: float,
        threshold: float,
        volume: int,
        *,
        by_floor: bool = False,
    ) -> Alert:
        # The topic's own words are in every mention of it: they drive nothing.
        own = atoms_of(self.topic.query)
        counts: dict[str, int] = {}
        posts: list[list[Any]] = []
        for bucket, _, _ in window:
            for token, n in bucket.terms.items():
                if token not in own:
                    counts[token] = counts.get(token, 0) + n
            posts.extend(bucket.posts)
        total = sum(counts.values()) or 1
        mass = math.fsum(self.profile.values()) or 1.0
        drivers = sorted(
            (
                Driver(token=t, observed=n, expected=total * self.profile.get(t, 0.0) / mass)
                for t, n in counts.items()
            ),
            key=lambda d: (-(d.observed - d.expected), d.token),
        )
        first = window[0][0].index
        last = window[-1][0].index
        return Alert(
            topic=self.topic.id,
            kind=rule.kind,
            rule=i,
            sensitivity=rule.sensitivity,
            start=bucket_start(first, self.minutes),
            end=bucket_start(last + 1, self.minutes),
            observed=observed,
            expected=expected,
            score=score,
            threshold=threshold,
            volume=volume,
            by_floor=by_floor,
            terms=[d for d in drivers if not d.token.startswith("#")][:5],
            hashtags=[d for d in drivers if d.token.startswith("#")][:5],
            posts=[k for _, k in _top_posts(posts)],
        )

    def to_data(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "baseline": self.baseline.to_data(),
            "open": None if self.open is None else self.open.to_data(),
            "recent": [[b.to_data(), e, z] for b, e, z in self.recent],
            "history": [b.to_data() for b in self.history],
            "neg_ewma": self.neg_ewma,
            "total_ewma": self.total_ewma,
            "profile": sorted([k, v] for k, v in self.profile.items()),
            "profile_scale": self.profile_scale,
            "quiet_until": list(self.quiet_until),
        }

    @classmethod
    def from_data(
        cls, topic: Topic, minutes: int, history_size: int, knobs: Knobs, data: dict[str, Any]
    ) -> TopicSeries:
        """Rebuild from ``to_data``'s output (alert rules added since start cold)."""
        quiet = [int(q) for q in data["quiet_until"]][: len(topic.alerts)]
        quiet += [-1] * (len(topic.alerts) - len(quiet))
        return cls(
            topic=topic,
            minutes=minutes,
            history_size=history_size,
            knobs=knobs,
            baseline=SeasonalBaseline.from_data(1440 // minutes, data["baseline"]),
            open=None if data["open"] is None else Bucket.from_data(data["open"]),
            recent=deque((Bucket.from_data(b), float(e), float(z)) for b, e, z in data["recent"]),
            history=deque(Bucket.from_data(b) for b in data["history"]),
            neg_ewma=float(data["neg_ewma"]),
            total_ewma=float(data["total_ewma"]),
            profile={str(k): float(v) for k, v in data["profile"]},
            profile_scale=float(data["profile_scale"]),
            quiet_until=quiet,
        )

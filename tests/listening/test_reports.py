"""Reports: volume, sentiment share, share of voice and themes per topic and period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.listening.streams import START, TOPICS

from omnicx.errors import ValidationError
from omnicx.listening import Listener, Mention, report


def fed() -> Listener:
    listener = Listener(TOPICS)
    texts = [
        ("acme app is great", 0.9),
        ("acme app crashed", -0.7),
        ("acme delivery late #slow", -0.4),
        ("acme", 0.0),
        ("globex rocks", 0.5),
    ]
    mentions = [
        Mention(
            id=f"{hour}-{i}",
            network="x",
            text=text,
            at=START + timedelta(hours=hour, minutes=i),
            reach=100 * (i + 1),
            sentiment=score,
        )
        for hour in range(3)
        for i, (text, score) in enumerate(texts)
    ]
    listener.feed(mentions)
    listener.advance(START + timedelta(hours=3))
    return listener


def test_a_report_adds_up_the_period() -> None:
    summary = report(fed(), "acme", START, START + timedelta(hours=2))
    assert (summary.start, summary.end, summary.buckets) == (START, START + timedelta(hours=2), 2)
    assert (summary.volume, summary.reach) == (8, 2 * (100 + 200 + 300 + 400))
    assert (summary.negative, summary.positive, summary.neutral) == (4, 2, 2)
    assert (summary.negative_share, summary.positive_share) == (0.5, 0.25)
    assert summary.mean_sentiment == pytest.approx((0.9 - 0.7 - 0.4) / 4)
    # acme has 4 of the 5 mentions of its group (acme and its competitor globex).
    assert summary.share_of_voice == 0.8
    assert report(fed(), "globex", START, START + timedelta(hours=2)).share_of_voice == 0.2
    # The topic's own words are left out of its themes.
    assert [(t.token, t.mentions) for t in summary.themes[:2]] == [("app", 4), ("#slow", 2)]


def test_an_empty_period_and_bad_periods() -> None:
    listener = fed()
    empty = report(listener, "acme", START + timedelta(days=3), START + timedelta(days=4))
    assert (empty.volume, empty.negative_share, empty.share_of_voice, empty.themes) == (
        0,
        0.0,
        None,
        (),
    )
    with pytest.raises(ValidationError, match="end: the period ends before it starts"):
        report(listener, "acme", START + timedelta(hours=1), START)
    with pytest.raises(ValidationError, match="unknown topic 'acm'"):
        report(listener, "acm", START, START)
    with pytest.raises(ValidationError, match="start: naive datetime"):
        report(listener, "acme", START.replace(tzinfo=None), START)

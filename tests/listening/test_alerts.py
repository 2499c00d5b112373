"""Spike and dip alerts: when they fire, what they say, cooldowns, silences and sensitivity."""

from __future__ import annotations

from datetime import timedelta

from tests.listening.streams import START, TOPICS, stream

from omnicx.listening import AlertKind, Listener, Mention, load_topics


def run(listener: Listener, mentions: list[Mention], hours: int) -> list:
    alerts = list(listener.feed(mentions))
    alerts += listener.advance(START + timedelta(hours=hours + 1))
    return alerts


def test_a_calm_stream_raises_no_alert() -> None:
    assert run(Listener(TOPICS), list(stream(24 * 10)), 24 * 10) == []


def test_a_burst_fires_a_spike_that_says_why() -> None:
    burst_at = 24 * 8 + 14
    alerts = run(Listener(TOPICS), list(stream(24 * 10, burst_at=burst_at)), 24 * 10)
    spike = next(a for a in alerts if a.topic == "acme" and a.rule == 0)
    assert spike.kind is AlertKind.VOLUME_SPIKE
    assert spike.start == START + timedelta(hours=burst_at)
    assert spike.end == spike.start + timedelta(hours=1)
    assert spike.observed > 150
    assert spike.expected < 30
    assert spike.score >= spike.threshold == 4.0
    assert [d.token for d in spike.terms[:3]] == ["again", "down", "outage"]
    assert [d.token for d in spike.hashtags] == ["#acmedown"]
    assert spike.terms[0].observed == 150
    assert spike.terms[0].expected < 1
    assert len(spike.posts) == 5
    assert all(p.startswith(("x:", "instagram:")) for p in spike.posts)
    assert spike.reason.startswith("acme: ")
    assert "mentions against" in spike.reason
    assert "driven by again, down, outage" in spike.reason
    # The narrower topic alerts too, and the negative share dips on acme.
    assert {(a.topic, a.kind) for a in alerts} == {
        ("acme", AlertKind.VOLUME_SPIKE),
        ("acme", AlertKind.SENTIMENT_DIP),
        ("outage", AlertKind.VOLUME_SPIKE),
    }
    dip = next(a for a in alerts if a.kind is AlertKind.SENTIMENT_DIP)
    assert dip.observed > 0.5 > dip.expected
    assert not dip.by_floor
    assert "negative share" in dip.reason


def test_a_cooldown_holds_back_the_next_alert_of_the_same_rule() -> None:
    burst_at = 24 * 8 + 10
    mentions = list(stream(24 * 10, burst_at=burst_at))
    mentions += list(stream(24 * 10, seed=9, burst_at=burst_at + 2, base=0))
    keyed = [
        Mention(id=f"{i}", network=m.network, text=m.text, at=m.at, reach=m.reach)
        for i, m in enumerate(mentions)
    ]
    fired = [a for a in run(Listener(TOPICS), keyed, 24 * 10) if a.topic == "acme" and a.rule == 0]
    # Two bursts two hours apart: the 6-hour cooldown lets only the first through.
    assert [a.start for a in fired] == [START + timedelta(hours=burst_at)]


def test_strict_needs_more_than_sensitive() -> None:
    data = {
        "topics": [
            {
                "id": s,
                "query": "acme",
                "alerts": [{"kind": "volume_spike", "sensitivity": s}],
            }
            for s in ("sensitive", "balanced", "strict")
        ]
    }
    topics = load_topics(data)

    def fired(burst: int) -> set[str]:
        mentions = list(stream(24 * 10, burst_at=24 * 8 + 3, burst=burst))
        return {a.topic for a in run(Listener(topics), mentions, 24 * 10)}

    assert fired(10) == set()
    assert fired(18) == {"sensitive"}
    assert fired(22) == {"sensitive", "balanced"}
    assert fired(30) == {"sensitive", "balanced", "strict"}


def test_a_silent_stream_is_a_gap_not_a_dip_and_no_spike_follows() -> None:
    silent = range(24 * 8, 24 * 8 + 12)
    alerts = run(Listener(TOPICS), list(stream(24 * 10, silent=silent)), 24 * 10)
    assert alerts == []


def test_steady_growth_is_followed_not_alerted() -> None:
    mentions = []
    n = 0
    for day in range(21):
        for hour in range(24):
            for _ in range(10 + day * 2):  # +20% a day at the start, the baseline keeps up
                n += 1
                at = START + timedelta(days=day, hours=hour, minutes=n % 60)
                mentions.append(Mention(id=str(n), network="x", text="acme app", at=at))
    topics = load_topics(
        {"topics": [{"id": "acme", "query": "acme", "alerts": [{"kind": "volume_spike"}]}]}
    )
    assert run(Listener(topics), mentions, 21 * 24) == []


def test_a_negative_floor_alerts_whatever_the_baseline() -> None:
    topics = load_topics(
        {
            "topics": [
                {
                    "id": "acme",
                    "query": "acme",
                    "alerts": [{"kind": "sentiment_dip", "negative_floor": 0.3, "min_volume": 5}],
                }
            ]
        }
    )
    mentions = [
        Mention(
            id=str(i),
            network="x",
            text="acme",
            at=START + timedelta(hours=i // 10, minutes=i % 10),
            sentiment=-0.8 if i % 10 < 4 else 0.5,  # the host's own classifier
        )
        for i in range(10 * 30)
    ]
    alerts = run(Listener(topics), mentions, 30)
    assert alerts
    assert all(a.by_floor and a.observed == 0.4 for a in alerts)
    assert alerts[0].start == START + timedelta(hours=24)  # after a day of warm-up
    assert "reached the floor 30%" in alerts[0].reason


class Grumpy:
    """A classifier that finds everything about the app negative."""

    def score(self, text: str) -> float:
        return -1.0 if "app" in text else 0.0


def test_the_classifier_is_pluggable() -> None:
    listener = Listener(TOPICS, classifier=Grumpy())
    listener.feed(stream(30))
    listener.advance(START + timedelta(hours=31))
    negative = sum(b.negative for b in listener.series("acme").history)
    apps = sum(1 for m in stream(30) if "app" in m.text)
    assert negative == apps > 0


def test_late_and_repeated_mentions() -> None:
    listener = Listener(TOPICS)
    first = Mention(id="1", network="x", text="acme", at=START + timedelta(hours=2))
    listener.feed([first, first])
    listener.feed([Mention(id="2", network="x", text="acme", at=START + timedelta(hours=3))])
    listener.feed([Mention(id="3", network="x", text="acme", at=START + timedelta(hours=1))])
    listener.advance(START + timedelta(hours=4))
    assert listener.late == 1
    assert [b.count for b in listener.series("acme").history] == [1, 1]
    assert listener.open_bucket == START + timedelta(hours=4)

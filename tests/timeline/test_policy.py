"""Loading a ThreadingPolicy from data, and subject normalisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import Channel
from omnicx.timeline import ThreadingPolicy, normalize_subject, reply_subject


def test_defaults_and_overrides() -> None:
    """Missing knobs keep defaults; per-channel hours and separate channels apply."""
    policy = ThreadingPolicy.from_dict(
        {
            "continuity_hours": 12,
            "channel_continuity_hours": {"sms": 2, "email": 0},
            "separate_channels": ["voice"],
            "subject_window_hours": 48,
            "reopen_days": 3.5,
        }
    )
    assert policy.continuity(Channel.CHAT) == timedelta(hours=12)
    assert policy.continuity(Channel.SMS) == timedelta(hours=2)
    assert policy.continuity(Channel.EMAIL) is None
    assert policy.continuity(Channel.VOICE) is None
    assert policy.subject_window == timedelta(hours=48)
    assert policy.reopen_window == timedelta(days=3.5)
    assert ThreadingPolicy.from_dict({}) == ThreadingPolicy()


def test_every_problem_is_reported_with_its_path() -> None:
    """All mistakes come back at once, each with its path and, for typos, a suggestion."""
    with pytest.raises(ValidationError) as info:
        ThreadingPolicy.from_dict(
            {
                "reopen_dayz": 3,
                "continuity_hours": -1,
                "subject_window_hours": True,
                "channel_continuity_hours": {"sms": "x", "Bad Name": 1},
                "separate_channels": ["voice", 7],
            }
        )
    assert str(info.value).splitlines() == [
        "reopen_dayz: unknown setting (did you mean 'reopen_days'?)",
        "continuity_hours: must be a number >= 0, got -1",
        "subject_window_hours: must be a number >= 0, got True",
        "channel_continuity_hours.sms: must be a number >= 0, got 'x'",
        "channel_continuity_hours.Bad Name: invalid channel name 'Bad Name'",
        "separate_channels[1]: invalid channel name 7",
    ]


def test_wrong_shapes() -> None:
    """A non-mapping policy, mapping or list is refused with its type."""
    with pytest.raises(ValidationError, match=r"^expected a mapping, got list$"):
        ThreadingPolicy.from_dict([])
    with pytest.raises(ValidationError) as info:
        ThreadingPolicy.from_dict({"channel_continuity_hours": [], "separate_channels": "sms"})
    assert str(info.value).splitlines() == [
        "channel_continuity_hours: expected a mapping, got list",
        "separate_channels: expected a list, got str",
    ]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Order 123", "order 123"),
        ("RE: Fwd: aw:  Order   123 ", "order 123"),
        ("SV: Re: Re: FW: order 123", "order 123"),
        ("Re[2]: Order 123", "order 123"),
        ("[Support] Re: Order 123", "order 123"),
        ("Re\uff1aOrder 123", "order 123"),
        ("Regarding order 123", "regarding order 123"),
        ("Re:", None),
        (None, None),
    ],
)
def test_normalize_subject(subject: str | None, expected: str | None) -> None:
    """Reply/forward prefixes fold away, nested and in any case; other words stay."""
    assert normalize_subject(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Order 123", "Re: Order 123"),
        ("Re: Order 123", "Re: Order 123"),
        ("RE: Fwd: AW:  Order   123 ", "Re: Order 123"),
        ("Re[3]: Order 123", "Re: Order 123"),
        ("Re\uff1aOrder 123", "Re: Order 123"),
        ("Order\r\n 123", "Re: Order 123"),
        ("Re:", None),
        (None, None),
    ],
)
def test_reply_subject(subject: str | None, expected: str | None) -> None:
    """One "Re: " however many prefixes the customer's clients stacked; case kept."""
    assert reply_subject(subject) == expected


@given(st.text(max_size=60))
def test_reply_subject_threads_with_the_original(subject: str) -> None:
    """A reply's subject normalises like the original's, and replying again changes nothing."""
    reply = reply_subject(subject)
    assert normalize_subject(reply) == normalize_subject(subject)
    assert reply_subject(reply) == reply

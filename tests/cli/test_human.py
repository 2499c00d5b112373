"""Text for people: the helpers every command prints through, and the demo they shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.cli import _human, main


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0s"),
        (45, "45s"),
        (59.6, "1m 00s"),
        (300, "5m 00s"),
        (7500, "2h 05m"),
        (86399, "23h 59m"),
        (86400 * 3 + 4 * 3600, "3d 04h"),
        (-10800, "-3h 00m"),
    ],
)
def test_durations_read_in_two_units(seconds, text) -> None:
    """Two units, the second zero-padded; overdue keeps its sign."""
    assert _human.duration(seconds) == text


def test_business_durations_stop_at_hours() -> None:
    """A business day is not 24 hours, so business time never shows days."""
    assert _human.duration(26 * 3600, days=False) == "26h 00m"
    assert _human.duration(-26 * 3600) == "-1d 02h"


def test_dates_carry_month_and_year_in_the_zone_asked() -> None:
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert _human.when(at) == "Mon 2 Mar 2026 23:30"
    assert _human.when(at, timezone(timedelta(hours=2))) == "Tue 3 Mar 2026 01:30"


@pytest.mark.parametrize(
    ("text", "width", "short"),
    [
        (
            "Hi, my order #1042 still shows as unfulfilled. Can you check?",
            30,
            "Hi, my order #1042 still…",
        ),
        ("short", 30, "short"),
        ("spaces   and\nlines", 30, "spaces and lines"),
        ("Supercalifragilistic", 8, "Superca…"),
        ("one two, three", 12, "one two…"),
    ],
)
def test_text_is_cut_at_a_word_with_an_ellipsis(text, width, short) -> None:
    assert _human.shorten(text, width) == short


@given(st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"])), st.integers(1, 60))
def test_shortened_text_fits_and_is_a_prefix(text, width) -> None:
    """Whatever the text, the result fits and, ellipsis aside, starts the flattened text."""
    short = _human.shorten(text, width)
    assert len(short) <= width
    assert " ".join(text.split()).startswith(short.removesuffix(_human.ELLIPSIS).rstrip())


def test_a_wide_table_wraps_its_text_column() -> None:
    rows = [["when", "what"], ["Mon", "word " * 40]]
    lines = _human.table(rows, wrap=1, width=40)
    assert max(len(line) for line in lines) <= 40
    assert lines[1].startswith("Mon   word")
    assert all(line.startswith("      word") for line in lines[2:])


def test_a_wide_table_without_text_stacks_its_columns_repeating_the_key() -> None:
    header = ["key", *(f"column{i}" for i in range(12))]
    rows = [header, ["a", *("1" for _ in range(12))], ["b", *("2" for _ in range(12))]]
    lines = _human.table(rows, width=40)
    assert max(len(line) for line in lines) <= 40
    parts = "\n".join(lines).split("\n\n")
    assert len(parts) == 4  # 12 columns 7-8 wide: at most 4 per 40 columns
    assert all(part.splitlines()[1].startswith("a ") for part in parts)
    columns = [name for part in parts for name in part.splitlines()[0].split()[1:]]
    assert columns == header[1:]


def test_colour_codes_take_no_width() -> None:
    painted = "\x1b[1;31mbreached\x1b[0m"
    lines = _human.table([["state", "n"], [painted, "1"], ["ok", "2"]])
    assert lines[2] == "ok        2"
    assert _human.visible(lines[1]) == len(lines[2])


def test_every_line_of_the_demo_fits_100_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo reads on an ordinary terminal: nothing wider than 100 columns, durations in
    two units, dates with month and year, business time labelled."""
    assert main(["demo", "--colour", "never"]) == 0
    out = capsys.readouterr().out
    widths = {line: len(line) for line in out.splitlines()}
    assert max(widths.values()) <= 100, max(widths, key=widths.__getitem__)
    assert "left (business hours)" in out
    assert "Mon 2 Mar 2026 09:12" in out
    assert "-3h 00m" in out
    assert "0h01m" not in out
    assert "…" in out

"""load_calendar: the data format, path-precise errors and the holidays extra."""

from __future__ import annotations

import json
import sys
import tomllib
import types
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from omnicx.errors import ValidationError
from omnicx.sla import load_calendar

TOML = """
timezone = "Europe/Berlin"
holidays = [2026-12-25, "2026-12-30..2027-01-01"]

[hours]
monday = ["09:00-12:00", "13:00-17:00"]
fri = ["09:00-15:30:30"]
sunday = ["22:00-06:00+1"]

[special]
"2026-12-24" = ["09:00-12:00"]
"""


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        load_calendar(data)
    return str(caught.value)


def test_toml_yaml_and_json_load_the_same_calendar() -> None:
    """The same calendar parsed from TOML, YAML or JSON loads identically."""
    data = tomllib.loads(TOML)
    from_toml = load_calendar(data)
    from_yaml = load_calendar(yaml.safe_load(yaml.safe_dump(data)))
    as_json = json.loads(json.dumps(data, default=str))
    assert from_toml == from_yaml == load_calendar(as_json)
    assert from_toml.week[0] == ((9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600))
    assert from_toml.week[4] == ((9 * 3600, 15 * 3600 + 30 * 60 + 30),)
    assert from_toml.week[6] == ((22 * 3600, 30 * 3600),)
    assert date(2026, 12, 31) in from_toml.holidays
    assert from_toml.hours_on(date(2026, 12, 24)) == ((9 * 3600, 12 * 3600),)


def test_overlap_touching_inverted_and_bad_times() -> None:
    """Every interval problem is reported at once with its path."""
    assert problems(
        {
            "timezone": "UTC",
            "hours": {
                "tuesday": ["09:00-12:00", "12:00-13:00", "12:30-14:00"],
                "friday": ["22:00-06:00"],
                "monday": ["25:00-26:00", "9-17", 7],
            },
        }
    ) == (
        "hours.tuesday[1]: touches hours.tuesday[0] (09:00-12:00); merge them into one\n"
        "hours.tuesday[2]: overlaps hours.tuesday[1] (12:00-13:00); remove the overlap\n"
        "hours.friday[0]: inverted interval 22:00-06:00: it ends before it starts"
        " (write an overnight shift as '22:00-06:00+1')\n"
        "hours.monday[0]: '25:00-26:00' is not a time range like '09:00-17:00'\n"
        "hours.monday[1]: '9-17' is not a time range like '09:00-17:00'\n"
        "hours.monday[2]: 7 is not a time range like '09:00-17:00'"
    )


def test_overnight_shift_overlapping_next_day() -> None:
    """An overnight shift may not run into the next day's first opening."""
    assert problems(
        {"timezone": "UTC", "hours": {"sunday": ["22:00-06:00+1"], "monday": ["05:00-09:00"]}}
    ) == ("hours.monday[0]: overlaps the overnight shift hours.sunday[0] (22:00-06:00+1)")


def test_unknown_names_get_suggestions() -> None:
    """Unknown weekday, time zone and key each say what was probably meant."""
    assert problems(
        {"timezone": "Europe/Berln", "hours": {"mondy": ["09:00-12:00"]}, "holiday": []}
    ) == (
        "holiday: unknown key (did you mean 'holidays'?)\n"
        "timezone: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)\n"
        "hours.mondy: unknown weekday (did you mean 'monday'?)"
    )


def test_shapes_and_dates() -> None:
    """Wrong shapes, bad dates, inverted and oversized holiday ranges are reported."""
    assert problems(
        {
            "hours": "9-5",
            "holidays": ["2026-02-30", "2026-12-31..2026-12-01", "2000-01-01..2030-01-01"],
            "special": {"someday": "09:00-10:00", "2026-01-02": ["10:00-11:00", "10:30-12:00"]},
        }
    ) == (
        "timezone: required: an IANA time zone like 'Europe/Berlin'\n"
        "hours: must map weekdays to time ranges\n"
        "holidays[0]: '2026-02-30' is not a date like '2026-12-25'\n"
        "holidays[1]: inverted range '2026-12-31..2026-12-01': it ends before it starts\n"
        "holidays[2]: a holiday range can't exceed ten years\n"
        "special.someday: 'someday' is not a date like '2026-12-25'\n"
        "special.someday: must be a list of time ranges like ['09:00-17:00']\n"
        "special.2026-01-02[1]: overlaps special.2026-01-02[0] (10:00-11:00); remove the overlap"
    )
    assert problems({"timezone": "UTC", "hours": {}, "holidays": "x", "special": []}) == (
        "hours: a calendar needs at least one opening in its week\n"
        "holidays: must be a list of dates or 'from..to' ranges\n"
        "special: must map dates to time ranges"
    )
    assert problems(
        {"timezone": "UTC", "hours": {"mon": ["09:00-10:00"]}, "holidays": ["2026-01-01..x"]}
    ) == ("holidays[0]: 'x' is not a date like '2026-12-25'")


BASE = {"timezone": "America/New_York", "hours": {"mon": ["09:00-17:00"]}}


def test_holidays_package_missing_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the optional 'holidays' package, holiday_country names the extra to install."""
    monkeypatch.setitem(sys.modules, "holidays", None)  # makes the import fail
    assert problems({**BASE, "holiday_country": {"country": "US", "years": [2026]}}) == (
        "holiday_country: needs the 'holidays' package;"
        " install it with: pip install 'omnicx[holidays]'"
    )


def test_holidays_package_is_used_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """holiday_country asks the holidays package for the country's dates (a stand-in here)."""
    calls: list[tuple[str, Any, Any]] = []

    def country_holidays(country: str, subdiv: Any = None, years: Any = None) -> dict[date, str]:
        calls.append((country, subdiv, years))
        if country != "US":
            raise NotImplementedError(country)
        return {date(2026, 11, 23): "A holiday"}

    fake = types.ModuleType("holidays")
    fake.country_holidays = country_holidays  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "holidays", fake)
    table = {"country": "US", "subdiv": "NY", "years": [2026]}
    calendar = load_calendar({**BASE, "holiday_country": table})
    assert calls == [("US", "NY", [2026])]
    assert not calendar.is_open(datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("America/New_York")))
    assert problems({**BASE, "holiday_country": {"country": "XX", "years": [2026]}}) == (
        "holiday_country.country: unknown country 'XX'"
    )
    assert problems({**BASE, "holiday_country": {"country": "US", "years": []}}) == (
        "holiday_country.years: must be a non-empty list of years"
    )
    assert problems({**BASE, "holiday_country": "US"}) == (
        "holiday_country: must be a table like {country = 'US', years = [2026]}"
    )

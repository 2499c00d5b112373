"""``load_calendar``: a business calendar from parsed TOML, YAML, JSON or a dict.

Every problem is reported at once, each with its path
(``hours.monday[1]: overlaps hours.monday[0] (09:00-12:00); remove the overlap``).
"""

from __future__ import annotations

import importlib
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from omnicx.errors import Problem, ValidationError, suggest
from omnicx.sla._calendar import DAY, WEEKDAYS, BusinessCalendar, Hours, day_problems, week_problems

_KEYS = ("timezone", "hours", "holidays", "special", "holiday_country")
_SHORT = {name[:3]: i for i, name in enumerate(WEEKDAYS)}
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
# A holiday range may span years, but not centuries by a typo.
_MAX_RANGE_DAYS = 3660


def _seconds(text: str) -> int | None:
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
    if m > 59 or s > 59 or h > 24 or (h == 24 and (m or s)):
        return None
    return h * 3600 + m * 60 + s


def _interval(path: str, raw: Any, problems: list[Problem]) -> tuple[int, int] | None:
    text = raw if isinstance(raw, str) else ""
    start_text, sep, end_text = text.partition("-")
    overnight = end_text.strip().endswith("+1")
    start = _seconds(start_text)
    end = _seconds(end_text.strip().removesuffix("+1"))
    if not sep or start is None or end is None:
        problems.append(Problem(path, f"{raw!r} is not a time range like '09:00-17:00'"))
        return None
    return start, end + DAY if overnight else end


def _hours(path: str, raw: Any, problems: list[Problem]) -> Hours:
    if not isinstance(raw, list | tuple):
        problems.append(Problem(path, "must be a list of time ranges like ['09:00-17:00']"))
        return ()
    found = [_interval(f"{path}[{i}]", item, problems) for i, item in enumerate(raw)]
    return tuple(i for i in found if i is not None)


def _date(path: str, raw: Any, problems: list[Problem]) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        problems.append(Problem(path, f"{raw!r} is not a date like '2026-12-25'"))
        return None


def _week(raw: Any, problems: list[Problem]) -> tuple[Hours, ...]:
    week: list[Hours] = [()] * 7
    if not isinstance(raw, Mapping):
        problems.append(Problem("hours", "must map weekdays to time ranges"))
        return tuple(week)
    for key, value in raw.items():
        name = str(key).lower()
        index = WEEKDAYS.index(name) if name in WEEKDAYS else _SHORT.get(name)
        if index is None:
            problems.append(Problem(f"hours.{key}", f"unknown weekday{suggest(name, WEEKDAYS)}"))
            continue
        before = len(problems)
        week[index] = _hours(f"hours.{key}", value, problems)
        if len(problems) == before:
            problems += day_problems(f"hours.{key}", week[index])
    return tuple(week)


def _holidays(raw: Any, problems: list[Problem]) -> set[date]:
    days: set[date] = set()
    if not isinstance(raw, list | tuple):
        problems.append(Problem("holidays", "must be a list of dates or 'from..to' ranges"))
        return days
    for i, item in enumerate(raw):
        path = f"holidays[{i}]"
        if isinstance(item, str) and ".." in item:
            first_raw, _, last_raw = item.partition("..")
            first, last = _date(path, first_raw, problems), _date(path, last_raw, problems)
            if first is None or last is None:
                continue
            span = (last - first).days
            if span < 0:
                problems.append(Problem(path, f"inverted range {item!r}: it ends before it starts"))
            elif span > _MAX_RANGE_DAYS:
                problems.append(Problem(path, "a holiday range can't exceed ten years"))
            else:
                days.update(first + timedelta(days=n) for n in range(span + 1))
        elif (day := _date(path, item, problems)) is not None:
            days.add(day)
    return days


def _from_package(raw: Any, problems: list[Problem]) -> set[date]:
    # The ``holidays`` package is optional (the ``holidays`` extra), so it is
    # imported only when a calendar asks for it.
    if not isinstance(raw, Mapping) or not isinstance(raw.get("country"), str):
        problems.append(
            Problem("holiday_country", "must be a table like {country = 'US', years = [2026]}")
        )
        return set()
    years = raw.get("years", [])
    if not isinstance(years, list) or not all(isinstance(y, int) for y in years) or not years:
        problems.append(Problem("holiday_country.years", "must be a non-empty list of years"))
        return set()
    try:
        package = importlib.import_module("holidays")
    except ImportError:
        problems.append(
            Problem(
                "holiday_country",
                "needs the 'holidays' package; install it with: pip install 'omnicx[holidays]'",
            )
        )
        return set()
    try:
        found = package.country_holidays(raw["country"], subdiv=raw.get("subdiv"), years=years)
    except NotImplementedError:
        problems.append(Problem("holiday_country.country", f"unknown country {raw['country']!r}"))
        return set()
    return set(found)


def load_calendar(data: Mapping[str, Any]) -> BusinessCalendar:
    """Build a ``BusinessCalendar`` from parsed data (see docs/sla.md for the format).

    Keys: ``timezone`` (IANA name), ``hours`` (weekday -> ``["09:00-12:00",
    "13:00-17:00"]``; ``"22:00-06:00+1"`` is an overnight shift), ``holidays``
    (dates or ``"2026-12-24..2026-12-31"`` ranges), ``special`` (date -> hours;
    ``[]`` closes it) and ``holiday_country`` (``{country, subdiv, years}``,
    needs the ``holidays`` extra).

    Raises:
        ValidationError: every problem found, each with its path.
    """
    problems: list[Problem] = [
        Problem(str(key), f"unknown key{suggest(str(key), _KEYS)}")
        for key in data
        if key not in _KEYS
    ]
    name = data.get("timezone")
    if not isinstance(name, str):
        problems.append(Problem("timezone", "required: an IANA time zone like 'Europe/Berlin'"))
    elif not _known_zone(name):
        hint = suggest(name, sorted(zoneinfo.available_timezones()))
        problems.append(Problem("timezone", f"unknown time zone {name!r}{hint}"))
    week = _week(data.get("hours", {}), problems)
    if not [p for p in problems if p.path.startswith("hours")]:
        problems += week_problems("hours", week)
    holidays = _holidays(data.get("holidays", []), problems)
    if "holiday_country" in data:
        holidays |= _from_package(data["holiday_country"], problems)
    special = _special(data.get("special", {}), problems)
    if problems:
        raise ValidationError(problems)
    return BusinessCalendar(
        timezone=str(name), week=week, holidays=frozenset(holidays), special=special
    )


def _special(raw: Any, problems: list[Problem]) -> dict[date, Hours]:
    special: dict[date, Hours] = {}
    if not isinstance(raw, Mapping):
        problems.append(Problem("special", "must map dates to time ranges"))
        return special
    for key, value in raw.items():
        path = f"special.{key}"
        day = _date(path, key, problems)
        before = len(problems)
        hours = _hours(path, value, problems)
        if len(problems) == before:
            problems += day_problems(path, hours)
        if day is not None:
            special[day] = hours
    return special


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True

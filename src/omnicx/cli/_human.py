"""Text for people: durations, dates, shortened text, tables that fit, progress bars.

Every command that prints for a person goes through these helpers, so the
whole command line reads alike: ``2h 05m``, ``Mon 2 Mar 2026 09:12``, text
cut at a word with an ellipsis, and no line wider than ``WIDTH`` columns.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import TextIO

WIDTH = 100
"""The widest line a command prints for a person."""

ELLIPSIS = "…"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible(text: str) -> int:
    """The columns ``text`` takes on a terminal (ANSI colour codes take none)."""
    return len(_ANSI.sub("", text))


def duration(seconds: float | None, *, days: bool = True) -> str:
    """Seconds as a person reads them: ``45s``, ``29m 05s``, ``2h 05m``, ``3d 04h``; ``-`` for None.

    Two units, the second zero-padded, so a column of durations lines up;
    negative durations (overdue) keep their sign. ``days=False`` stops at
    hours (``26h 00m``): a business day is not 24 hours.
    """
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    whole = round(abs(seconds))
    if whole < 60:
        return f"{sign}{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{sign}{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24 or not days:
        return f"{sign}{hours}h {minutes:02d}m"
    whole_days, hours = divmod(hours, 24)
    return f"{sign}{whole_days}d {hours:02d}h"


def when(at: datetime, tz: tzinfo = UTC) -> str:
    """An instant with weekday, day, month and year: ``Mon 2 Mar 2026 09:12``."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def percent(share: float | None) -> str:
    """A share (0.0-1.0) as a whole percentage, ``-`` for None."""
    return "-" if share is None else f"{share * 100:.0f}%"


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` columns, cut at a word, with an ellipsis.

    A single word longer than the room is cut inside the word.
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    room = max(width - len(ELLIPSIS), 0)
    cut = flat[: room + 1].rsplit(" ", 1)[0] if " " in flat[: room + 1] else flat[:room]
    return cut[:room].rstrip(" ,.;:-") + ELLIPSIS


def _pad(cell: str, width: int) -> str:
    return cell + " " * (width - visible(cell))


def _render(rows: Sequence[Sequence[str]], widths: Sequence[int]) -> list[str]:
    return [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(visible(row[i]) for row in rows) for i in range(len(rows[0]))]


def table(
    rows: Sequence[Sequence[str]],
    *,
    width: int = WIDTH,
    wrap: int | None = None,
    keep: int = 1,
) -> list[str]:
    """Rows aligned in columns (the first row is the header), every line at most ``width``.

    Too wide, a table wraps: with ``wrap`` (the index of a free-text column)
    that column's cells wrap onto continuation lines; otherwise the columns
    after the first ``keep`` go into several stacked tables, each repeating
    the ``keep`` columns that say which row is which. Any cell still too wide
    is shortened.
    """
    rows = [[shorten(c, width) if visible(c) > width else c for c in row] for row in rows]
    widths = _widths(rows)
    total = sum(widths) + 2 * (len(widths) - 1)
    if total <= width:
        return _render(rows, widths)
    if wrap is not None:
        room = width - (total - widths[wrap])
        if room >= 20:
            lines: list[list[str]] = []
            for row in rows:
                parts = textwrap.wrap(row[wrap], room, break_on_hyphens=False) or [""]
                lines.append([*row[:wrap], parts[0], *row[wrap + 1 :]])
                lines += [["" if i != wrap else p for i in range(len(row))] for p in parts[1:]]
            return _render(lines, _widths(lines))
    return _stacked(rows, widths, width, keep)


def _stacked(
    rows: Sequence[Sequence[str]], widths: Sequence[int], width: int, keep: int
) -> list[str]:
    keep = min(keep, len(widths) - 1)
    base = sum(widths[:keep]) + 2 * keep
    blocks: list[list[int]] = [[]]
    used = base
    for column in range(keep, len(widths)):
        if blocks[-1] and used + widths[column] > width:
            blocks.append([])
            used = base
        blocks[-1].append(column)
        used += widths[column] + 2
    lines: list[str] = []
    for block in blocks:
        columns = [*range(keep), *block]
        if lines:
            lines.append("")
        part = [[row[i] for i in columns] for row in rows]
        lines += _render(part, [widths[i] for i in columns])
    return lines


class Progress:
    """A progress bar on ``stream`` (stderr), drawn only when it is a terminal.

    ``update(done)`` redraws at most once per percent; ``close()`` clears the
    line, so what the command prints next starts clean. Off the terminal
    (a pipe, a file, CI logs) it writes nothing.
    """

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.on = stream.isatty()
        self._shown = -1

    def update(self, done: int) -> None:
        """Show ``done`` of ``total``."""
        if not self.on:
            return
        share = min(done / self.total, 1.0)
        percent_done = int(share * 100)
        if percent_done == self._shown:
            return
        self._shown = percent_done
        bar = 30
        filled = int(share * bar)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (bar - filled)}] {percent_done:3d}%"
        )
        self.stream.flush()

    def close(self) -> None:
        """Clear the bar's line."""
        if self.on and self._shown >= 0:
            self.stream.write("\r" + " " * (len(self.label) + 38) + "\r")
            self.stream.flush()

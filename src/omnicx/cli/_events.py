"""Reading a JSON-lines event log once, line by line, for the commands that fold it.

``omnicx metrics`` and ``omnicx report`` read the same files the same way:
one ``omnicx.serde.event_to_dict`` object per line, every bad line reported
with its ``file:line``, at most ``MAX_PROBLEMS`` of them, and nothing
reported from a file with a problem. Lines are decoded by
``omnicx._fastdecode``: the events and errors of ``serde.event_from_dict``,
faster (and faster again with the ``fast`` extra's ``orjson``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO

from omnicx._fastdecode import event_from_line
from omnicx.cli import _human
from omnicx.cli._fail import not_text, unreadable
from omnicx.errors import Problem, ValidationError
from omnicx.model import Event

MAX_PROBLEMS = 20  # enough to fix a file in a few passes without flooding the terminal

# Files smaller than this read too fast for a progress bar to help.
_PROGRESS_FROM = 4 * 1024 * 1024


class EventLog:
    """One pass over a JSON-lines event file: iterate for ``(where, event)`` pairs.

    Lines that are not valid events are collected in ``problems`` (and not
    yielded); a reader adds its own (a conversation going back in time) the
    same way, and stops using events once there is one. Reading ends early
    after ``MAX_PROBLEMS``; ``check()`` then raises them all. With
    ``progress`` (a terminal), a bar shows how much of a large file is read.
    """

    def __init__(self, path: Path, progress: TextIO | None = None) -> None:
        self.path = path
        self.progress = progress
        self.problems: list[Problem] = []

    def __iter__(self) -> Iterator[tuple[str, Event]]:
        path, problems = self.path, self.problems
        try:
            size = path.stat().st_size
            with path.open("rb") as file:
                bar = None
                if self.progress is not None and size >= _PROGRESS_FROM:
                    bar = _human.Progress(self.progress, size, f"reading {path.name}")
                done = 0
                for number, raw in enumerate(file, start=1):
                    if len(problems) >= MAX_PROBLEMS:
                        break  # enough to fix the file in a few passes
                    done += len(raw)
                    if bar is not None and number % 4096 == 0:
                        bar.update(done)
                    try:
                        event = event_from_line(raw)
                    except json.JSONDecodeError as error:
                        if not raw.decode("utf-8").strip():
                            continue  # a blank line
                        message = f"invalid JSON ({error.msg} at column {error.colno})"
                        problems.append(Problem(f"{path.name}:{number}", message))
                        continue
                    except ValidationError as error:
                        where = f"{path.name}:{number}"
                        problems.extend(p.under(where) for p in error.problems)
                        continue
                    yield f"{path.name}:{number}", event
                if bar is not None:
                    bar.update(size)
                    bar.close()
        except OSError as error:
            raise unreadable(path, error) from None
        except UnicodeDecodeError:
            raise not_text(path) from None

    def check(self) -> None:
        """Raise the problems found, if any.

        Raises:
            ValidationError: every problem (at most ``MAX_PROBLEMS``), each
                with its ``file:line`` path.
        """
        if self.problems:
            raise ValidationError(self.problems[:MAX_PROBLEMS])


def backwards(where: str, conversation_id: str, at: datetime, last: datetime) -> Problem:
    """The problem of an event older than its conversation's previous one in a one-pass read."""
    return Problem(
        where,
        f"conversation {conversation_id!r} goes back in time ({at.isoformat()} after "
        f"{last.isoformat()}); the file is read in one pass, so each "
        "conversation's events must be in time order: sort the file by 'at'",
    )

"""Every ``omnicx`` command ends a user's mistake with one line and a non-zero exit.

Missing files, directories, binary files and unusable databases print one
``omnicx: error: <path>: ...`` line (exit 1); a closed output pipe ends
quietly with exit 141; Ctrl-C ends quietly with 130; a bug keeps its
traceback. Subprocess tests run the real ``python -m omnicx``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.metrics.conftest import Timeline

import omnicx
from omnicx import serde
from omnicx.cli import main

SRC = str(Path(omnicx.__file__).resolve().parents[1])
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rules"
RULES = str(EXAMPLES / "support.yaml")
CASES = str(EXAMPLES / "support.cases.yaml")
# A SQLite file's first bytes are "SQLite format 3\0"; these are neither that nor UTF-8.
GARBAGE = bytes(range(128, 256)) * 4

# Each input-reading command, with the input under test written as {}.
READERS: dict[str, list[str]] = {
    "metrics": ["metrics", "{}"],
    "resolve": ["resolve", "{}"],
    "rules lint": ["rules", "lint", "{}"],
    "rules test (rules)": ["rules", "test", "{}", CASES],
    "rules test (cases)": ["rules", "test", RULES, "{}"],
}


def _argv(command: str, path: Path) -> list[str]:
    return [str(path) if part == "{}" else part for part in READERS[command]]


def _one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``argv``; assert exit 1 and exactly one stderr line, and return it."""
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert captured.err.endswith("\n")
    return lines[0]


@pytest.mark.parametrize("command", READERS)
def test_a_missing_input_file(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that does not exist is named, with the operating system's reason."""
    missing = tmp_path / "missing.txt"
    assert _one_error_line(capsys, _argv(command, missing)) == (
        f"omnicx: error: {missing}: can't read the file (No such file or directory)"
    )


@pytest.mark.parametrize("command", READERS)
def test_a_directory_instead_of_a_file(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory is refused before the command starts."""
    assert _one_error_line(capsys, _argv(command, tmp_path)) == (
        f"omnicx: error: {tmp_path}: can't read the file (Is a directory)"
    )


@pytest.mark.parametrize("command", READERS)
def test_a_binary_file_instead_of_text(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database (or any binary file) passed as a text input is named, with the fix."""
    garbage = tmp_path / "contacts.db"
    garbage.write_bytes(GARBAGE)
    assert _one_error_line(capsys, _argv(command, garbage)) == (
        f"omnicx: error: {garbage}: can't read the file (not UTF-8 text); "
        "pass the text file, saved as UTF-8"
    )


@pytest.mark.parametrize(
    ("command", "good_start"),
    [
        ("metrics", ""),
        ("resolve", "record_id\n" + "".join(f"r{n}\n" for n in range(12_000))),
    ],
)
def test_binary_content_past_the_first_check(
    command: str, good_start: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad bytes after the first 64 KiB are still one line naming the file."""
    path = tmp_path / "input.txt"
    path.write_bytes(good_start.encode().ljust(70_000, b"\n") + GARBAGE)
    assert _one_error_line(capsys, _argv(command, path)) == (
        f"omnicx: error: {path}: can't read the file (not UTF-8 text); "
        "pass the text file, saved as UTF-8"
    )


def test_binary_rule_content_past_the_first_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule loader's own decode error is still one line, not a traceback."""
    path = tmp_path / "rules.json"
    path.write_bytes(b" " * 70_000 + GARBAGE)
    assert _one_error_line(capsys, ["rules", "lint", str(path)]) == (
        "omnicx: error: an input file is not UTF-8 text; save it as UTF-8"
    )


def test_demo_refuses_an_existing_file_as_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``demo --db`` only creates: a garbage file (or any file) is left alone."""
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(GARBAGE)
    assert _one_error_line(capsys, ["demo", "--db", str(garbage)]) == (
        f"omnicx: error: {garbage}: already exists; pass a new path"
    )
    assert garbage.read_bytes() == GARBAGE
    assert _one_error_line(capsys, ["demo", "--db", str(tmp_path)]) == (
        f"omnicx: error: {tmp_path}: already exists; pass a new path"
    )


def test_demo_database_in_a_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database path whose directory does not exist is refused before any work."""
    db = tmp_path / "nowhere" / "demo.db"
    assert _one_error_line(capsys, ["demo", "--db", str(db)]) == (
        f"omnicx: error: {db}: can't create the database: {db.parent} is not a directory"
    )


@pytest.mark.parametrize(
    ("reason", "hint"),
    [
        ("file is not a database", "not a SQLite database; pass an omnicx database or a new path"),
        ("database is locked", "locked by another process; wait for it to finish or close it"),
        ("disk I/O error", "database error (disk I/O error)"),
    ],
)
def test_a_database_error_names_the_database(
    reason: str,
    hint: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sqlite3 errors carry no path: the line adds the --db path and what to do."""

    def refuse(path: Path) -> None:
        raise sqlite3.DatabaseError(reason)

    monkeypatch.setattr("omnicx.cli._demo.SqliteStore", refuse)
    db = tmp_path / "demo.db"
    assert _one_error_line(capsys, ["demo", "--db", str(db)]) == f"omnicx: error: {db}: {hint}"
    assert _one_error_line(capsys, ["demo"]) == f"omnicx: error: the database: {hint}"


def test_resolve_output_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o`` into a missing directory names the output path."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("record_id\nr1\n", encoding="utf-8")
    out = tmp_path / "nowhere" / "clusters.csv"
    assert _one_error_line(capsys, ["resolve", str(contacts), "-o", str(out)]) == (
        f"omnicx: error: {out}: can't write the file (No such file or directory)"
    )


def _patch_handler(
    monkeypatch: pytest.MonkeyPatch, behaviour: Callable[[argparse.Namespace], int]
) -> None:
    monkeypatch.setattr("omnicx.cli._rules._schema", behaviour)


@pytest.mark.parametrize("command", READERS)
def test_an_input_file_without_permission(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file the user may not read is named (faked: the tests may run as root)."""
    locked = tmp_path / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    real_open = Path.open

    def open_or_refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", open_or_refuse)
    assert _one_error_line(capsys, _argv(command, locked)) == (
        f"omnicx: error: {locked}: can't read the file (Permission denied)"
    )


def test_a_file_error_deeper_in_a_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError naming a file, raised past the early checks, is still one line."""

    def vanished(args: argparse.Namespace) -> int:
        raise FileNotFoundError(2, "No such file or directory", "rules.yaml")

    _patch_handler(monkeypatch, vanished)
    assert _one_error_line(capsys, ["rules", "schema"]) == (
        "omnicx: error: rules.yaml: No such file or directory; check the path and its permissions"
    )


def test_ctrl_c_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt ends the command with 130 and nothing on stderr."""

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    _patch_handler(monkeypatch, interrupted)
    assert main(["rules", "schema"]) == 130
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("bug", [RuntimeError("bug"), OSError(22, "no file named")])
def test_a_bug_keeps_its_traceback(bug: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything that is not a user's mistake propagates unchanged."""

    def broken(args: argparse.Namespace) -> int:
        raise bug

    _patch_handler(monkeypatch, broken)
    with pytest.raises(type(bug)) as caught:
        main(["rules", "schema"])
    assert caught.value is bug


# -- a real process writing into a pipe whose reader has gone ---------------


def _omnicx(*argv: str) -> list[str]:
    return [sys.executable, "-m", "omnicx", *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC}


def _reader_gone_before_start(argv: list[str]) -> tuple[int, bytes]:
    """Run with stdout a pipe whose read end is already closed (``| true``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        with subprocess.Popen(
            _omnicx(*argv), stdout=write_end, stderr=subprocess.PIPE, env=_env()
        ) as process:
            os.close(write_end)
            write_end = -1
            _, err = process.communicate()
    finally:
        if write_end != -1:
            os.close(write_end)
    return process.returncode, err


def _reader_gone_after_one_line(argv: list[str]) -> tuple[int, bytes, bytes]:
    """Run piped into a reader that takes one line and closes (``| head -1``).

    The command must print far more than a pipe holds (64 KiB), so it is
    still writing when the reader goes.
    """
    with subprocess.Popen(
        _omnicx(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=_env()
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
    return process.returncode, first, err


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--colour", "never"],
        ["rules", "schema"],
        ["rules", "lint", RULES],
        ["rules", "test", RULES, CASES],
    ],
    ids=" ".join,
)
def test_output_into_a_closed_pipe(argv: list[str]) -> None:
    """Nothing on stderr, exit 141, whatever the command."""
    assert _reader_gone_before_start(argv) == (141, b"")


def test_metrics_into_a_closed_pipe(tmp_path: Path) -> None:
    """``metrics`` too (its input is a real event log)."""
    events = Timeline("a").inbound(0, "chat").reply(5).solve(10).events
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(serde.event_to_dict(e)) for e in events) + "\n")
    assert _reader_gone_before_start(["metrics", str(path), "--json"]) == (141, b"")


def test_resolve_piped_into_a_reader_that_stops(tmp_path: Path) -> None:
    """``omnicx resolve big.csv | head -1`` stops quietly with 141."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("record_id\n" + "".join(f"r{n}\n" for n in range(20_000)), encoding="utf-8")
    assert _reader_gone_after_one_line(["resolve", str(contacts)]) == (
        141,
        b"record_id,cluster_id\n",
        b"",
    )


def test_rules_test_piped_into_a_reader_that_stops(tmp_path: Path) -> None:
    """``omnicx rules test`` with many cases, read one line at a time, stops quietly."""
    rules = tmp_path / "rules.json"
    rules.write_text('{"rules": [{"id": "all", "then": {"queue": "q"}}]}')
    cases = tmp_path / "cases.json"
    many = [{"name": f"c{n}", "input": {}, "expect": {"queue": "q"}} for n in range(12_000)]
    cases.write_text(json.dumps({"cases": many}))
    assert _reader_gone_after_one_line(["rules", "test", str(rules), str(cases)]) == (
        141,
        b"PASS c0\n",
        b"",
    )


def test_a_missing_file_in_a_real_process(tmp_path: Path) -> None:
    """``python -m omnicx`` exits 1 with the one line, no traceback."""
    missing = tmp_path / "missing.yaml"
    done = subprocess.run(
        _omnicx("rules", "lint", str(missing)),
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"omnicx: error: {missing}: can't read the file (No such file or directory)\n"
    )

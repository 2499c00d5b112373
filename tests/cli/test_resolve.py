"""``omnicx resolve``: CSV in, ``record_id,cluster_id`` out, clear errors for bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from omnicx.cli import main

HEADER = "record_id,source,name,emails,phones,handles,external_ids,emails_verified,region\n"
ROWS = (
    "r1,shopify,Ana Lima,ana@example.com,07911 123456,,shopify:customer:1,true,GB\n"
    "r2,sms,,,+447911123456,,,,\n"
    "r3,instagram,Ana,,,instagram:1784;x:@ana,,,\n"
    "r4,x,,,,x:ANA,,,\n"
    "r5,email,,mailto:ANA@example.com,,,,yes,\n"
)


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    return capsys.readouterr().err.strip()


def test_writes_one_cluster_per_row_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every row gets its cluster, in input order; raw forms of one person share it."""
    assert main(["resolve", _write(tmp_path, HEADER + ROWS)]) == 0
    assert capsys.readouterr().out == ("record_id,cluster_id\nr1,r1\nr2,r1\nr3,r3\nr4,r3\nr5,r1\n")


def test_writes_to_output_file_with_options(tmp_path: Path) -> None:
    """--output writes the file; --region reads national numbers; --fuzzy is accepted."""
    text = "record_id,phone,name,address\na,(415) 555-0100,Ana,1 High St\nb,+14155550100,,\n"
    out = tmp_path / "out.csv"
    argv = ["resolve", _write(tmp_path, text), "-o", str(out), "--region", "US", "--fuzzy"]
    assert main(argv) == 0
    assert out.read_text() == "record_id,cluster_id\na,a\nb,a\n"


def test_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a TTY the bar shows records read out of the file's rows, then a newline."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    assert main(["resolve", _write(tmp_path, HEADER + ROWS)]) == 0
    assert screen.getvalue() == "\rresolving [" + "#" * 30 + "] 5 records\n"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that cannot be read is named, with the system's reason."""
    path = str(tmp_path / "nope.csv")
    assert _error(capsys, ["resolve", path]) == (
        f"omnicx: error: {path}: can't read the file (No such file or directory)"
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("", "1", "the file is empty (a header row is needed)"),
        ("name,email\n", "1", "the header has no 'record_id' column"),
        ("record_id,emial\n", "1: column 2", "unknown column 'emial' (did you mean 'email'?)"),
        ("record_id,email\na,x@y.example,extra\n", "2", "expected 2 fields, got 3"),
        ("record_id,email\n,x@y.example\n", "2: record_id", "the record id is empty"),
        ("record_id\na\n\na\n", "4: record_id", "repeats an earlier row's id (ids are unique)"),
        ("record_id,handles\na,instagram\n", "2: handles", "an item is not written 'name:value'"),
        (
            "record_id,external_ids\na,:1\n",
            "2: external_ids",
            "an item is not written 'name:value'",
        ),
        (
            "record_id,emails_verified\na,maybe\n",
            "2: emails_verified",
            "not one of true, false, 1, 0, yes, no",
        ),
        ('record_id,name\na,"Ana\n', "2", "bad CSV (unexpected end of data)"),
    ],
)
def test_bad_csv_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, message: str
) -> None:
    """Each problem names path, line and column, and never repeats a cell's content."""
    path = _write(tmp_path, text)
    assert _error(capsys, ["resolve", path]) == f"omnicx: error: {path}:{where}: {message}"

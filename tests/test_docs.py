"""Every fenced code block of README.md and docs/*.md runs, loads or is checked.

One test per Markdown file walks its blocks in document order, in a fresh
temporary working directory seeded with a copy of ``examples/`` (so
``rules/support.yaml`` is the shipped example rule file, and the example
modules import by name):

- ``python``: executed; the blocks of one file share one namespace, so a later
  block may use names an earlier one defined. A comment after an expression
  that is itself a Python value (``canonical_phone(x)  # '+447911123456'``)
  must equal it, and comment lines right after a ``print`` must be printed. A
  function named ``test_*`` a block defines is called (with omnicx's pytest
  fixtures by parameter name), and a ``Test*`` class's ``test_*`` methods
  run, as pytest would (all but hypothesis properties, which tests/channels
  and tests/storage run on the same adapters and stores). The code is
  compiled under the Markdown file's name with its own line numbers, so a
  traceback points at the line of the doc.
- ``yaml``, ``toml``, ``json``: parsed, then loaded by the omnicx loader for
  what they are: a rule file (top-level ``rules``), a case file (``cases``), a
  calendar (``timezone`` and ``hours``), SLA policies (``policies``), a threading policy, a redaction
  policy, custom roles, web-chat payloads, a customer export.
- ``sh``: every command is checked. ``omnicx ...`` runs through
  ``omnicx.cli.main`` in the working directory and must exit 0; ``pip
  install`` may only name extras pyproject.toml defines; other commands
  (venv, pytest, git) are checked for shape only.
- ``text`` and blocks without a language are output samples. A ``text``
  block that is a transcript (``$ omnicx ...`` lines, each followed by its
  output) is replayed: each command runs and prints what is shown (spacing
  aside), exiting 1 where it shows ``omnicx: error:`` and 0 otherwise. The
  files a transcript needs and no block of its page writes are in
  ``TRANSCRIPT_FILES``.

An info string may carry ``file=PATH``: the block's text is also written to
PATH in the working directory, and the later commands that read it check it
(such a data block is only parsed where it stands). ``no-run`` skips a
block, and needs an ``<!-- no-run: why -->`` comment on the line before it.

No block may reach the network or read the wall clock: sockets refuse to
connect and ``SystemClock.now`` raises while the blocks run.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import re
import shlex
import shutil
import socket
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from omnicx import cli
from omnicx.channels import WebChatAdapter, WebhookRequest
from omnicx.clock import SystemClock
from omnicx.errors import ValidationError
from omnicx.listening import load_topics
from omnicx.metrics import MetricsAccumulator
from omnicx.privacy import RedactionPolicy, load_export, load_roles
from omnicx.routing import RoutingContext, context_from_input, load_cases, load_rules
from omnicx.sla import load_calendar, load_policies
from omnicx.testing import assert_routes
from omnicx.testing._rules import as_engine  # what the rule_engine fixture returns
from omnicx.timeline import ThreadingPolicy

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ["omnicx", "omnicx.model", "omnicx.identity", "omnicx.routing", "omnicx.sla"]
PACKAGES += ["omnicx.timeline", "omnicx.privacy", "omnicx.metrics", "omnicx.channels"]
FENCE = re.compile(r"^(`{3,})\s*(.*)$")
NO_RUN_REASON = re.compile(r"^<!--\s*no-run:\s*\S.*-->\s*$")
OUTPUT_LANGUAGES = {"", "text"}
RUN_LANGUAGES = {"python", "sh", "yaml", "toml", "json"}
# Commands a doc may show that are checked for their shape only.
SHAPE_ONLY = {"python3", "python", ".", "source", "pytest", "git", "bash"}
# Inputs the transcripts of a page read, by page: what the reader is told exists.
TRANSCRIPT_FILES = {
    "docs/cli.md": {
        "contacts.xlsx": b"PK\x03\x04\xff\xfe",  # a spreadsheet, not UTF-8 text
        "demo.sqlite3": b"",  # an earlier demo's database
        "contacts.csv": b"record_id,email\n1,ana@example.com\n",
    },
}
HOLIDAYS_MISSING = (
    "holiday_country: needs the 'holidays' package; install it with: pip install 'omnicx[holidays]'"
)


@attrs.frozen
class Block:
    """One fenced code block: where it starts, its info string and its text."""

    page: Path
    line: int  # the line of the opening fence, 1-based
    language: str
    options: tuple[str, ...]
    text: str
    before: str  # the line just above the fence

    @property
    def where(self) -> str:
        """``docs/x.md:12``, for failure messages."""
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def option(self, name: str) -> str | None:
        """The value of a ``name=value`` option in the info string, if given."""
        for option in self.options:
            key, _, value = option.partition("=")
            if key == name and value:
                return value
        return None


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, info = opening.groups()
        words = info.split()
        end = index + 1
        while end < len(lines) and not re.fullmatch(rf"{fence}`*\s*", lines[end]):
            end += 1
        assert end < len(lines), f"{page.relative_to(ROOT)}:{index + 1}: fence never closed"
        found.append(
            Block(
                page=page,
                line=index + 1,
                language=words[0] if words else "",
                options=tuple(words[1:]),
                text="\n".join(lines[index + 1 : end]) + "\n",
                before=lines[index - 1] if index else "",
            )
        )
        index = end + 1
    return found


def check_info(block: Block) -> None:
    """The block's language is one this test runs or knows is output; no-run says why."""
    known = RUN_LANGUAGES | OUTPUT_LANGUAGES
    assert block.language in known, f"{block.where}: no check for ```{block.language}"
    if "no-run" in block.options:
        assert NO_RUN_REASON.match(block.before), (
            f"{block.where}: a no-run block needs '<!-- no-run: why -->' just above it"
        )


def test_pages_have_the_blocks_this_test_knows() -> None:
    """Every block of every page passes ``check_info``."""
    for page in PAGES:
        for block in blocks(page):
            check_info(block)


def test_the_parser_finds_the_blocks(tmp_path: Path) -> None:
    """Fences, info strings, options and the line numbers are read as written."""
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n<!-- no-run: a server -->\n```python no-run\nserve()\n```\n\n"
        "````sh\n```\n````\n```toml file=a/b.toml\nx = 1\n```\n",
        encoding="utf-8",
    )
    found = blocks(page)
    assert [(b.line, b.language, b.options) for b in found] == [
        (3, "python", ("no-run",)),
        (7, "sh", ()),
        (10, "toml", ("file=a/b.toml",)),
    ]
    assert found[0].text == "serve()\n"
    assert found[0].before == "<!-- no-run: a server -->"
    assert found[1].text == "```\n"
    assert found[2].option("file") == "a/b.toml"


def resolve_name(dotted: str) -> object:
    """The object a dotted ``omnicx...`` name refers to: a module, then its attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_named_omnicx_objects_exist(page: Path) -> None:
    """Every `omnicx.x.Y` the prose names in backticks is importable, so renames show."""
    text = page.read_text(encoding="utf-8")
    for dotted in sorted(set(re.findall(r"`(omnicx(?:\.[A-Za-z_]\w*)+)", text))):
        try:
            resolve_name(dotted)
        except (ImportError, AttributeError):
            pytest.fail(f"{page.relative_to(ROOT)}: `{dotted}` does not exist")


# --- python ---------------------------------------------------------------------------


def fixtures() -> dict[str, Any]:
    """omnicx's pytest fixtures, by name, as a doc's test function receives them."""

    def routing_context(**inputs: Any) -> RoutingContext:
        return context_from_input(inputs)

    return {
        "routing_context": routing_context,
        "rule_engine": as_engine,
        "assert_routes": assert_routes,
    }


def run_python(block: Block, namespace: dict[str, Any]) -> None:
    """Execute a block in the page's namespace, checking what its comments say.

    Statements run one at a time. An expression statement followed by a
    comment that is itself a Python expression (``canonical_phone(x)  #
    '+447911123456'``, on its line or the lines after, optionally followed by
    a remark in parentheses) must equal it; a
    ``print`` followed by comment lines must print each of them. Then the tests
    the block defined run.
    """
    before = set(namespace)
    lines = block.text.splitlines()
    # Padding keeps the doc's own line numbers in tracebacks.
    tree = ast.parse("\n" * block.line + block.text, str(block.page))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for statement in tree.body:
            want = stated_value(block, lines, statement, namespace)
            if want is None:
                module = ast.Module(body=[statement], type_ignores=[])
                exec(compile(module, str(block.page), "exec"), namespace)
                continue
            expression = ast.Expression(body=statement.value)  # type: ignore[attr-defined]
            value = eval(compile(expression, str(block.page), "eval"), namespace)
            assert value == want.value, (
                f"{block.where}: line {statement.lineno} gives {value!r}, "
                f"its comment says {want.value!r}"
            )
    output = " ".join(printed.getvalue().split())
    for line, expected in printed_comments(block, lines):
        assert " ".join(expected.split()) in output, (
            f"{block.where}: line {line} should print {expected!r}; printed:\n{printed.getvalue()}"
        )
    for name in sorted(set(namespace) - before):
        value = namespace[name]
        if name.startswith("test_") and inspect.isfunction(value):
            call_test(value)
        elif name.startswith("Test") and inspect.isclass(value):
            instance = value()
            for method in sorted(m for m in dir(value) if m.startswith("test_")):
                test = getattr(instance, method)
                # Properties of omnicx's contract suites run in their own tests.
                if not getattr(test, "is_hypothesis_test", False):
                    call_test(test)


@attrs.frozen
class Stated:
    """The value a comment states for the expression before it."""

    value: Any


def comment_text(line: str) -> str:
    """A comment line's text: after ``#`` and one space."""
    text = line.strip()[1:]
    return text[1:] if text.startswith(" ") else text


def following_comments(lines: list[str], index: int) -> list[str]:
    """The comment lines right after block line ``index`` (0-based)."""
    found = []
    for line in lines[index + 1 :]:
        if not line.strip().startswith("#"):
            break
        found.append(comment_text(line))
    return found


def stated_value(
    block: Block, lines: list[str], statement: ast.stmt, namespace: dict[str, Any]
) -> Stated | None:
    """The value the comment after an expression statement states, if it states one."""
    if not isinstance(statement, ast.Expr) or statement.end_lineno is None:
        return None
    if isinstance(statement.value, ast.Call) and getattr(statement.value.func, "id", "") == "print":
        return None
    index = statement.end_lineno - block.line - 1
    rest = lines[index][statement.end_col_offset or 0 :].strip()
    comment = (
        comment_text(rest) if rest.startswith("#") else "".join(following_comments(lines, index))
    )
    # A value, optionally followed by a remark in parentheses.
    for candidate in (comment, comment.split(" (")[0]):
        try:
            return Stated(eval(candidate, {**public_names(), **namespace}))
        except Exception:  # prose, not a value: nothing to check
            continue
    return None


def printed_comments(block: Block, lines: list[str]) -> list[tuple[int, str]]:
    """Each comment line right after a line that prints, with its line number."""
    found = []
    for index, line in enumerate(lines):
        if "print(" in line:
            for offset, text in enumerate(following_comments(lines, index), start=1):
                found.append((block.line + 1 + index + offset, text))
    return found


def public_names() -> dict[str, Any]:
    """Every public name of omnicx's packages, for comments such as ``Priority.URGENT``."""
    names: dict[str, Any] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.update({name: getattr(module, name) for name in module.__all__})
    return names


def call_test(test: Callable[..., Any]) -> None:
    """Call a test function, passing each parameter the fixture of its name."""
    available = fixtures()
    test(**{name: available[name] for name in inspect.signature(test).parameters})


# --- data -----------------------------------------------------------------------------


def json_documents(text: str) -> list[Any]:
    """Every JSON value in ``text``: one document, or several separated by blank lines."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    position = 0
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        value, position = decoder.raw_decode(text, position)
        found.append(value)
    return found


def parse_data(block: Block) -> list[Any]:
    """The values a yaml, toml or json block holds."""
    if block.language == "yaml":
        return [yaml.safe_load(block.text)]
    if block.language == "toml":
        return [tomllib.loads(block.text)]
    return json_documents(block.text)


def load_data(block: Block, value: Any) -> None:
    """Load a data block with the omnicx loader for what it is."""
    if isinstance(value, list):
        check_workflow(block, value)
        return
    assert isinstance(value, dict), f"{block.where}: expected a mapping, got {type(value)}"
    keys = set(value)
    if "rules" in keys:
        load_rules(value)
    elif "cases" in keys:
        load_cases(value)
    elif "policies" in keys:
        load_policies(value)
    elif "topics" in keys:
        load_topics(value)
    elif keys == {"when"}:  # a rule's condition on its own
        load_rules({"rules": [{"id": "doc", "when": value["when"], "then": {"queue": "q"}}]})
    elif {"timezone", "hours"} <= keys:
        load_toml_calendar(value)
    elif keys <= set(attrs.fields_dict(ThreadingPolicy)):
        ThreadingPolicy.from_dict(value)
    elif keys <= {"cards", "ibans", "emails", "phones", "patterns"}:
        RedactionPolicy.from_dict(value)
    elif value.get("format") == "omnicx.customer-export":
        load_export(value)
    elif value.get("format") == "omnicx.metrics-partial":
        MetricsAccumulator.from_dict(value)
    elif value.get("type") in {"message", "read", "edit", "transcript"} and "session_id" in keys:
        request = WebhookRequest(
            body=json.dumps(value).encode(), received_at=datetime(2026, 3, 2, 12, tzinfo=UTC)
        )
        events = WebChatAdapter(secret="doc").parse(request)
        assert events, f"{block.where}: the web-chat payload gave no event"
    elif all(isinstance(role, dict) for role in value.values()):
        load_roles(value)
    else:
        pytest.fail(f"{block.where}: no loader for a block with keys {sorted(keys)}")


def load_toml_calendar(data: dict[str, Any]) -> None:
    """Load a calendar; ``holiday_country`` needs the optional ``holidays`` package."""
    try:
        import holidays  # noqa: F401
    except ImportError:
        if "holiday_country" in data:
            with pytest.raises(ValidationError) as raised:
                load_calendar(data)
            assert str(raised.value) == HOLIDAYS_MISSING
            load_calendar({k: v for k, v in data.items() if k != "holiday_country"})
            return
    load_calendar(data)


def check_workflow(block: Block, steps: list[Any]) -> None:
    """A CI workflow's steps: each ``run`` is a command, checked as in an sh block."""
    for step in steps:
        assert isinstance(step, dict), f"{block.where}: a workflow step is a mapping"
        if "run" in step:
            run_command_line(block, step["run"])


# --- sh -------------------------------------------------------------------------------


def command_lines(text: str) -> Iterator[str]:
    """The command lines of a shell block, backslash continuations joined."""
    pending = ""
    for line in text.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def run_command_line(block: Block, line: str) -> None:
    """Check each command of a line (commands joined with ``&&``)."""
    words = shlex.split(line, comments=True)
    command: list[str] = []
    for word in [*words, "&&"]:
        if word == "&&":
            if command:
                run_command(block, command)
            command = []
        else:
            command.append(word)


def run_command(block: Block, words: list[str]) -> None:
    """Run an ``omnicx`` command, or check another command's shape."""
    program, *args = words
    if program == "omnicx":
        run_omnicx(block, args)
    elif program == "pip":
        check_pip(block, args)
    else:
        assert program in SHAPE_ONLY, f"{block.where}: no check for the command {program!r}"


def omnicx(args: list[str]) -> tuple[int, str, str]:
    """Run ``omnicx ARGS`` in-process: its exit code, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    return code, out.getvalue(), err.getvalue()


def run_omnicx(block: Block, args: list[str]) -> None:
    """Run ``omnicx ARGS``, which must succeed; ``> FILE`` writes standard output to FILE."""
    target = None
    if ">" in args:
        args, target = args[: args.index(">")], args[args.index(">") + 1]
    code, out, err = omnicx(args)
    assert code == 0, f"{block.where}: omnicx {shlex.join(args)} exited {code}: {err}"
    if target is not None:
        Path(target).write_text(out, encoding="utf-8")


def replay_transcript(block: Block) -> None:
    """Run each ``$ omnicx ...`` line of a text block; it prints what follows it."""
    shown: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            shown.append((line[2:], []))
        elif shown:
            shown[-1][1].append(line)
    for command, lines in shown:
        program, *args = shlex.split(command)
        assert program == "omnicx", f"{block.where}: a transcript of {program!r}"
        code, out, err = omnicx(args)
        expected = "\n".join(lines)
        assert (out + err).split() == expected.split(), (
            f"{block.where}: $ {command}\nshown:\n{expected}\nprinted:\n{out}{err}"
        )
        assert code == (1 if "omnicx: error:" in expected else 0), (
            f"{block.where}: $ {command} exited {code}"
        )


def extras() -> set[str]:
    """The extras pyproject.toml defines."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return set(project["optional-dependencies"])


def check_pip(block: Block, args: list[str]) -> None:
    """``pip install`` names omnicx or the checkout, with extras that exist."""
    assert args[:1] == ["install"], f"{block.where}: pip {args[:1]}: only 'pip install' is shown"
    targets = [arg for arg in args[1:] if not arg.startswith("-")]
    assert targets, f"{block.where}: pip install names nothing"
    for target in targets:
        name, _, rest = target.partition("[")
        assert name in {"omnicx", "."}, f"{block.where}: pip install {target}: not omnicx"
        wanted = set(rest.rstrip("]").split(",")) if rest else set()
        unknown = wanted - extras()
        assert not unknown, f"{block.where}: pip install {target}: no extra {sorted(unknown)}"


# --- the pages ------------------------------------------------------------------------


def refuse(*args: object, **kwargs: object) -> Any:
    """Stand-in for anything a doc block must not do."""
    raise AssertionError("a doc block reached the network or the wall clock")


# An extra's package a block may import: without it installed, the block is
# left out (as its tests skip), so the suite runs without that extra.
OPTIONAL_PACKAGES = ("dask",)


def lacks_optional_package(block: Block) -> bool:
    """True for a python block importing an optional package that is not installed."""
    if block.language != "python":
        return False
    return any(
        re.search(rf"^\s*(import|from) {name}\b", block.text, re.MULTILINE)
        and importlib.util.find_spec(name) is None
        for name in OPTIONAL_PACKAGES
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory holding a copy of examples/, offline, with no clock."""
    shutil.copytree(ROOT / "examples", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(tmp_path)  # ``from custom_adapter import ...``, as in examples/
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(SystemClock, "now", refuse)
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_page_blocks_run(page: Path, workdir: Path) -> None:
    """The page's blocks, in order: python runs, data loads, commands succeed."""
    namespace: dict[str, Any] = {"__name__": f"doc_{page.stem.replace('-', '_')}"}
    for name, data in TRANSCRIPT_FILES.get(str(page.relative_to(ROOT)), {}).items():
        (workdir / name).write_bytes(data)
    for block in blocks(page):
        if block.language == "text" and block.text.startswith("$ "):
            replay_transcript(block)
        if block.language in OUTPUT_LANGUAGES or "no-run" in block.options:
            continue
        if lacks_optional_package(block):
            continue
        target = block.option("file")
        if target is not None:
            (workdir / target).parent.mkdir(parents=True, exist_ok=True)
            (workdir / target).write_text(block.text, encoding="utf-8")
        try:
            if block.language == "python":
                run_python(block, namespace)
            elif block.language == "sh":
                for line in command_lines(block.text):
                    run_command_line(block, line)
            else:
                for value in parse_data(block):
                    if target is None:  # a file's reader checks it
                        load_data(block, value)
        except Exception as error:
            raise AssertionError(f"{block.where}: the ```{block.language} block failed") from error


# --- the checks themselves ------------------------------------------------------------


def page_block(tmp_path: Path, text: str) -> Block:
    """The one block of a small page written to ``tmp_path``."""
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    (block,) = blocks(page)
    return attrs.evolve(block, page=ROOT / "docs" / "page.md")  # names it like a doc


def test_a_comment_stating_a_wrong_value_fails(tmp_path: Path) -> None:
    """``expr  # value`` is checked; a remark in parentheses after the value is allowed."""
    good = page_block(tmp_path, "```python\nx = 2\nx + 1  # 3 (three)\nx  # some prose\n```\n")
    run_python(good, {})
    bad = page_block(tmp_path, "```python\nx = 2\nx + 1  # 4\n```\n")
    with pytest.raises(AssertionError, match=r"docs/page.md:1: line 3 gives 3, its comment says 4"):
        run_python(bad, {})


def test_a_value_on_the_comment_lines_below_is_checked(tmp_path: Path) -> None:
    """Comment lines right after an expression are joined into the value they state."""
    block = page_block(tmp_path, "```python\n'ab' + 'cd'\n# 'ab\n# cd'\n```\n")
    run_python(block, {})
    wrong = page_block(tmp_path, "```python\n'ab' + 'ce'\n# 'ab\n# cd'\n```\n")
    with pytest.raises(AssertionError, match="its comment says 'abcd'"):
        run_python(wrong, {})


def test_output_shown_after_a_print_must_be_printed(tmp_path: Path) -> None:
    """Comment lines after a ``print`` are what it prints (spacing aside)."""
    run_python(page_block(tmp_path, "```python\nprint('a  b')\n# a b\n```\n"), {})
    with pytest.raises(AssertionError, match="line 3 should print 'c'"):
        run_python(page_block(tmp_path, "```python\nprint('a')\n# c\n```\n"), {})


def test_tests_a_block_defines_are_run(tmp_path: Path) -> None:
    """A ``test_*`` function gets omnicx's fixtures by name, and a failing one fails."""
    block = page_block(
        tmp_path,
        "```python\ndef test_sms(routing_context):\n    assert routing_context(text='x') is None\n```\n",
    )
    with pytest.raises(AssertionError):
        run_python(block, {})


def test_no_run_needs_a_reason_and_unknown_languages_fail(tmp_path: Path) -> None:
    """``no-run`` without the comment above it, or a language with no check, fails."""
    check_info(page_block(tmp_path, "<!-- no-run: serves forever -->\n```python no-run\n```\n"))
    with pytest.raises(AssertionError, match="needs '<!-- no-run: why -->'"):
        check_info(page_block(tmp_path, "Text\n```python no-run\n```\n"))
    with pytest.raises(AssertionError, match="no check for ```ini"):
        check_info(page_block(tmp_path, "```ini\n```\n"))


def test_commands_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown extras, other packages and unknown programs are refused; omnicx must succeed."""
    monkeypatch.chdir(tmp_path)
    block = page_block(tmp_path, "```sh\n```\n")
    run_command_line(block, 'pip install -e ".[test,yaml]"  # a comment')
    with pytest.raises(AssertionError, match=r"no extra \['tset'\]"):
        run_command_line(block, 'pip install "omnicx[tset]"')
    with pytest.raises(AssertionError, match="not omnicx"):
        run_command_line(block, "pip install requests")
    with pytest.raises(AssertionError, match="no check for the command 'curl'"):
        run_command_line(block, "python3 -m venv .venv && curl https://example.com")
    with pytest.raises(AssertionError, match=r"omnicx rules lint missing.yaml exited 1"):
        run_command_line(block, "omnicx rules lint missing.yaml")


def test_data_blocks_load_with_their_loader(tmp_path: Path) -> None:
    """A rule file with a mistake fails the way ``load_rules`` reports it."""
    block = page_block(tmp_path, "```yaml\nrules:\n  - {id: x, then: {priority: hihg}}\n```\n")
    (value,) = parse_data(block)
    with pytest.raises(ValidationError, match="unknown priority 'hihg'"):
        load_data(block, value)
    assert json_documents('{"a": 1}\n\n[2]\n') == [{"a": 1}, [2]]

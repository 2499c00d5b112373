"""``matches``: RE2 at load, refused Perl-only features, the same decision at any length."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.routing import RuleEngine, context_from_input, load_rules
from omnicx.routing._conditions import Leaf
from omnicx.routing._regex import compile_pattern, is_linear

ADVERSARIAL = "(a+)+$"  # catastrophic backtracking for a backtracking engine


def _rules(pattern: str) -> dict[str, Any]:
    return {
        "rules": [
            {
                "id": "m",
                "when": {"field": "message.text", "op": "matches", "value": pattern},
                "then": {"queue": "hit"},
            },
            {"id": "rest", "then": {"queue": "miss"}},
        ]
    }


def _queue(pattern: str, text: str) -> str | None:
    engine = RuleEngine.compile(load_rules(_rules(pattern)))
    return engine.decide(context_from_input({"text": text})).queue


def test_every_pattern_is_compiled_with_re2_at_load() -> None:
    """The compiled value in the rule is an RE2 pattern, so no text can make it backtrack."""
    when = load_rules(_rules(ADVERSARIAL)).rules[0].when
    assert isinstance(when, Leaf)
    assert is_linear(when.value)
    assert type(when.value).__module__.startswith("re2")
    assert not is_linear(re.compile("x"))


@pytest.mark.parametrize("length", [5_000, 50_000])
def test_an_adversarial_message_decides_as_a_short_one(length: int) -> None:
    """``(a+)+$`` against "aaa…!" decides "no match" at 5,000 and 50,000 characters,
    as on a short text (a backtracking engine runs for minutes here)."""
    assert _queue(ADVERSARIAL, "a" * length + "!") == _queue(ADVERSARIAL, "aaa!") == "miss"
    assert _queue(ADVERSARIAL, "a" * length) == _queue(ADVERSARIAL, "aaa") == "hit"


@pytest.mark.parametrize("length", [5_000, 50_000])
def test_the_whole_text_is_searched_at_any_length(length: int) -> None:
    """A match past the 10,000th character counts: no cutoff changes the decision."""
    pattern = r"order\s*#?\d{6}"
    tail = "order #123456"
    assert _queue(pattern, "x " * (length // 2) + tail) == _queue(pattern, tail) == "hit"


def _refused(pattern: str) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_rules(_rules(pattern))
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            r"(a)\1",
            "backreferences like '\\1' are not supported (matching runs in linear time); "
            "write the repeated text out, or use two conditions",
        ),
        (
            r"refund(?=ed)",
            "lookahead '(?=...)' is not supported; combine this condition with another "
            "'matches' condition in 'all' instead",
        ),
        (
            r"refund(?!able)",
            "negative lookahead '(?!...)' is not supported; put the pattern to exclude in a "
            "'not' condition next to this one in 'all'",
        ),
        (
            r"(?<=my )order",
            "lookbehind '(?<=...)' is not supported; match the preceding text as part of the "
            "pattern instead",
        ),
        (
            r"(?<!no )refund",
            "negative lookbehind '(?<!...)' is not supported; put the pattern to exclude in a "
            "'not' condition next to this one in 'all'",
        ),
        (
            r"(?>a+)b",
            "atomic groups '(?>...)' are not supported; use a plain group '(?:...)' "
            "(matching never backtracks, so it is not needed)",
        ),
        (
            r"a++",
            "possessive quantifiers like '++' are not supported; use '+' (matching never "
            "backtracks, so it is not needed)",
        ),
        (r"end\Z", "'\\Z' is not supported; use '\\z' (end of text) or '$'"),
        (
            r"(?P<n>a)(?P=n)",
            "named backreferences '(?P=name)' are not supported; write the repeated text "
            "out, or use two conditions",
        ),
        (
            r"a{1001}",
            "a counted repetition may be at most {1000}, and nested counts multiply; "
            "use '+' or '*', or a smaller count",
        ),
        (r"(unclosed", "invalid regular expression: missing ) at '(unclosed'"),
    ],
)
def test_unsupported_features_are_refused_with_the_alternative(pattern: str, message: str) -> None:
    """What RE2 cannot run is refused at load, at the rule's path, saying what to write."""
    assert _refused(pattern) == [f"rules[0].when.value: {message}"]


def test_a_refused_pattern_is_reported_with_the_other_problems() -> None:
    """The path points into nested conditions, and other rules' problems still come."""
    data = {
        "rules": [
            {"id": "a", "then": {"queue": "q", "priority": "hihg"}, "when": {"op": "exists"}},
            {
                "id": "b",
                "when": {
                    "any": [
                        {"field": "message.subject", "op": "matches", "value": r"(\w)\1"},
                    ]
                },
                "then": {"queue": "q"},
            },
        ]
    }
    with pytest.raises(ValidationError) as info:
        load_rules(data)
    assert "rules[1].when.any[0].value" in info.value.paths


def test_compile_pattern_returns_the_pattern_or_the_reason() -> None:
    """The helper never raises: a compiled pattern, or a sentence for the problem."""
    assert compile_pattern("(?i)refund").search("REFUND") is not None
    assert isinstance(compile_pattern("(?x) a"), str)


_ATOMS = st.sampled_from(["a", "b", "ab", ".", "[ab]", "[^a]", r"\d", "x", "(?:ab|b)"])
_QUANT = st.sampled_from(["", "*", "+", "?", "{2}", "{1,3}"])
_PATTERNS = st.lists(st.tuples(_ATOMS, _QUANT).map("".join), min_size=1, max_size=5).map("".join)


@given(
    pattern=_PATTERNS, anchor=st.sampled_from(["", "^", "$"]), text=st.text("abx1 ", max_size=30)
)
def test_re2_decides_as_python_re_on_plain_patterns(pattern: str, anchor: str, text: str) -> None:
    """For the patterns both engines read alike, RE2 finds a match exactly when ``re`` does,
    so moving to RE2 changed no decision of an ordinary rule."""
    full = anchor + pattern if anchor == "^" else pattern + anchor
    compiled = compile_pattern(full)
    assert not isinstance(compiled, str)
    assert (compiled.search(text) is not None) == (re.search(full, text) is not None)


def test_re2_is_a_main_dependency_and_the_extra_is_an_alias() -> None:
    """Linear-time matching is the default install; ``omnicx[re2]`` still resolves."""
    project = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    assert any(dep.startswith("google-re2") for dep in project["dependencies"])
    assert project["optional-dependencies"]["re2"] == []

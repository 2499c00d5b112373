"""``matches`` patterns: compiled once, with RE2, so matching is linear in the text.

RE2 (google-re2) never backtracks: ``(a+)+$`` on a 50,000-character message
is as quick as on five characters, and any text is searched whole, so a rule
decides the same on every message length. The price is the Perl features that
need backtracking; a pattern using one is refused when the rule file loads,
with the feature named and what to write instead.
"""

from __future__ import annotations

from typing import Any

try:  # a main dependency; guarded so a broken install fails at load, typed
    import re2 as _re2  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - only on an install missing google-re2
    _re2 = None

__all__ = ["Pattern", "compile_pattern", "is_linear"]

Pattern = Any
"""A compiled RE2 pattern (``re2._Regexp``): ``search``, ``pattern``."""

# RE2's parse errors name the construct; each is mapped to a sentence saying
# what is unsupported and what to write instead.
_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    (
        "invalid perl operator: (?=",
        "lookahead '(?=...)' is not supported; combine this condition with another "
        "'matches' condition in 'all' instead",
    ),
    (
        "invalid perl operator: (?!",
        "negative lookahead '(?!...)' is not supported; put the pattern to exclude in a "
        "'not' condition next to this one in 'all'",
    ),
    (
        "invalid perl operator: (?<=",
        "lookbehind '(?<=...)' is not supported; match the preceding text as part of the "
        "pattern instead",
    ),
    (
        "invalid perl operator: (?<!",
        "negative lookbehind '(?<!...)' is not supported; put the pattern to exclude in a "
        "'not' condition next to this one in 'all'",
    ),
    (
        "invalid perl operator: (?>",
        "atomic groups '(?>...)' are not supported; use a plain group '(?:...)' "
        "(matching never backtracks, so it is not needed)",
    ),
    (
        "invalid perl operator: (?(",
        "conditional groups '(?(...)...)' are not supported; split the alternatives into "
        "an 'any' of 'matches' conditions",
    ),
    (
        "invalid escape sequence: \\Z",
        "'\\Z' is not supported; use '\\z' (end of text) or '$'",
    ),
    (
        "invalid escape sequence: \\k",
        "named backreferences '\\k<name>' are not supported; write the repeated text "
        "out, or use two conditions",
    ),
    (
        "bad repetition operator: *+",
        "possessive quantifiers like '*+' are not supported; use '*' (matching never "
        "backtracks, so it is not needed)",
    ),
    (
        "bad repetition operator: ++",
        "possessive quantifiers like '++' are not supported; use '+' (matching never "
        "backtracks, so it is not needed)",
    ),
    (
        "bad repetition operator: ?+",
        "possessive quantifiers like '?+' are not supported; use '?'",
    ),
    (
        "invalid repetition size",
        "a counted repetition may be at most {1000}, and nested counts multiply; "
        "use '+' or '*', or a smaller count",
    ),
    (
        "invalid perl operator: (?",
        "this '(?...)' group or flag is not supported; the flags are i, m, s and U "
        "(as in '(?i)'), the groups '(?:...)' and '(?P<name>...)'",
    ),
    (
        "pattern too large",
        "the pattern is too large for linear-time matching; use fewer or smaller "
        "counted repetitions",
    ),
)


def _options() -> Any:
    options = _re2.Options()
    options.log_errors = False  # a refused pattern is reported as a Problem, not on stderr
    return options


def _backreference(message: str) -> bool:
    return message.startswith("invalid escape sequence: \\") and message[-1:].isdigit()


def compile_pattern(pattern: str) -> Pattern | str:
    """Compile ``pattern`` with RE2; return the compiled pattern or why it was refused.

    The reason is a sentence for a ``Problem`` (what is wrong and the fix).
    """
    if _re2 is None:  # pragma: no cover - only on an install missing google-re2
        return (
            "'matches' needs google-re2, an omnicx dependency that is not installed; "
            "reinstall omnicx (pip install --force-reinstall omnicx)"
        )
    try:
        return _re2.compile(pattern, _options())
    except _re2.error as error:
        raw = error.args[0] if error.args else ""
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if message.startswith("invalid perl operator: (?P") and "(?P=" in pattern:
        return (
            "named backreferences '(?P=name)' are not supported; write the repeated text "
            "out, or use two conditions"
        )
    if _backreference(message):
        return (
            f"backreferences like '{message.rsplit(' ', 1)[-1]}' are not supported (matching "
            "runs in linear time); write the repeated text out, or use two conditions"
        )
    for start, explanation in _UNSUPPORTED:
        if message.startswith(start):
            return explanation
    reason, _, fragment = message.partition(": ")
    where = f" at {fragment!r}" if fragment else ""
    return f"invalid regular expression: {reason}{where}"


def is_linear(compiled: Any) -> bool:
    """True if ``compiled`` is an RE2 pattern (linear-time, never backtracking)."""
    return _re2 is not None and type(compiled).__module__.startswith("re2")

"""Redaction's promises: cards always masked, clean text unchanged, idempotent."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnicx.privacy import redact
from omnicx.privacy._detect import luhn_ok

# Text with no digits and no "@" holds nothing redaction looks for.
_CLEAN = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "No", "Cs"), blacklist_characters="@[]"),
    max_size=40,
)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A Luhn-valid 13-19 digit number, digits alone or in groups of four."""
    length = draw(st.integers(13, 19))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    digits = body + check
    separator = draw(st.sampled_from(["", " ", "-"]))
    return separator.join(digits[i : i + 4] for i in range(0, length, 4))


@given(prefix=_CLEAN, card=card_numbers(), suffix=_CLEAN)
def test_valid_card_numbers_in_text_are_always_masked(prefix: str, card: str, suffix: str) -> None:
    """A Luhn-valid card between spaces is masked with its last four digits."""
    result = redact(f"{prefix} {card} {suffix}")
    digits = card.replace(" ", "").replace("-", "")
    assert result.text == f"{prefix} [card ••••{digits[-4:]}] {suffix}"
    assert result.found == {"card": 1}


@given(text=_CLEAN)
def test_text_without_patterns_is_unchanged(text: str) -> None:
    """Text with nothing to find comes back as it was, with nothing found."""
    result = redact(text)
    assert result.text == text
    assert not result.changed


_MIXED = st.lists(
    st.one_of(
        _CLEAN,
        card_numbers(),
        st.text(alphabet="0123456789 -+().#/:", max_size=20),
        st.sampled_from(["a@b.io", "GB82 WEST 1234 5698 7654 32", "+44 7400 123456", "[email]"]),
    ),
    max_size=8,
).map(" ".join)


@given(text=_MIXED | st.text(max_size=60))
def test_redaction_is_idempotent(text: str) -> None:
    """Redacting redacted text changes nothing and finds nothing."""
    once = redact(text).text
    again = redact(once)
    assert again.text == once
    assert not again.changed

"""Redaction: each kind is masked, look-alikes are left alone, masks are stable."""

from __future__ import annotations

import pytest

from omnicx.privacy import DEFAULT_REDACTION, Redacted, RedactionPolicy, redact
from omnicx.privacy._detect import iban_ok, luhn_ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4242 4242 4242 4242 ok", "card [card ••••4242] ok"),
        ("card 4242-4242-4242-4242.", "card [card ••••4242]."),
        ("amex 378282246310005", "amex [card ••••0005]"),
        ("13 digits 4222222222222", "13 digits [card ••••2222]"),
        ("order 12 4242 4242 4242 4242", "order 12 [card ••••4242]"),
    ],
)
def test_card_numbers_are_masked_with_their_last_four(text: str, expected: str) -> None:
    """Luhn-valid 13-19 digit numbers, grouped or not, become ``[card ••••last4]``."""
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4241",  # fails Luhn
        "424242424242",  # 12 digits: too short
        "42424242424242424242",  # 20 digits: too long
    ],
)
def test_numbers_that_are_not_cards_stay(text: str) -> None:
    """A non-Luhn number, or one of the wrong length, is left alone."""
    assert redact(text, RedactionPolicy(phones=False)) == Redacted(text=text)


def test_a_plus_prefixed_run_is_a_phone_not_a_card() -> None:
    """A number written with "+" is never taken for a card, even if Luhn-valid."""
    assert redact("+4242424242424242").found == {}
    assert redact("+44 7400 123456").found == {"phone": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32 THANKS", "IBAN [iban ••••5432] THANKS"),
        ("DE89370400440532013000", "[iban ••••3000]"),
        ("pay to FR14 2004 1010 0505 0001 3M02 606.", "pay to [iban ••••2606]."),
    ],
)
def test_ibans_are_masked(text: str, expected: str) -> None:
    """Valid IBANs, compact or grouped, become ``[iban ••••last4]``; trailing words stay."""
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "candidate",
    [
        "GB82WEST12345698765431",  # wrong check digits
        "GB82WEST123456987654",  # wrong length for GB
        "ZZ82WEST12345698765432",  # unknown country
    ],
)
def test_invalid_ibans_are_not_ibans(candidate: str) -> None:
    """Country, its registered length and the mod-97 check must all hold."""
    assert not iban_ok(candidate)
    assert redact(candidate, RedactionPolicy(cards=False, phones=False)).found == {}


def test_luhn_reference_numbers() -> None:
    """The Luhn check accepts the textbook valid number and rejects its neighbour."""
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")


@pytest.mark.parametrize(
    "text",
    ["mail sam.okafor@example.org now", "<maya+orders@shop.example.co.uk>", "A_B@x-y.io."],
)
def test_emails_are_masked(text: str) -> None:
    """An email address becomes ``[email]`` and nothing else changes."""
    result = redact(text)
    assert result.found == {"email": 1}
    assert "@" not in result.text
    assert "[email]" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "call +44 7400 123456",
        "call +44 (0)20 7946 0958",
        "call +1-415-555-0132",
        "call 020 7946 0958",
        "call 07400 123456",
        "call (415) 555-0132",
        "call 415.555.0132",
        "call 01 23 45 67 89",
        "call 01.23.45.67.89",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    """International and common national forms become ``[phone]``."""
    assert redact(text).text == "call [phone]"


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-01-15 at 10:30",
        "on 15/01/2024 and 01.02.2024 10",
        "order #07400123456 and ORD-07400123456",
        "order 1234567890",
        "paid 1,234.56 or 1 234 567 EUR",
        "version 4.15.5550132",
        "+1234",
    ],
)
def test_dates_order_numbers_and_amounts_stay(text: str) -> None:
    """The phone heuristics leave dates, order numbers and amounts alone."""
    assert redact(text) == Redacted(text=text)


def test_custom_patterns_are_masked_by_name_before_built_ins() -> None:
    """A custom pattern masks as ``[name]``; it wins over a built-in it overlaps."""
    policy = RedactionPolicy.from_dict({"patterns": {"api_key": r"sk_live_\w+", "ref": r"#\d+"}})
    result = redact("key sk_live_ab12 for #4242424242424242", policy)
    assert result.text == "key [api_key] for [ref]"
    assert result.found == {"api_key": 1, "ref": 1}


def test_custom_patterns_do_not_reopen_masks() -> None:
    """A pattern that matches mask text leaves masks alone, so redaction stays idempotent."""
    policy = RedactionPolicy.from_dict({"patterns": {"word": r"[a-z]+"}})
    once = redact("hello 4242424242424242", policy)
    assert once.text == "[word] [card ••••4242]"
    assert redact(once.text, policy) == Redacted(text=once.text)


def test_empty_matches_are_ignored() -> None:
    """A pattern that can match nothing at all never inserts masks between characters."""
    policy = RedactionPolicy.from_dict({"patterns": {"maybe": r"z*"}})
    assert redact("abc", policy) == Redacted(text="abc")


def test_kinds_can_be_switched_off() -> None:
    """A kind switched off in the policy is not masked."""
    policy = RedactionPolicy(emails=False)
    assert redact("a@b.io 4242424242424242", policy).text == "a@b.io [card ••••4242]"
    assert policy.kinds() == ("iban", "card", "phone")
    assert DEFAULT_REDACTION.kinds() == ("email", "iban", "card", "phone")


def test_text_that_already_holds_masks_is_left_as_is() -> None:
    """Masks written by hand, or by an earlier run, are not counted again."""
    text = "[email] [phone] [card ••••4242] [iban ••••3000]"
    assert redact(text) == Redacted(text=text)
    assert not redact(text).changed
    assert redact("a@b.io").changed


def test_empty_text() -> None:
    """The empty string redacts to itself."""
    assert redact("") == Redacted(text="")

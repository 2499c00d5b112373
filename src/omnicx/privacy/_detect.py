"""Finders for the built-in kinds of personal data: cards, IBANs, emails, phones.

Each finder takes a piece of text and returns ``(start, end, mask)`` spans.
They never look at what surrounds the text they are given, so the redactor
can run them on the pieces between masks it already wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str]

# A run of digits joined by single spaces or dashes: "4242 4242-4242 4242".
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d)*")


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` passes the Luhn check (ISO/IEC 7812-1, annex B)."""
    total = 0
    # "Double the value of every second digit, beginning with the rightmost
    # digit that is not the check digit"; a doubled digit over 9 loses 9.
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_cards(text: str) -> Iterator[Span]:
    """Payment card numbers: 13 to 19 digits, Luhn valid, in whole groups.

    A run of digit groups is searched for the leftmost, then longest, window
    of whole groups that holds 13-19 digits and passes Luhn, so a card right
    after an order number ("order 12 4242 4242 4242 4242") is still found.
    A run that starts with "+" is a phone number, never a card.
    """
    for run in _DIGIT_RUN.finditer(text):
        if run.start() and text[run.start() - 1] == "+":
            continue
        groups = [(m.start() + run.start(), m.group()) for m in re.finditer(r"\d+", run.group())]
        first = 0
        while first < len(groups):
            window = _card_window(groups, first)
            if window is None:
                first += 1
                continue
            last, digits = window
            start = groups[first][0]
            end = groups[last][0] + len(groups[last][1])
            yield start, end, f"[card ••••{digits[-4:]}]"
            first = last + 1


def _card_window(groups: list[tuple[int, str]], first: int) -> tuple[int, str] | None:
    best = None
    digits = ""
    for last in range(first, len(groups)):
        digits += groups[last][1]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_ok(digits):
            best = (last, digits)
    return best


# ISO 13616 lengths per country, from the SWIFT IBAN registry.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]*(?: [A-Z0-9]+)*")


def iban_ok(compact: str) -> bool:
    """Whether ``compact`` (no spaces) is an IBAN: known country, its length, mod 97 == 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    # ISO 13616-1: "move the four initial characters to the end of the string,
    # replace each letter by two digits (A = 10 ... Z = 35)"; the result mod 97 is 1.
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_ibans(text: str) -> Iterator[Span]:
    """IBANs, compact or in space-separated groups, in capital letters.

    The longest prefix of whole space-separated tokens that forms a valid
    IBAN wins, so a word after the number ("... 3000 THANKS") is not taken.
    """
    for run in _IBAN_RUN.finditer(text):
        tokens = run.group().split(" ")
        for count in range(len(tokens), 0, -1):
            compact = "".join(tokens[:count])
            if iban_ok(compact):
                end = run.start() + len(" ".join(tokens[:count]))
                yield run.start(), end, f"[iban ••••{compact[-4:]}]"
                break


_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)


def find_emails(text: str) -> Iterator[Span]:
    """Email addresses: ``local@domain.tld`` with a letters-only top-level domain."""
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end(), "[email]"


# Not right after a word character, "+", "-", "/", ".", "#" or ":" followed by a
# digit, so order numbers ("#0740..."), references ("ORD-0740...") and decimals
# are never the start of a phone number.
_NOT_AFTER = r"(?<![\w+\-/.#])"
_NOT_BEFORE = r"(?![\w/]|[.,]\d)"
_PHONE = re.compile(
    _NOT_AFTER
    + "(?:"
    # International, E.164: "+" then at most 15 digits; 8 is the shortest we take.
    + r"\+\d(?:[ .\-]?\(?\d\)?){7,14}"
    # National trunk-prefixed: "020 7946 0958", "07400 123456", "(0)20 ...".
    + r"|\(?0\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}"
    # French style pairs with one separator throughout: "01 23 45 67 89".
    + r"|0\d(?P<sep>[ .\-]?)\d{2}(?:(?P=sep)\d{2}){3}"
    # North American: "(415) 555-0132", "415-555-0132", "415.555.0132".
    + r"|(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .\-])\d{3}[ .\-]\d{4}"
    + ")"
    + _NOT_BEFORE
)


def find_phones(text: str) -> Iterator[Span]:
    """Phone numbers in international or common national forms (see docs/privacy.md)."""
    for match in _PHONE.finditer(text):
        yield match.start(), match.end(), "[phone]"

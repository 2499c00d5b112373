"""Phone numbers: E.164 via phonenumbers, WhatsApp forms, extensions kept apart."""

from __future__ import annotations

import functools
import re

import phonenumbers

from omnicx.errors import ValidationError
from omnicx.model import Identifier

# ITU-T E.164: at most 15 digits, country code first (never 0). The fast path
# only skips the formatting step; validity is still checked against metadata.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_DIGITS = re.compile(r"[0-9]{7,15}")
# Visual separators people and exports put in numbers: space, . - / ( ) and
# their Unicode lookalikes (no-break space, dashes).
_SEPARATORS = re.compile(r"[\s.\-/()\u00a0\u2010-\u2015]")
_PREFIXES = ("whatsapp:", "tel:", "sms:", "phone:")
_REGION = re.compile(r"[A-Z]{2}")


def canonical_phone(raw: str, region: str | None = None) -> str:
    """Return ``raw`` as an E.164 number (``+14155550100``).

    ``region`` is the default region (ISO 3166-1 alpha-2, ``"GB"``) for numbers
    written in national format; pass the customer's, the channel account's or
    the tenant's, most specific first. Accepted forms:

    - international and national formats with any separators and trunk
      prefixes (``+44 7911 123456``, ``07911 123456`` with ``GB``);
    - ``whatsapp:+14155550100`` (Twilio), ``tel:`` URIs (RFC 3966);
    - bare digits as WhatsApp sends ``wa_id`` (``14155550100``): with no
      region, or when the national reading is invalid, they are read as
      country code plus number.

    An extension (``ext. 12``, ``;ext=12``) is not part of the number: it is
    dropped here and returned by :func:`phone_extension`, because SMS,
    WhatsApp and caller ID never carry one, so it cannot link inbound traffic.

    Raises ValidationError (path ``phone``) when the text is not a number or
    the number is not valid for its country. Each distinct ``(raw, region)``
    is parsed once and cached, failures included.
    """
    return _checked(raw, region)[0]


def phone_extension(raw: str, region: str | None = None) -> str | None:
    """Return the extension written in ``raw`` (``"12"``), or None.

    Raises ValidationError like :func:`canonical_phone` if the number itself
    is invalid.
    """
    return _checked(raw, region)[1]


def phone_identifier(raw: str, *, region: str | None = None, verified: bool = False) -> Identifier:
    """Return a phone Identifier holding the E.164 form of ``raw``.

    ``verified`` says the channel vouched for the number (an SMS or WhatsApp
    sender, an OTP-confirmed number). Raises ValidationError like
    :func:`canonical_phone`.
    """
    return Identifier.phone(_checked(raw, region)[0], verified=verified)


def _checked(raw: str, region: str | None) -> tuple[str, str | None]:
    ok, value, extension = _parse_cached(raw, region)
    if not ok:
        raise ValidationError.single("phone", value)
    return value, extension


@functools.lru_cache(maxsize=262144)
def _parse_cached(raw: str, region: str | None) -> tuple[bool, str, str | None]:
    if region is not None and not _REGION.fullmatch(region):
        return False, "the default region must be two upper-case letters (ISO 3166-1)", None
    text = raw.strip()
    lowered = text[:9].lower()
    for prefix in _PREFIXES:
        # phonenumbers reads RFC 3966 "tel:" URIs itself (with ";ext="); the
        # other prefixes are transport labels to drop.
        if lowered.startswith(prefix) and prefix != "tel:":
            text = text[len(prefix) :].strip()
            break
    if not text:
        return False, "the number is empty", None
    if _E164.fullmatch(text):
        return _from_e164(text)
    compact = _SEPARATORS.sub("", text)
    if _DIGITS.fullmatch(compact):
        return _from_digits(compact, region)
    return _from_parsed(text, region, keep=None)


def _from_e164(text: str) -> tuple[bool, str, str | None]:
    # E.164 country codes are prefix-free, so the first known 1-3 digit prefix
    # is the country code: build the number directly instead of parsing text
    # (about half the cost), then check it against the same metadata.
    digits = text[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            zeros = len(national) - len(national.lstrip("0"))
            if zeros:  # Italian-style numbers keep their leading zeros
                number.italian_leading_zero = True
                number.number_of_leading_zeros = zeros
            if not phonenumbers.is_valid_number(number):
                return False, _INVALID, None
            return True, text, None
    return _from_parsed(text, None, keep=text)


def _from_digits(digits: str, region: str | None) -> tuple[bool, str, str | None]:
    # WhatsApp's wa_id is "the customer's phone number" without "+": country
    # code first. A national reading wins only when a region says so and the
    # number is valid there (07911123456 in GB); otherwise read it as wa_id.
    if region is not None:
        national = _from_parsed(digits, region, keep=None)
        if national[0] or digits.startswith("0"):
            return national
    return _from_parsed("+" + digits, None, keep=None)


def _from_parsed(
    text: str, region: str | None, *, keep: str | None
) -> tuple[bool, str, str | None]:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as bad:
        return False, _PARSE_REASONS.get(bad.error_type, "the text is not a phone number"), None
    if not phonenumbers.is_valid_number(number):
        return False, _INVALID, None
    e164 = keep or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return True, e164, number.extension or None


_INVALID = "the number is not valid for its country (E.164 metadata)"
_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "the number has no valid country code and no default region applies"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "the text is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "the number is too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "the number is too short",
    phonenumbers.NumberParseException.TOO_LONG: "the number is too long",
}

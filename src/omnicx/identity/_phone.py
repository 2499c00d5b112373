"""Phone numbers: E.164 via phonenumbers, WhatsApp forms, extensions kept apart."""

from __future__ import annotations

import re
from typing import Any

import attrs
import phonenumbers

from omnicx._caches import memo
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
      country code plus number;
    - WhatsApp chat ids (``14155550100@s.whatsapp.net``, ``14155550100@c.us``,
      with or without a ``:device`` part): the number they hold. A group id
      (``...@g.us``) is no one's number and is refused.

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


def read_phone(raw: str, region: str | None) -> str | None:
    """:func:`canonical_phone` for callers that cache raw values themselves.

    Returns None instead of raising for an invalid number, and does not
    cache ``raw`` (the E.164 candidates it checks are still cached, so the
    written forms of one number cost one check).
    """
    ok, value, _extension = _parse(raw, region)
    return value if ok else None


def _checked(raw: str, region: str | None) -> tuple[str, str | None]:
    ok, value, extension = _parse_cached(raw, region)
    if not ok:
        raise ValidationError.single("phone", value)
    return value, extension


def read_phone_or_problem(raw: str, region: str | None) -> tuple[bool, str]:
    """``(True, E.164 number)`` or ``(False, what is wrong)``; nothing cached."""
    ok, value, _extension = _parse(raw, region)
    return ok, value


_WHATSAPP_CHAT = re.compile(r"\+?([0-9]{6,15})(?::[0-9]{1,3})?@(?:s\.whatsapp\.net|c\.us)")


def _parse(raw: str, region: str | None) -> tuple[bool, str, str | None]:
    if region is not None and not _REGION.fullmatch(region):
        return False, "the default region must be two upper-case letters (ISO 3166-1)", None
    text = raw.strip()
    if "@" in text:
        chat = _WHATSAPP_CHAT.fullmatch(text.lower())
        if chat is None:
            if text.lower().endswith("@g.us"):
                return False, "a WhatsApp group id is no one's number", None
            return False, "the text is not a number (it has an '@')", None
        return _from_e164(f"+{chat.group(1)}")
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
    if _E164.fullmatch(compact):
        # "+44 7911 123456": the number of the E.164 spelling (cached) when
        # that is valid; "+44 (0)7911 123456" still goes to the parser.
        found = _via_e164(compact)
        if found is not None:
            return found
    return _from_parsed(text, region, keep=None)


# Raw numbers as written: personal data, emptied by erasure. The key is the
# whole input (raw text and default region); metadata is fixed per process.
_parse_cached = memo(262_144, personal=True)(_parse)


def _from_e164(text: str) -> tuple[bool, str, str | None]:
    # E.164 country codes are prefix-free, so the first known 1-3 digit prefix
    # is the country code: check the national number against the same
    # metadata directly instead of parsing text (a fraction of the cost).
    digits = text[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            if not national.strip("0") or not _is_valid(code, national):
                return False, _INVALID, None
            return True, text, None
    return _from_parsed(text, None, keep=text)


def _is_valid(code: int, national: str) -> bool:
    """``phonenumbers.is_valid_number`` for a country code and national number.

    The same metadata and the same rule: the region is the first of the
    code's regions whose leading digits match or where the number is valid,
    and the number is valid when it fits the general pattern and one
    number type. Patterns are grouped per region and length once.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return _valid_in(code, regions[0], national)
    for region in regions:
        leading = _leading_digits(region)
        if leading is not None:
            if leading.match(national):
                return _valid_in(code, region, national)
        elif _valid_in(code, region, national):
            return True
    return False


@memo(1024, personal=False)  # one per region in the metadata (about 250)
def _leading_digits(region: str) -> re.Pattern[str] | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return re.compile(meta.leading_digits) if meta and meta.leading_digits else None


def _valid_in(code: int, region: str, national: str) -> bool:
    pattern = _type_pattern(code, region, len(national))
    return pattern is not None and pattern.fullmatch(national) is not None


@memo(8192, personal=False)  # per country code, region and length: a few thousand
def _type_pattern(code: int, region: str, length: int) -> re.Pattern[str] | None:
    """One pattern: the general description, then any type possible at ``length``."""
    # "001" (non-geographic entities such as +800) is looked up by code.
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    general = meta.general_desc if meta is not None else None
    if meta is None or general is None or not _fits(general, length):
        return None
    types = [
        f"(?:{desc.national_number_pattern})"
        for desc in (
            meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip,
            meta.personal_number, meta.pager, meta.uan, meta.voicemail,
            meta.fixed_line, meta.mobile,
        )
        if desc is not None and desc.national_number_pattern and _fits(desc, length)
    ]  # fmt: skip
    if not types:
        return None
    return re.compile(f"(?=(?:{general.national_number_pattern})$)(?:{'|'.join(types)})")


def _fits(desc: Any, length: int) -> bool:
    possible = desc.possible_length
    return not possible or length in possible


def _from_digits(digits: str, region: str | None) -> tuple[bool, str, str | None]:
    # WhatsApp's wa_id is "the customer's phone number" without "+": country
    # code first. Digits that begin with the region's own country code are
    # read that way when valid (a national number is written with its trunk
    # prefix, "0151...", not "49151..."); otherwise a national reading wins
    # when it is valid there (07911123456 in GB), and the wa_id reading last.
    if region is not None:
        rules = _region_rules(region)
        if rules is not None:
            found = _fast_national(digits, rules)
            if found is not None:
                return found
        national = _from_parsed(digits, region, keep=None)
        if national[0]:
            return national
        if digits.startswith("00"):
            # ITU-T E.164 recommends "00" as the international prefix; where a
            # region dials abroad otherwise (011 in NANP) "00" + country code
            # is still how numbers are written from abroad.
            abroad = _via_e164("+" + digits[2:])
            return abroad if abroad is not None else national
        if digits.startswith("0"):
            return national
    return _from_parsed("+" + digits, None, keep=None)


def _via_e164(candidate: str) -> tuple[bool, str, str | None] | None:
    """The E.164 reading of ``candidate`` (cached), or None if not valid."""
    if not _E164.fullmatch(candidate):
        return None
    found = _parse_cached(candidate, None)
    return found if found[0] else None


@attrs.frozen
class _RegionRules:
    """What a national number needs in one region, from phonenumbers metadata."""

    country_code: str
    international_prefix: str | None  # only when a literal ("00"), not a pattern
    national_prefix: str | None
    prefix_for_parsing: re.Pattern[str] | None


@memo(1024, personal=False)  # per two-letter region: at most 676
def _region_rules(region: str) -> _RegionRules | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.national_prefix_transform_rule is not None:
        return None  # rewriting rules (AR, BR, MX...): always the full parser
    idd = meta.international_prefix
    parsing = meta.national_prefix_for_parsing or meta.national_prefix
    return _RegionRules(
        country_code=str(meta.country_code),
        international_prefix=idd if idd and idd.isdigit() else None,
        national_prefix=meta.national_prefix,
        prefix_for_parsing=re.compile(parsing) if parsing else None,
    )


def _fast_national(digits: str, rules: _RegionRules) -> tuple[bool, str, str | None] | None:
    """Read ``digits`` without the full parser when the result is certain, else None.

    Each shortcut builds the E.164 candidate phonenumbers would build (IDD,
    country code, trunk prefix dropped) and accepts it only if that number
    is valid; phonenumbers strips a trunk prefix exactly when what remains
    is a possible number, so a valid candidate is its answer too. The
    candidate's validity is cached by E.164 value, so every written form of
    one number costs one check.
    """
    idd = rules.international_prefix
    if idd is None:
        return None  # an IDD pattern (0011, 0019... in AU): the full parser reads it
    if digits.startswith(idd):
        return _via_e164("+" + digits[len(idd) :])
    if digits.startswith(rules.country_code) and not digits.startswith("0"):
        return _via_e164("+" + digits)
    pattern = rules.prefix_for_parsing
    match = pattern.match(digits) if pattern is not None else None
    if match is None:
        national = digits
    elif match.group() == rules.national_prefix and not any(match.groups()):
        national = digits[match.end() :]
    else:
        return None
    if national.startswith(rules.country_code):
        return None  # phonenumbers may read these as country code + number
    return _via_e164(f"+{rules.country_code}{national}")


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

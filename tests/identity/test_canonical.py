"""Canonical identifiers: emails, phones, handles and external ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import (
    canonical_email,
    canonical_network,
    canonical_phone,
    email_identifier,
    email_match_key,
    external_identifier,
    handle_identifier,
    phone_extension,
    phone_identifier,
)
from omnicx.model import IdentifierKind


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:jane@example.com", "jane@example.com"),
        ("MAILTO:jane@example.com?subject=hi", "jane@example.com"),
        ("<jane@example.com>", "jane@example.com"),
        ("jane@example.com.", "jane@example.com"),
        ("jane@bücher.de", "jane@xn--bcher-kva.de"),
        ("jane+shop@example.com", "jane+shop@example.com"),
        ("josé@example.com", "josé@example.com"),
    ],
)
def test_canonical_email_examples(raw: str, canonical: str) -> None:
    """Trim, mailto:, brackets, case and IDNA are normalised; tags are kept."""
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "email: the address is empty"),
        ("mailto:", "email: the address is empty"),
        ("jane doe@example.com", "email: the address contains whitespace"),
        ("jane.example.com", "email: the address has no '@'"),
        ("a@b@example.com", "email: the address has more than one '@'"),
        ("@example.com", "email: the local part (before '@') is empty"),
        ("a" * 65 + "@example.com", "email: the local part is longer than 64 octets"),
        ('"a"@example.com', "email: the local part contains a character an address cannot hold"),
        (".jane@example.com", "email: the local part has a leading, trailing or doubled '.'"),
        ("ja..ne@example.com", "email: the local part has a leading, trailing or doubled '.'"),
        ("jane@", "email: the domain (after '@') is empty"),
        (
            "jane@localhost",
            "email: the domain has no '.' (a customer address needs a public domain)",
        ),
        (
            "jane@-bad.com",
            "email: the domain has an empty, over-long or invalid label (letters, digits and inner '-' only)",
        ),
        (
            "jane@ex..com",
            "email: the domain has an empty, over-long or invalid label (letters, digits and inner '-' only)",
        ),
        ("jane@" + "a." * 127 + "com", "email: the domain is longer than 253 characters"),
        ("jane@\u00ad\u00ad.com", "email: the domain is not a valid internationalised name"),
    ],
)
def test_malformed_email_is_refused_with_the_reason(raw: str, message: str) -> None:
    """Each malformed shape raises ValidationError naming the reason, never the address."""
    with pytest.raises(ValidationError) as info:
        canonical_email(raw)
    assert str(info.value) == message


def test_malformed_email_raises_each_time() -> None:
    """A cached failure still raises on every call."""
    for _ in range(2):
        with pytest.raises(ValidationError):
            email_identifier("nope")


@pytest.mark.parametrize(
    ("canonical", "key"),
    [
        ("j.doe+shop@gmail.com", "jdoe@gmail.com"),
        ("j.doe@googlemail.com", "jdoe@gmail.com"),
        ("+x@gmail.com", "+x@gmail.com"),
        ("jane+news@outlook.com", "jane@outlook.com"),
        ("j.ane+news@icloud.com", "j.ane@icloud.com"),
        ("jane+news@example.com", "jane+news@example.com"),
        ("j.doe@example.com", "j.doe@example.com"),
    ],
)
def test_email_match_key_folds_only_provider_rules(canonical: str, key: str) -> None:
    """Gmail folds dots and tags; plus-addressing providers fold tags; others are untouched."""
    assert email_match_key(canonical) == key


def test_email_identifier_holds_the_canonical_value() -> None:
    """The identifier keeps the canonical address (not the match key) and the verified flag."""
    ident = email_identifier(" J.Doe+x@Gmail.com", verified=True)
    assert (ident.kind, ident.value, ident.verified) == (
        IdentifierKind.EMAIL,
        "j.doe+x@gmail.com",
        True,
    )


_emails = st.builds(
    lambda local, domain, tld, upper: (
        (f"{local}@{domain}.{tld}").upper() if upper else f"{local}@{domain}.{tld}"
    ),
    st.from_regex(r"[a-z0-9](?:[a-z0-9+_]{0,10}[a-z0-9])?(?:\.[a-z0-9]{1,5})?", fullmatch=True),
    st.from_regex(r"[a-zü]{1,10}", fullmatch=True),
    st.sampled_from(["com", "de", "co.uk"]),
    st.booleans(),
)


@given(_emails)
def test_canonical_email_is_idempotent(raw: str) -> None:
    """canonical(canonical(x)) == canonical(x), and the key is idempotent too."""
    once = canonical_email(raw)
    assert canonical_email(once) == once
    key = email_match_key(once)
    assert email_match_key(key) == key


@given(st.text(max_size=30))
def test_canonical_email_only_raises_validation_error(raw: str) -> None:
    """Any text either canonicalises idempotently or raises ValidationError."""
    try:
        once = canonical_email(raw)
    except ValidationError:
        return
    assert canonical_email(once) == once


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+14155550100", None, "+14155550100"),
        ("+1 (415) 555-0100", None, "+14155550100"),
        ("whatsapp:+14155550100", None, "+14155550100"),
        ("WhatsApp:14155550100", None, "+14155550100"),
        ("14155550100", None, "+14155550100"),
        ("14155550100", "US", "+14155550100"),
        ("4155550100", "US", "+14155550100"),
        ("07911 123456", "GB", "+447911123456"),
        ("447911123456", "US", "+447911123456"),
        ("+44 (0)7911 123456", None, "+447911123456"),
        ("tel:+1-415-555-0100", None, "+14155550100"),
        ("00 44 7911 123456", "DE", "+447911123456"),
    ],
)
def test_canonical_phone_examples(raw: str, region: str | None, e164: str) -> None:
    """National, international, WhatsApp and tel: forms all reach E.164."""
    assert canonical_phone(raw, region) == e164
    assert phone_identifier(raw, region=region).value == e164


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("+1 415 555 0100 ext. 12", "12"),
        ("tel:+1-415-555-0100;ext=34", "34"),
        ("+1 415 555 0100", None),
    ],
)
def test_extension_is_kept_apart(raw: str, extension: str | None) -> None:
    """The extension is not part of the E.164 value; phone_extension returns it."""
    assert canonical_phone(raw) == "+14155550100"
    assert phone_extension(raw) == extension


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("", None, "phone: the number is empty"),
        (
            "+9990000000",
            None,
            "phone: the number has no valid country code and no default region applies",
        ),
        ("whatsapp:", None, "phone: the number is empty"),
        ("call me", None, "phone: the text is not a phone number"),
        (
            "0000000",
            None,
            "phone: the number has no valid country code and no default region applies",
        ),
        (
            "07911 123456",
            None,
            "phone: the number has no valid country code and no default region applies",
        ),
        ("+10000000000", None, "phone: the number is not valid for its country (E.164 metadata)"),
        ("07911 123", "GB", "phone: the number is not valid for its country (E.164 metadata)"),
        ("+1", None, "phone: the text is not a phone number"),
        ("+44 7911 123456 123456 1234", None, "phone: the number is too long"),
        (
            "4155550100",
            "us",
            "phone: the default region must be two upper-case letters (ISO 3166-1)",
        ),
    ],
)
def test_invalid_phone_is_refused(raw: str, region: str | None, message: str) -> None:
    """Invalid numbers raise ValidationError with the reason; they never match."""
    with pytest.raises(ValidationError) as info:
        canonical_phone(raw, region)
    assert str(info.value) == message


_e164 = st.sampled_from(
    ["+14155550100", "+447911123456", "+4915112345678", "+33612345678", "+61412345678"]
)


@given(_e164, st.sampled_from(["", " ", "-"]), st.sampled_from([None, "US", "GB", "DE"]))
def test_canonical_phone_is_idempotent(e164: str, sep: str, region: str | None) -> None:
    """canonical(canonical(x)) == canonical(x) for any formatting and region."""
    raw = e164[:4] + sep + e164[4:8] + sep + e164[8:]
    once = canonical_phone(raw, region)
    assert once == e164
    assert canonical_phone(once, region) == once


@pytest.mark.parametrize(
    ("network", "raw", "namespace", "value"),
    [
        ("instagram", " 17841400000000000 ", "instagram", "17841400000000000"),
        ("IG", "123", "instagram", "123"),
        ("Messenger", "2456789", "messenger", "2456789"),
        ("facebook", "2456789", "messenger", "2456789"),
        ("x", "@JaneDoe", "x", "janedoe"),
        ("Twitter", "jane_doe", "x", "jane_doe"),
        ("whatsapp", "US.13491208655302741918", "whatsapp", "US.13491208655302741918"),
        ("telegram", "Jane123", "telegram", "Jane123"),
    ],
)
def test_handle_identifier_per_network(network: str, raw: str, namespace: str, value: str) -> None:
    """Each network's handle is normalised by its own rule, under its canonical name."""
    ident = handle_identifier(network, raw)
    assert (ident.kind, ident.namespace, ident.value) == (IdentifierKind.HANDLE, namespace, value)


@pytest.mark.parametrize(
    ("network", "raw", "message"),
    [
        ("messenger", "abc", "handle: a page-scoped id is digits only"),
        (
            "instagram",
            "@jane doe",
            "handle: an Instagram handle is a numeric scoped id or a username of 1 to 30"
            " letters, digits, '.' or '_' (an optional '@' first)",
        ),
        ("whatsapp", "120363@g.us", "handle: a WhatsApp group id is no one's number"),
        ("x", "@", "handle: an X handle is 1 to 15 letters, digits or '_' (an optional '@' first)"),
        (
            "x",
            "a" * 16,
            "handle: an X handle is 1 to 15 letters, digits or '_' (an optional '@' first)",
        ),
        ("whatsapp", "a b", "handle: a WhatsApp user id is 1 to 128 letters, digits or '._:-'"),
        ("telegram", "a b", "handle: a handle has no whitespace and at most 255 characters"),
        ("telegram", "  ", "handle: the handle is empty"),
        ("", "1", "network: a network name is letters, digits and '_.-' (e.g. 'instagram')"),
        ("my net", "1", "network: a network name is letters, digits and '_.-' (e.g. 'instagram')"),
    ],
)
def test_bad_handle_is_refused(network: str, raw: str, message: str) -> None:
    """Malformed handles and network names raise ValidationError with the rule."""
    with pytest.raises(ValidationError) as info:
        handle_identifier(network, raw)
    assert str(info.value) == message


@given(st.from_regex(r"@?[A-Za-z0-9_]{1,15}", fullmatch=True))
def test_x_handle_is_idempotent(raw: str) -> None:
    """Canonicalising an X handle twice changes nothing."""
    once = handle_identifier("x", raw).value
    assert handle_identifier("x", once).value == once


def test_canonical_network_folds_aliases() -> None:
    """Network names are lower-cased and aliases fold to one name."""
    assert canonical_network(" Twitter ") == "x"


@pytest.mark.parametrize(
    ("system", "raw", "key"),
    [
        ("shopify:customer", "123", "external:shopify:customer:123"),
        ("Shopify:Customer", "gid://shopify/Customer/123", "external:shopify:customer:123"),
        ("stripe", " cus_NffrFeUfNV2Hib ", "external:stripe:cus_NffrFeUfNV2Hib"),
    ],
)
def test_external_identifier(system: str, raw: str, key: str) -> None:
    """External ids are namespaced by system, case kept, always verified."""
    ident = external_identifier(system, raw)
    assert ident.key == key
    assert ident.verified


@pytest.mark.parametrize(
    ("system", "raw", "message"),
    [
        (
            "shop ify",
            "1",
            "system: a system name is letters, digits and '_.-', parts joined by ':' (e.g. 'shopify:customer')",
        ),
        ("stripe", " ", "external: the id is empty"),
        (
            "stripe",
            "cus 1",
            "external: an external id has no whitespace and at most 255 characters",
        ),
        (
            "shopify:customer",
            "abc",
            "external: a Shopify customer id is numeric (or gid://shopify/Customer/<n>)",
        ),
    ],
)
def test_bad_external_identifier_is_refused(system: str, raw: str, message: str) -> None:
    """Malformed systems and ids raise ValidationError with the rule."""
    with pytest.raises(ValidationError) as info:
        external_identifier(system, raw)
    assert str(info.value) == message


def _examples() -> list[tuple[str, str, str]]:
    import phonenumbers

    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if number is not None:
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            found.append((region, e164, national))
    return found


@given(st.sampled_from(_examples()))
def test_e164_fast_path_agrees_with_full_parse(example: tuple[str, str, str]) -> None:
    """Every region's example mobile: E.164 (fast path) and national input reach the same value."""
    region, e164, national = example
    assert canonical_phone(e164) == e164
    assert canonical_phone(national, region) == e164


@given(
    st.sampled_from(["shopify:customer", "Stripe", "hubspot:contact"]),
    st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True),
)
def test_external_identifier_is_idempotent(system: str, raw: str) -> None:
    """Re-normalising an external id's own system and value changes nothing."""
    if system == "shopify:customer":
        raw = str(len(raw))
    once = external_identifier(system, raw)
    assert external_identifier(once.namespace, once.value) == once


def _written_forms() -> list[tuple[str, str, str]]:
    import phonenumbers

    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in kinds:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            spaced = phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            for raw in (national, spaced, "".join(c for c in national if c.isdigit())):
                found.append((region, raw, e164))
    return found


@given(st.sampled_from(_written_forms()))
def test_written_forms_reach_the_parsers_number(form: tuple[str, str, str]) -> None:
    """National (with or without separators) and spaced international forms of every
    region's example numbers reach the E.164 value phonenumbers gives, shortcuts or not."""
    region, raw, e164 = form
    assert canonical_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("4915190757321", "DE", "+4915190757321"),
        ("015190757321", "DE", "+4915190757321"),
        ("004915190757321", "DE", "+4915190757321"),
        ("0014155550123", "US", "+14155550123"),
        ("0033612345678", "US", "+33612345678"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("+49 151 90757321", "FR", "+4915190757321"),
    ],
)
def test_wa_id_and_00_forms(raw: str, region: str, e164: str) -> None:
    """Digits starting with the region's country code read as a wa_id; "00" reads as
    the international prefix even where the region dials abroad with 011."""
    assert canonical_phone(raw, region) == e164


def _example_e164s() -> list[str]:
    import phonenumbers

    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                )
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found


@given(
    st.sampled_from(_example_e164s()),
    st.integers(min_value=1, max_value=16),
    st.sampled_from("0123456789"),
)
def test_e164_validity_is_phonenumbers_validity(e164: str, position: int, digit: str) -> None:
    """The grouped-pattern validity check agrees with phonenumbers.is_valid_number,
    on example numbers of every type and region and on one-digit changes of them."""
    import phonenumbers

    text = e164 if position >= len(e164) else e164[:position] + digit + e164[position + 1 :]
    try:
        number = phonenumbers.parse(text, None)
        expected = phonenumbers.is_valid_number(number) and text == phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:
        expected = False
    try:
        assert canonical_phone(text) == text
        valid = True
    except ValidationError:
        valid = False
    assert valid == expected

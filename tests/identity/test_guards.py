"""Link guards: blocked values, role mailboxes, limits and merge protection."""

from __future__ import annotations

import pytest

from omnicx.errors import ValidationError
from omnicx.identity import IdentityPolicy, Refusal, SharedReason, match_key
from omnicx.identity._guards import (
    intrinsic_shared_reason,
    is_blocked,
    is_role_mailbox,
    kind_label,
    too_many_names,
)
from omnicx.identity._protection import is_unique_kind, link_rank, protection_refusal
from omnicx.model import Identifier

SHOP1 = Identifier.external("shopify:customer", "1")
SHOP2 = Identifier.external("shopify:customer", "2")
ANA = Identifier.email("ana@example.com", verified=True)
BEN = Identifier.email("ben@example.com", verified=True)


@pytest.mark.parametrize(
    "identifier",
    [
        Identifier.email("test@test.com"),
        Identifier.email("noemail@example.com"),
        Identifier.handle("x", "anonymous"),
        Identifier.handle("x", "null"),
        Identifier.handle("telegram", "-1"),
        Identifier.external("crm", "0000000"),
        Identifier.external("crm", "N/A"),
        Identifier.phone("+10000000"),
    ],
)
def test_blocked_values_never_link(identifier: Identifier) -> None:
    """Placeholder values are blocked and reported as BLOCKED."""
    assert is_blocked(identifier)
    assert intrinsic_shared_reason(identifier) is SharedReason.BLOCKED


def test_real_values_are_not_blocked() -> None:
    """Ordinary values pass every intrinsic guard."""
    for identifier in (ANA, SHOP1, Identifier.phone("+14155550100")):
        assert intrinsic_shared_reason(identifier) is None


def test_blocked_values_are_configurable() -> None:
    """A policy's own patterns replace the defaults."""
    policy = IdentityPolicy(blocked_values=(r"ana@.*",))
    assert is_blocked(ANA, policy)
    assert not is_blocked(Identifier.handle("x", "null"), policy)
    assert not is_blocked(ANA, IdentityPolicy(blocked_values=()))


def test_bad_blocked_pattern_is_refused() -> None:
    """An invalid regular expression is reported with its index."""
    with pytest.raises(ValidationError) as info:
        IdentityPolicy(blocked_values=("ok", "(unclosed"))
    assert info.value.paths == ("blocked_values[1]",)


def test_limits_must_be_positive() -> None:
    """A limit under 1 is refused with its path."""
    with pytest.raises(ValidationError) as info:
        IdentityPolicy(max_names_per_identifier=0)
    assert str(info.value) == "max_names_per_identifier: must be at least 1, got 0"


@pytest.mark.parametrize(
    ("value", "role"),
    [("info@acme.com", True), ("support+eu@acme.com", True), ("ana@acme.com", False)],
)
def test_role_mailboxes(value: str, role: bool) -> None:
    """Shared inboxes are recognised by local part, ignoring +tags."""
    identifier = Identifier.email(value)
    assert is_role_mailbox(identifier) is role
    assert (intrinsic_shared_reason(identifier) is SharedReason.ROLE_MAILBOX) is role


def test_role_mailbox_only_applies_to_emails() -> None:
    """A handle named 'info' is not a mailbox."""
    assert not is_role_mailbox(Identifier.handle("x", "info"))


def test_too_many_names_folds_case_and_spaces() -> None:
    """Names differing only by case or spacing count once; the limit is strict."""
    three = IdentityPolicy(max_people_per_identifier=3)
    assert not too_many_names(["Ana Lima", "ana  lima", "Ben", "Carl", ""], three)
    assert too_many_names(["Ana", "Ben", "Carl", "Dora"], three)


def test_too_many_names_counts_people_not_spellings() -> None:
    """By default one person per value: spellings of her name are one; a second person is not."""
    assert not too_many_names(["Mitchell, Justin", "Justin Mitchell", "J. Mitchell", "🌸", ""])
    assert not too_many_names(["Bob Smith", "Robert Smith", "ROBERT SMTIH", "R Smith"])
    assert too_many_names(["Maria Becker", "Lucas Becker"])
    assert not too_many_names(["Maria Becker", "Lucas Becker"], people=2)


def test_precedence_and_keys() -> None:
    """External > verified email > phone > unverified email > handle; emails key by match key."""
    ranks = [
        link_rank(i)
        for i in (
            SHOP1,
            ANA,
            Identifier.phone("+14155550100"),
            Identifier.email("a@b.com"),
            Identifier.handle("x", "a"),
        )
    ]
    assert ranks == [0, 1, 2, 3, 4]
    assert match_key(Identifier.email("j.doe+x@googlemail.com")) == "email:jdoe@gmail.com"
    assert match_key(SHOP1) == "external:shopify:customer:1"
    assert kind_label(SHOP1) == "external:shopify:customer"
    assert kind_label(ANA) == "email"


def test_unique_kinds_match_by_prefix() -> None:
    """'external' covers every system; a namespaced entry covers only that one."""
    assert is_unique_kind(SHOP1)
    policy = IdentityPolicy(unique_kinds=frozenset({"external:stripe"}))
    assert not is_unique_kind(SHOP1, policy)
    assert is_unique_kind(Identifier.external("stripe", "cus_1"), policy)


def test_two_shopify_ids_are_refused() -> None:
    """Different values of a unique kind refuse any link, however strong."""
    assert protection_refusal([SHOP1, ANA], [SHOP2, ANA], 1) is Refusal.UNIQUE_KIND
    assert protection_refusal([SHOP1], [SHOP1, ANA], 0) is None
    assert protection_refusal([SHOP1], [ANA], 1) is None


def test_phone_link_refused_when_verified_emails_differ() -> None:
    """A phone (or weaker) link between two different verified emails is refused."""
    assert protection_refusal([ANA], [BEN], 2) is Refusal.VERIFIED_EMAILS_DIFFER
    assert protection_refusal([ANA], [BEN], 1) is None
    assert protection_refusal([ANA], [Identifier.email("ben@example.com")], 2) is None
    relaxed = IdentityPolicy(verified_email_guards_weaker_links=False)
    assert protection_refusal([ANA], [BEN], 2, relaxed) is None


def test_placeholders_neither_link_nor_protect() -> None:
    """A blocked external id or a verified role mailbox does not refuse a link."""
    junk = Identifier.external("shopify:customer", "0")
    assert protection_refusal([junk], [SHOP2], 0) is None
    info = Identifier.email("info@acme.com", verified=True)
    assert protection_refusal([info], [BEN], 2) is None


def test_match_key_folds_case_of_hand_built_emails() -> None:
    """An email Identifier built by hand with capitals still keys like its canonical form."""
    assert match_key(Identifier.email("Ana@Example.COM")) == match_key(ANA)

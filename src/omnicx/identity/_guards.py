"""Link guards: which identifiers may link profiles, and which links are refused.

Every decision here is a pure function of identifiers and a policy, so the
incremental graph and the batch resolver apply exactly the same rules.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any, cast

import attrs

from omnicx._frozen import frozen_seq, frozen_set
from omnicx.errors import ValidationError
from omnicx.identity._email import email_match_key
from omnicx.model import Identifier, IdentifierKind

# Segment Unify's suggested blocked values ("^[0-]*$", "-1", "null",
# "anonymous") plus the placeholders forms and CSV exports are full of.
DEFAULT_BLOCKED_VALUES: tuple[str, ...] = (
    r"[0-]*",
    r"-1",
    r"null|none|nil|undefined|nan|n/?a",
    r"anonymous|unknown|guest|test",
    r"(test|noemail|no-email|none|null|email)@(test|example|email|none|null)\.(com|org|net)",
    r"\+?1?(?:0{6,}|1234567890?|9{7,})",
)

# Shared inboxes (RFC 2142 "Mailbox names for common services" plus common
# business aliases): many people write from them, so they never link.
DEFAULT_ROLE_MAILBOXES: frozenset[str] = frozenset(
    {
        "abuse", "accounts", "admin", "billing", "contact", "customercare",
        "customerservice", "enquiries", "hello", "help", "helpdesk", "hostmaster",
        "hr", "info", "inquiries", "mail", "marketing", "no-reply", "noc",
        "noreply", "office", "orders", "postmaster", "reception", "sales",
        "security", "service", "support", "team", "webmaster",
    }
)  # fmt: skip


class SharedReason(enum.Enum):
    """Why an identifier is marked shared: kept on its profiles, never linking."""

    BLOCKED = "blocked"
    """A placeholder value (``null``, ``0000000``, ``test@test.com``)."""
    ROLE_MAILBOX = "role_mailbox"
    """A shared inbox (``info@``, ``support@``)."""
    TOO_MANY_NAMES = "too_many_names"
    """Seen with more distinct names than the policy allows (a family phone)."""
    TOO_MANY_PROFILES = "too_many_profiles"
    """Held by more live profiles than the policy allows (a switchboard)."""
    CONTESTED = "contested"
    """A link through it was refused, so it stays on two profiles."""
    CALLER_ID_ONLY = "caller_id_only"
    """Batch only: seen only as the caller ID of calls, never with a name."""


class Refusal(enum.Enum):
    """Why merge protection refused to link two profiles."""

    UNIQUE_KIND = "unique_kind"
    """Both carry a unique-per-customer kind (one Shopify id) with different values."""
    VERIFIED_EMAILS_DIFFER = "verified_emails_differ"
    """The link was weaker than email and both have different verified emails."""


def _compile_blocked(
    instance: IdentityPolicy, attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    for index, pattern in enumerate(value):
        try:
            re.compile(pattern)
        except re.error as bad:
            raise ValidationError.single(
                f"{attribute.name}[{index}]", f"not a regular expression: {bad}"
            ) from None


def _at_least_one(instance: IdentityPolicy, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ValidationError.single(attribute.name, f"must be at least 1, got {value}")


@attrs.frozen(kw_only=True)
class IdentityPolicy:
    """The rules that decide which identifiers link and which links are refused.

    Attributes:
        blocked_values: regular expressions (full match, case-insensitive) of
            placeholder values that never link; matched against the canonical
            value and, for phones, the digits without ``+``.
        role_mailboxes: email local parts of shared inboxes that never link.
        max_names_per_identifier: an identifier seen with more distinct
            (case-folded) names than this is marked shared.
        max_profiles_per_identifier: an identifier held by more live profiles
            than this is marked shared (1: any identifier left on two profiles
            by a refused link is shared).
        unique_kinds: identifier kinds a customer has at most one value of;
            ``"external"`` covers every external system, ``"external:stripe"``
            one system, ``"handle:instagram"`` one network.
        verified_email_guards_weaker_links: refuse a link made by a phone,
            an unverified email or a handle when both profiles have verified
            emails and none in common.
    """

    blocked_values: tuple[str, ...] = attrs.field(
        default=DEFAULT_BLOCKED_VALUES, converter=frozen_seq, validator=_compile_blocked
    )
    role_mailboxes: frozenset[str] = attrs.field(
        default=DEFAULT_ROLE_MAILBOXES, converter=frozen_set
    )
    max_names_per_identifier: int = attrs.field(default=3, validator=_at_least_one)
    max_profiles_per_identifier: int = attrs.field(default=1, validator=_at_least_one)
    unique_kinds: frozenset[str] = attrs.field(
        default=frozenset({"external"}), converter=frozen_set
    )
    verified_email_guards_weaker_links: bool = True
    _blocked: re.Pattern[str] = attrs.field(init=False, repr=False, eq=False)
    # intrinsic_shared_reason per (kind, value): the incremental graph asks
    # about the same few identifiers on every message of a customer.
    _reasons: dict[tuple[IdentifierKind, str], SharedReason | None] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        joined = "|".join(f"(?:{p})" for p in self.blocked_values) or r"(?!)"
        object.__setattr__(self, "_blocked", re.compile(joined, re.IGNORECASE))

    def blocks(self, value: str) -> bool:
        """Whether ``value`` fully matches one of the blocked patterns."""
        return self._blocked.fullmatch(value) is not None


DEFAULT_POLICY = IdentityPolicy()


def match_key(identifier: Identifier) -> str:
    """Return the key two identifiers must share to link.

    Emails use :func:`email_match_key` (``email:jdoe@gmail.com``); every other
    kind uses :attr:`Identifier.key`. Pass canonical identifiers.
    """
    if identifier.kind is IdentifierKind.EMAIL:
        return f"email:{email_match_key(identifier.value.lower())}"
    return identifier.key


def kind_label(identifier: Identifier) -> str:
    """Return ``kind`` or ``kind:namespace`` (``external:shopify:customer``)."""
    if identifier.namespace:
        return f"{identifier.kind.value}:{identifier.namespace}"
    return identifier.kind.value


def link_rank(identifier: Identifier) -> int:
    """Return the identifier's precedence: lower links first.

    external id (0) > verified email (1) > E.164 phone (2) > unverified email
    (3) > channel handle (4).
    """
    if identifier.kind is IdentifierKind.EXTERNAL:
        return 0
    if identifier.kind is IdentifierKind.EMAIL:
        return 1 if identifier.verified else 3
    if identifier.kind is IdentifierKind.PHONE:
        return 2
    return 4


def is_blocked(identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether the identifier's value is a placeholder that must never link."""
    return _blocked(identifier.kind, identifier.value, policy)


def _blocked(kind: IdentifierKind, value: str, policy: IdentityPolicy) -> bool:
    if policy.blocks(value):
        return True
    return kind is IdentifierKind.PHONE and policy.blocks(value.lstrip("+"))


def is_role_mailbox(identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether the identifier is an email to a shared inbox (``info@``, ``support@``)."""
    return identifier.kind is IdentifierKind.EMAIL and _role(identifier.value, policy)


def _role(email: str, policy: IdentityPolicy) -> bool:
    return email.rpartition("@")[0].split("+", 1)[0] in policy.role_mailboxes


def intrinsic_shared_reason(
    identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY
) -> SharedReason | None:
    """Return why the identifier can never link by its value alone, or None."""
    memo = policy._reasons
    key = (identifier.kind, identifier.value)
    # One lookup, not "in" then "[]": another thread may clear the memo between.
    reason = memo.get(key, _UNKNOWN)
    if reason is not _UNKNOWN:
        return cast("SharedReason | None", reason)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()  # bounded: a long-running host meets ever new values
    reason = memo[key] = value_shared_reason(identifier.kind, identifier.value, policy)
    return reason


_MEMO_LIMIT = 4096
_UNKNOWN = object()


def value_shared_reason(
    kind: IdentifierKind, value: str, policy: IdentityPolicy = DEFAULT_POLICY
) -> SharedReason | None:
    """:func:`intrinsic_shared_reason` of a canonical value of ``kind``, no Identifier needed."""
    blocks = policy.blocks
    if blocks(value) or (kind is IdentifierKind.PHONE and blocks(value.lstrip("+"))):
        return SharedReason.BLOCKED
    if kind is IdentifierKind.EMAIL and _role(value, policy):
        return SharedReason.ROLE_MAILBOX
    return None


def too_many_names(names: Iterable[str], policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether ``names`` (seen with one identifier) exceed the policy's limit.

    Names are compared case-folded with inner whitespace collapsed.
    """
    distinct = {" ".join(name.casefold().split()) for name in names}
    distinct.discard("")
    return len(distinct) > policy.max_names_per_identifier


def is_unique_kind(identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether a customer may hold only one value of this identifier's kind."""
    label = kind_label(identifier)
    return any(label == kind or label.startswith(f"{kind}:") for kind in policy.unique_kinds)


def protection_refusal(
    left: Iterable[Identifier],
    right: Iterable[Identifier],
    evidence_rank: int,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Refusal | None:
    """Return why two identifier sets must not be linked, or None if they may.

    ``evidence_rank`` is the best :func:`link_rank` of the identifiers the two
    sides share. Blocked values and role mailboxes are ignored here: a
    placeholder id or a shared inbox neither links nor protects. Refused when a unique kind has values on both sides and none
    in common, or (if the policy says so) when the evidence is weaker than a
    verified email and both sides have verified emails, none in common.
    """
    left_keys, right_keys = _by_label(left, policy), _by_label(right, policy)
    for label, values in left_keys.items():
        other = right_keys.get(label)
        if label == _VERIFIED:
            continue
        if other is not None and not (values & other):
            return Refusal.UNIQUE_KIND
    if policy.verified_email_guards_weaker_links and evidence_rank > 1:
        mine, theirs = left_keys.get(_VERIFIED), right_keys.get(_VERIFIED)
        if mine and theirs and not (mine & theirs):
            return Refusal.VERIFIED_EMAILS_DIFFER
    return None


_VERIFIED = "verified-email"


def _by_label(identifiers: Iterable[Identifier], policy: IdentityPolicy) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for identifier in identifiers:
        if intrinsic_shared_reason(identifier, policy) is not None:
            continue  # a placeholder or a shared inbox says nothing about who this is
        if is_unique_kind(identifier, policy):
            grouped.setdefault(kind_label(identifier), set()).add(identifier.value)
        if identifier.kind is IdentifierKind.EMAIL and identifier.verified:
            grouped.setdefault(_VERIFIED, set()).add(match_key(identifier))
    return grouped

"""Link guards: the identity policy, and which identifiers may link at all.

Every decision here is a pure function of identifiers and a policy, so the
incremental graph and the batch resolver apply exactly the same rules; the
rules about which links are refused (merge protection, link ranks, unique
kinds) are in ``_protection``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any

import attrs
from rapidfuzz import fuzz

from omnicx._caches import BoundedCache, memo
from omnicx._frozen import frozen_seq, frozen_set
from omnicx.errors import ValidationError
from omnicx.identity._email import email_match_key, mailbox_name
from omnicx.identity._names import count_people
from omnicx.model import Identifier, IdentifierKind

# Identifier values whose shared reason a policy remembers.
_MEMO_LIMIT = 4096

# Segment Unify's suggested blocked values ("^[0-]*$", "-1", "null",
# "anonymous") plus the placeholders forms and CSV exports are full of.
DEFAULT_BLOCKED_VALUES: tuple[str, ...] = (
    r"[0-]*",
    r"-1",
    r"null|none|nil|undefined|nan|n/?a",
    r"anonymous|unknown|guest|test",
    r"(test|noemail|no-email|none|null|email)@(test|example|email|none|null)\.(com|org|net)",
    r"\+?1?(?:0{6,}|1234567890?|9{7,})",
    # Placeholder mailboxes typed into required fields: a "no email" word at
    # a made-up domain (noemail@noemail.com, na@na.com, no@email.com).
    r"(?:no|na|n/a|none|nomail|no-?e?mail|noemail|null|nil|nobody|email|mail|test|"
    r"customer|user|guest|anonymous|unknown|fake|asdf|xxx+)@(?:no|na|none|nomail|"
    r"no-?e?mail|noemail|null|email|mail|test|fake|domain|asdf|xxx+|example)\.[a-z]{2,4}",
    # One-letter mailboxes at a one- or two-letter domain (a@a.com, x@xx.net).
    r"[a-z0-9]@[a-z0-9]{1,2}\.[a-z]{2,3}",
    # Phones (E.164, so "+" first: never an id of another kind) whose
    # national number, after a country code of up to three digits, is one
    # digit repeated or the digits in a row, in every region: +15555555555,
    # +441234567890, +447777777777.
    r"\+[0-9]{0,3}(?:0{7,}|1{7,}|2{7,}|3{7,}|4{7,}|5{7,}|6{7,}|7{7,}|8{7,}|9{7,})",
    r"\+[0-9]{0,3}(?:0?12345678(?:90?)?|9?87654321(?:0)?)",
)
"""Placeholder values that never link: ``IdentityPolicy.blocked_values`` by default."""

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
"""Local parts of shared inboxes: ``IdentityPolicy.role_mailboxes`` by default."""


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
    """Batch: seen only as the caller ID of calls, never with a name (the graph: ``Link.caller_ids_only``)."""


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


def _percent(instance: IdentityPolicy, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= 100:
        raise ValidationError.single(attribute.name, f"must be between 0 and 100, got {value}")


@attrs.frozen(kw_only=True)
class IdentityPolicy:
    """The rules that decide which identifiers link and which links are refused.

    Attributes:
        blocked_values: regular expressions (full match, case-insensitive) of
            placeholder values that never link; matched against the canonical
            value and, for phones, the digits without ``+``.
        role_mailboxes: email local parts of shared inboxes that never link.
        max_names_per_identifier: an identifier seen with more distinct
            names than this is marked shared, where names that are one
            person's or close spellings (rapidfuzz ``token_sort_ratio`` of
            ``name_similarity`` or more) count once.
        name_similarity: the ``token_sort_ratio`` (0-100) from which two
            case-folded names count once against ``max_names_per_identifier``.
        max_people_per_identifier: an identifier whose names belong to more
            people than this is marked shared (a family phone, a
            switchboard). Names of one person are those
            ``same_person_name`` relates (``docs/identity.md``); nameless
            sightings count no one. Batch and the incremental graph both
            apply it (:func:`too_many_names`).
        max_profiles_per_identifier: an identifier held by more live profiles
            than this is marked shared (1: any identifier left on two profiles
            by a refused link is shared).
        unique_kinds: identifier kinds a customer has at most one value of;
            ``"external"`` covers every external system, ``"external:stripe"``
            one system, ``"handle:instagram"`` one network.
        caller_id_sources: observation sources whose nameless sightings are
            caller IDs (inbound calls): a phone seen only that way links
            nothing (``SharedReason.CALLER_ID_ONLY`` in batch,
            ``Link.caller_ids_only`` in the graph), since a switchboard or
            a household landline presents one number for many callers.
            Empty: caller IDs link like any phone.
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
    max_people_per_identifier: int = attrs.field(default=1, validator=_at_least_one)
    name_similarity: float = attrs.field(default=75.0, validator=_percent)
    max_profiles_per_identifier: int = attrs.field(default=1, validator=_at_least_one)
    unique_kinds: frozenset[str] = attrs.field(
        default=frozenset({"external"}), converter=frozen_set
    )
    caller_id_sources: frozenset[str] = attrs.field(
        default=frozenset({"call", "phone_call", "voice"}), converter=frozen_set
    )
    verified_email_guards_weaker_links: bool = True
    _blocked: re.Pattern[str] = attrs.field(init=False, repr=False, eq=False)
    # intrinsic_shared_reason per (kind, value): the incremental graph asks
    # about the same few identifiers on every message of a customer.
    # Identifier values are personal data: erasure empties it.
    _reasons: BoundedCache[tuple[IdentifierKind, str], tuple[SharedReason | None]] = attrs.field(
        init=False,
        repr=False,
        eq=False,
        factory=lambda: BoundedCache("IdentityPolicy.reasons", _MEMO_LIMIT, personal=True),
    )

    def __attrs_post_init__(self) -> None:
        joined = "|".join(f"(?:{p})" for p in self.blocked_values) or r"(?!)"
        object.__setattr__(self, "_blocked", re.compile(joined, re.IGNORECASE))

    def blocks(self, value: str) -> bool:
        """Whether ``value`` fully matches one of the blocked patterns."""
        return self._blocked.fullmatch(value) is not None


DEFAULT_POLICY = IdentityPolicy()
"""The identity policy resolution uses when given none (see IdentityPolicy's defaults)."""


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
    return mailbox_name(email) in policy.role_mailboxes


def intrinsic_shared_reason(
    identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY
) -> SharedReason | None:
    """Return why the identifier can never link by its value alone, or None."""
    # The key is the whole input besides the policy, which owns the memo.
    key = (identifier.kind, identifier.value)
    found = policy._reasons.get(key)
    if found is None:
        reason = value_shared_reason(identifier.kind, identifier.value, policy)
        found = policy._reasons.put(key, (reason,))  # a 1-tuple: None is an answer
    return found[0]


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


def fold_name(text: str) -> str:
    """Return ``text`` case-folded with inner whitespace collapsed: how names are stored."""
    return " ".join(text.casefold().split())


def too_many_names(
    names: Iterable[str],
    policy: IdentityPolicy = DEFAULT_POLICY,
    *,
    people: int | None = None,
    similarity: float | None = None,
) -> bool:
    """Whether ``names`` (seen with one identifier) belong to too many people.

    The one names guard of batch resolution and of the incremental graph.
    True when the names belong to more than ``people`` people
    (``policy.max_people_per_identifier`` when None) under
    ``same_person_name``, or to more than ``policy.max_names_per_identifier``
    when close spellings (``token_sort_ratio >= similarity``,
    ``policy.name_similarity`` when None) also count once. Pass names
    folded by :func:`fold_name`, as both resolvers keep them. Spellings of one name (``Mitchell, Justin``, ``justin mitchell``),
    empty names and names with nothing but emoji or punctuation add no one.
    The answer does not depend on the order of ``names``.
    """
    distinct = {name for name in names if name}
    if len(distinct) < 2:
        return False
    allowed = policy.max_people_per_identifier if people is None else people
    ratio = policy.name_similarity if similarity is None else similarity
    return _too_many(tuple(sorted(distinct)), allowed, policy.max_names_per_identifier, ratio)


# The graph asks about the same few names of a link on every message.
@memo(65_536, personal=True)  # names as written: emptied by erasure
def _too_many(names: tuple[str, ...], people: int, limit: int, similarity: float) -> bool:
    if count_people(names, people) > people:
        return True
    if len(names) <= limit:
        return False

    def spelling(left: str, right: str) -> bool:
        return fuzz.token_sort_ratio(left, right) >= similarity

    return count_people(names, limit, spelling) > limit

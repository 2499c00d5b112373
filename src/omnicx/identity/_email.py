"""Email addresses: the canonical form, the matching key and the identifier."""

from __future__ import annotations

import re
from email.utils import getaddresses, parseaddr

from omnicx._caches import memo
from omnicx.errors import ValidationError
from omnicx.model import Identifier

# RFC 5321 section 4.5.3.1.1: "The maximum total length of a user name or other
# local-part is 64 octets." Section 4.5.3.1.2: "... of a domain name ... 255
# octets"; DNS (RFC 1035 section 2.3.4) caps a name at 253 characters in text.
_MAX_LOCAL = 64
_MAX_DOMAIN = 253
_MAX_LABEL = 63

# RFC 5322 section 3.2.3 atext, plus "." between atoms (dot-atom), plus any
# non-ASCII character (RFC 6531, SMTPUTF8). Quoted local parts are refused:
# nobody types them and they only serve to smuggle junk.
_LOCAL_CHAR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+")
# RFC 1123 section 2.1 host name labels: letters, digits, hyphen; not at the ends.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")

_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# Providers that document subaddressing with "+" (everything after the "+" is
# delivered to the same mailbox), so folding the tag never joins two people:
# Microsoft "plus addressing", Apple iCloud Mail, Fastmail, Proton, Zoho.
_PLUS_TAG_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "fastmail.fm",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "zoho.com",
    }
)


def canonical_email(raw: str) -> str:
    """Return the canonical form of an email address.

    Trims whitespace, drops a ``mailto:`` prefix, a display name
    (``Jane Doe <jane@example.com>``, RFC 5322 ``name-addr``) and surrounding
    angle brackets, lower-cases the address and encodes the domain with IDNA
    (``bücher.example`` becomes ``xn--bcher-kva.example``). The local part keeps
    its dots and ``+tags``; :func:`email_match_key` folds those.

    Raises ValidationError (path ``email``) naming what is malformed; the
    message never repeats the address.
    """
    return _canonical(raw)


@memo(65_536, personal=True)  # raw addresses: emptied by erasure
def _canonical_or_problem(raw: str) -> tuple[bool, str]:
    # Caches failures too, so a junk value repeated a million times is parsed once.
    try:
        return True, _parse(raw)
    except _Malformed as bad:
        return False, str(bad)


def read_email_or_problem(raw: str) -> tuple[bool, str]:
    """``(True, canonical address)`` or ``(False, what is malformed)``; nothing cached."""
    try:
        return True, _parse(raw)
    except _Malformed as bad:
        return False, str(bad)


def email_addresses(raw: str) -> tuple[str, ...]:
    """Split an RFC 5322 address list into its addresses, as written.

    ``Jane Doe <jane@x.com>, "Smith, Bob" <bob@y.com>; c@z.com`` gives
    ``("jane@x.com", "bob@y.com", "c@z.com")``: display names go, commas
    inside quoted names do not split, ``;`` separates too (as contact
    exports write lists). A single address comes back alone, unchanged. The
    addresses are not checked: pass each to :func:`canonical_email`.
    """
    if "," not in raw and ";" not in raw:
        return (raw,)
    found = [addr.strip() for _name, addr in getaddresses([raw.replace(";", ",")])]
    return tuple(addr for addr in found if addr)


def read_email(raw: str) -> str | None:
    """:func:`canonical_email` for callers that cache raw values themselves.

    Returns None instead of raising for a malformed address, and does not
    cache ``raw``.
    """
    try:
        return _parse(raw)
    except _Malformed:
        return None


def _canonical(raw: str) -> str:
    ok, text = _canonical_or_problem(raw)
    if not ok:
        raise ValidationError.single("email", text)
    return text


class _Malformed(Exception):
    pass


def _parse(raw: str) -> str:
    text = raw.strip()
    if text[:7].lower() == "mailto:":
        # RFC 6068: a mailto URI; "?subject=..." headers are not part of the address.
        text = text[7:].split("?", 1)[0].strip()
    if text.endswith(">") and "<" in text:
        # RFC 5322 name-addr: "Jane Doe <jane@x.com>"; the display name goes.
        text = (parseaddr(text)[1] or text[text.rindex("<") + 1 : -1]).strip()
    if not text:
        raise _Malformed("the address is empty")
    if _SPACE.search(text):
        raise _Malformed("the address contains whitespace")
    if text.count("@") != 1:
        raise _Malformed(
            "the address has no '@'" if "@" not in text else "the address has more than one '@'"
        )
    local, domain = text.split("@")
    return f"{_check_local(local.lower())}@{_check_domain(domain)}"


def _check_local(local: str) -> str:
    if not local:
        raise _Malformed("the local part (before '@') is empty")
    if len(local.encode()) > _MAX_LOCAL:
        raise _Malformed(f"the local part is longer than {_MAX_LOCAL} octets")
    if not _LOCAL_CHAR.fullmatch(local):
        raise _Malformed("the local part contains a character an address cannot hold")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise _Malformed("the local part has a leading, trailing or doubled '.'")
    return local


_SPACE = re.compile(r"\s")


# Customers share few domains: check each once. A domain can name a person
# (a family's own domain), so erasure empties it too.
@memo(8192, personal=True)
def _check_domain(domain: str) -> str:
    domain = domain.rstrip(".").lower()  # a trailing dot is the DNS root, same host
    if not domain:
        raise _Malformed("the domain (after '@') is empty")
    if not domain.isascii():
        try:
            # IDNA 2003 ToASCII (RFC 3490) per label, Python's built-in codec.
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise _Malformed("the domain is not a valid internationalised name") from None
    if len(domain) > _MAX_DOMAIN:
        raise _Malformed(f"the domain is longer than {_MAX_DOMAIN} characters")
    labels = domain.split(".")
    if len(labels) < 2:
        raise _Malformed("the domain has no '.' (a customer address needs a public domain)")
    for label in labels:
        if len(label) > _MAX_LABEL or not _LABEL.fullmatch(label):
            raise _Malformed(
                "the domain has an empty, over-long or invalid label "
                "(letters, digits and inner '-' only)"
            )
    return domain


def email_match_key(canonical: str) -> str:
    """Return the key under which two addresses reach the same mailbox.

    Pass a canonical address (from :func:`canonical_email`). Folding rules:

    - Gmail and Googlemail ignore dots in the local part and everything from
      ``+``; both domains are one mailbox namespace, so the key uses
      ``gmail.com``: ``J.Doe+shop@googlemail.com`` -> ``jdoe@gmail.com``.
    - Providers that document ``+`` subaddressing (Outlook/Hotmail/Live, iCloud,
      Fastmail, Proton, Zoho) drop the ``+tag``.
    - Every other domain is left as is: on a company's own server ``a+b`` may
      be a different person, so folding there would be unsafe.

    The canonical address stays the identifier's value; the key is what the
    identity graph indexes.
    """
    local, _, domain = canonical.rpartition("@")
    # A local part that starts with "+" has no tag to drop; keep it whole.
    base = local.split("+", 1)[0] or local
    if domain in _GMAIL_DOMAINS:
        return f"{base.replace('.', '') or base}@gmail.com"
    if domain in _PLUS_TAG_DOMAINS:
        return f"{base}@{domain}"
    return canonical


def mailbox_name(address: str) -> str:
    """Return the local part of a canonical address without its ``+tag``.

    ``info+shop@example.com`` -> ``info``: what role mailboxes and the batch's
    fuzzy pass compare.
    """
    return address.rpartition("@")[0].split("+", 1)[0]


def email_identifier(raw: str, *, verified: bool = False) -> Identifier:
    """Return an email Identifier holding the canonical form of ``raw``.

    ``verified`` says the channel vouched for the address (a signed-in user, a
    DKIM-aligned sender the host trusts). Raises ValidationError like
    :func:`canonical_email`.
    """
    return Identifier.email(_canonical(raw), verified=verified)

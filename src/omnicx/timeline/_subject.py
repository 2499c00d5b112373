"""Email subject normalisation for the subject fallback.

Mail clients prefix a reply's or a forward's subject in the user's language
and sometimes stack them ("Re: Fwd: RE: AW: order 123"). Folding those away
leaves the subject the thread started with.
"""

from __future__ import annotations

import re

# RFC 5322 section 3.6.5: "the "Subject:" field ... When used in a reply,
# the field body MAY start with the string "Re: " (an abbreviation of the
# Latin "in re", meaning "in the matter of") followed by the contents of the
# "Subject:" field body of the original message." Clients also localise it
# (AW: German, SV: Scandinavian, VS/WG/TR forwards) and add counters ("Re[2]:");
# CJK clients write a full-width colon (U+FF1A).
_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|sv|vs|wg|tr|antw|odp)\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*",
    re.IGNORECASE,
)
_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_SPACE = re.compile(r"\s+")


def normalize_subject(subject: str | None) -> str | None:
    """Return the subject without reply/forward prefixes, case-folded; None if nothing is left.

    ``"RE: Fwd: aw:  Order 123"`` and ``"Order 123"`` both give ``"order 123"``.
    A mailing-list tag in brackets before the prefixes ("[Support] Re: x") is
    dropped too. An empty result is None: an empty subject matches nothing.
    """
    if subject is None:
        return None
    folded = _SPACE.sub(" ", _strip_prefixes(subject)).strip().casefold()
    return folded or None


def reply_subject(subject: str | None) -> str | None:
    """The subject of a reply: ``"Re: "`` and the subject without its prefixes.

    The prefixes folded away are those ``normalize_subject`` folds, so a
    reply never reads ``"Re: Re: ..."`` and threads by subject with the
    original: ``normalize_subject(reply_subject(s)) == normalize_subject(s)``.
    Case is kept (it is shown to the customer). None when nothing is left.
    """
    if subject is None:
        return None
    # Line breaks cannot be part of a header value (RFC 5322 section 2.2).
    text = _SPACE.sub(" ", _strip_prefixes(subject)).strip()
    return f"Re: {text}" if text else None


def _strip_prefixes(subject: str) -> str:
    text = subject
    while True:
        stripped = _PREFIX.sub("", _LIST_TAG.sub("", text, count=1), count=1)
        if stripped == text:
            return text
        text = stripped

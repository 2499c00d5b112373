"""Checks of channel names and language tags written in a rule file.

A rule comparing ``channel`` to ``"whatsap"`` or ``customer.language`` to
``"english"`` loads fine and never matches; these checks turn such typos into
load-time problems with a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

from omnicx.model import WELL_KNOWN_CHANNELS

__all__ = ["CHANNEL_FIELDS", "LANGUAGE_FIELDS", "channel_problem", "language_problem"]

CHANNEL_FIELDS = frozenset({"channel", "message.channel", "conversation.channel"})
"""Fields whose values are channel names."""
LANGUAGE_FIELDS = frozenset({"customer.language", "signals.language"})
"""Fields whose values are BCP 47 language tags."""

# BCP 47 (RFC 5646 section 2.1), the subset routing meets: language (2-3
# letters, ISO 639), optional script (4 letters), optional region (2 letters
# or 3 digits), then variants/extensions of 1-8 letters or digits.
_TAG = re.compile(
    r"(?P<lang>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|[0-9]{3}))?"
    r"(?P<rest>(?:-[a-z0-9]{1,8})*)",
    re.IGNORECASE,
)

# ISO 639-1, the two-letter codes BCP 47 uses wherever one exists.
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he "
    "hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko "
    "kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd "
    "ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se "
    "sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty "
    "ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
_ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

# English and native names of common languages, for the suggestion.
_NAMES = {
    "arabic": "ar",
    "chinese": "zh",
    "czech": "cs",
    "danish": "da",
    "deutsch": "de",
    "dutch": "nl",
    "english": "en",
    "espanol": "es",
    "español": "es",
    "finnish": "fi",
    "francais": "fr",
    "français": "fr",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "indonesian": "id",
    "italian": "it",
    "italiano": "it",
    "japanese": "ja",
    "korean": "ko",
    "norwegian": "no",
    "polish": "pl",
    "portugues": "pt",
    "português": "pt",
    "portuguese": "pt",
    "romanian": "ro",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "vietnamese": "vi",
}


def channel_problem(value: str, declared: Collection[str]) -> str | None:
    """Why ``value`` is not a channel name a rule may use, or None if it is.

    A channel is well known (``WELL_KNOWN_CHANNELS``) or declared by the host
    (the rule file's ``channels`` list or ``load_rules(channels=...)``).
    """
    if value in WELL_KNOWN_CHANNELS or value in declared:
        return None
    close = difflib.get_close_matches(value, sorted({*WELL_KNOWN_CHANNELS, *declared}), n=1)
    if close:
        return f"unknown channel {value!r}; did you mean {close[0]!r}?"
    return (
        f"unknown channel {value!r}; use one of {', '.join(WELL_KNOWN_CHANNELS)}, "
        "or declare your own under 'channels' in the rule file"
    )


def language_problem(value: str) -> str | None:
    """Why ``value`` is not a canonical BCP 47 language tag, or None if it is."""
    match = _TAG.fullmatch(value)
    if match is None:
        guess = _NAMES.get(value.strip().lower())
        locale = _TAG.fullmatch(value.replace("_", "-"))  # a POSIX locale such as en_US
        if guess is None and locale is not None:
            guess = _canonical(locale)
        hint = f"; did you mean {guess!r}?" if guess else ""
        return (
            f"unknown language {value!r}: language codes are BCP 47 tags built on "
            f"ISO 639 codes, like 'en' or 'pt-BR'{hint}"
        )
    lang = match["lang"].lower()
    if len(lang) == 2 and lang not in _ISO_639_1:
        return (
            f"unknown language {value!r}: {lang!r} is not an ISO 639 language code; "
            "use one such as 'en', 'de' or 'pt-BR'"
        )
    canonical = _canonical(match)
    if canonical != value:
        return (
            f"language tag {value!r} is not in canonical case; write {canonical!r} "
            "(rules compare tags exactly)"
        )
    return None


def _canonical(match: re.Match[str]) -> str:
    # RFC 5646 section 2.1.1: language lower case, script title case, region upper case.
    parts = [match["lang"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts) + match["rest"].lower()

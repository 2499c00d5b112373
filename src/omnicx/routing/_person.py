"""Does a customer ask for a person? Whole-phrase matching in the channels' languages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from omnicx._frozen import FrozenMap
from omnicx.routing._text import words_of

__all__ = ["PERSON_PHRASES", "asks_for_person", "person_phrases"]

PERSON_PHRASES: Mapping[str, tuple[str, ...]] = FrozenMap(
    {
        "en": (
            "agent", "human", "a person", "real person", "talk to someone",
            "speak to someone", "representative", "operator", "live chat",
        ),
        "es": (
            "agente", "humano", "una persona", "persona real", "hablar con alguien",
            "operador", "asesor", "representante",
        ),
        "pt": (
            "atendente", "agente", "humano", "uma pessoa", "pessoa real",
            "falar com alguem", "operador",
        ),
        "de": (
            "mitarbeiter", "mitarbeiterin", "mensch", "menschen", "echte person",
            "echten person", "mit jemandem sprechen", "berater", "agent",
        ),
    }
)  # fmt: skip
"""Language -> the phrases that ask for a person, matched as whole words.

Case and accents do not matter ("HABLAR CON ALGUIÉN" matches), nor does
the text around a phrase ("can I talk to a person please" matches "a
person"); a phrase never matches inside a longer word ("agents" is not
"agent", "humanity" not "human").
"""


def person_phrases(phrases: Mapping[str, Iterable[str]] = PERSON_PHRASES) -> frozenset[str]:
    """Every language's phrases, normalised as ``asks_for_person`` compares them."""
    found = set()
    for group in phrases.values():
        for phrase in group:
            words = words_of(phrase)
            if words:
                found.add(" " + " ".join(words) + " ")
    return frozenset(found)


_DEFAULT = person_phrases()


def asks_for_person(text: str, phrases: frozenset[str] | None = None) -> bool:
    """True when ``text`` holds one of ``phrases`` as whole words.

    Args:
        text: the customer's message.
        phrases: from ``person_phrases`` (default: every language of
            ``PERSON_PHRASES``, so a customer is understood whatever the
            conversation's language).
    """
    padded = " " + " ".join(words_of(text)) + " "
    return any(phrase in padded for phrase in (_DEFAULT if phrases is None else phrases))

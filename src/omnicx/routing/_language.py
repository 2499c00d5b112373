"""Language detection made for short texts: py3langid when installed, the word lists otherwise."""

from __future__ import annotations

import importlib.util
from typing import Any

import attrs

from omnicx._caches import memo
from omnicx.errors import ValidationError
from omnicx.routing._signals import language_of
from omnicx.routing._text import Words

__all__ = ["ShortTextLanguage", "has_langid"]


def has_langid() -> bool:
    """True when py3langid (the ``lang`` extra) is installed."""
    return importlib.util.find_spec("py3langid") is not None


@memo(8, personal=False)  # one model per language set a process uses
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def _check_languages(instance: object, attribute: object, value: tuple[str, ...]) -> None:
    if len(value) < 2:
        raise ValidationError.single("languages", "list at least two languages to choose among")


def _check_confidence(instance: object, attribute: object, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValidationError.single("min_confidence", "must be from 0 up to (not including) 1")


@attrs.frozen(kw_only=True)
class ShortTextLanguage:
    """Guesses the language of a post or message among ``languages``.

    With the ``lang`` extra (``pip install omnicx[lang]``) it asks py3langid,
    a character n-gram model trained for short texts, restricted to
    ``languages``, and answers None below ``min_confidence``. Without it, or
    when ``fallback`` is set, it counts common words as
    ``LexiconLanguage`` does (at least two hits; None otherwise). Both are
    deterministic and offline.
    """

    languages: tuple[str, ...] = attrs.field(
        default=("de", "en", "es", "fr", "it", "nl", "pt"),
        converter=tuple,
        validator=_check_languages,
    )
    min_confidence: float = attrs.field(default=0.5, validator=_check_confidence)
    fallback: bool = attrs.field(default=False)

    @property
    def uses_langid(self) -> bool:
        """True when detection goes through py3langid."""
        return not self.fallback and has_langid()

    def detect(self, text: str) -> str | None:
        """The language tag of ``text``, or None when unsure."""
        if not self.uses_langid:
            found = language_of(Words.of(text))
            return found if found in self.languages else None
        stripped = text.strip()
        if not any(c.isalpha() for c in stripped):
            return None
        tag, confidence = _identifier(tuple(sorted(self.languages))).classify(stripped)
        return str(tag) if float(confidence) >= self.min_confidence else None

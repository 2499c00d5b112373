"""Keyword matching promises: case, accents and punctuation never matter; whole words do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnicx.routing import Lexicon, LexiconLanguage, LexiconSentiment
from omnicx.routing._signals import _NEGATIVE, _POSITIVE, _STOPWORDS, language_of, sentiment_of
from omnicx.routing._text import _WORD, Terms, Words, normalize, words_of

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèüöñç", min_size=1, max_size=8)


@given(st.text(max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    """Normalising twice changes nothing."""
    assert normalize(normalize(text)) == normalize(text)


def test_compatibility_forms_fold_their_case() -> None:
    """Letters whose case shows only after decomposition fold like plain ones."""
    bold_abc = "\U0001d5d4\U0001d5d5\U0001d5d6"
    assert normalize(f"{bold_abc} \u3392 \u01c4 REMBÓLSO") == "abc mhz dz rembolso"


@given(words=st.lists(WORD, min_size=1, max_size=5), before=st.lists(WORD, max_size=3))
def test_a_phrase_matches_in_any_case_and_punctuation(words: list[str], before: list[str]) -> None:
    """A phrase is found whatever the case and separators around its words."""
    phrase = " ".join(words)
    text = " ".join(before) + ", " + "-".join(w.upper() for w in words) + "!"
    terms = Terms.of([phrase])
    assert terms.any_in(Words.of(text))
    assert terms.all_in(Words.of(text))


@given(word=WORD, suffix=WORD)
def test_only_whole_words_match(word: str, suffix: str) -> None:
    """A keyword never matches inside a longer word."""
    assert not Terms.of([word]).any_in(Words.of(word + suffix))


def test_accents_are_ignored_both_ways() -> None:
    """Accented keywords match plain text and the other way round."""
    assert Terms.of(["reembólso"]).any_in(Words.of("REEMBOLSO ya"))
    assert Terms.of(["reembolso"]).any_in(Words.of("reembólso"))
    assert Terms.of(["!!", "ok"]).count == 1
    assert Terms.of(["money back", "refund"]).found_in(Words.of("refund, money back")) == [
        "refund",
        "money back",
    ]


def test_default_signals_are_deterministic_word_lists() -> None:
    """The shipped lexicon, sentiment and language defaults behave as documented."""
    text = Words.of("URGENT: I was charged twice, I want a refund")
    assert Lexicon().categories(text) == ("billing", "refund")
    assert Lexicon().is_urgent(text)
    assert not Lexicon(urgency=("asap",)).is_urgent(text)
    assert LexiconSentiment().score("great, thanks!") == 1.0
    assert LexiconSentiment().score("terrible but thanks") == 0.0
    assert LexiconSentiment().score("hello") == 0.0
    assert LexiconLanguage().detect("merci, je ne sais pas") == "fr"
    assert LexiconLanguage().detect("ok") is None


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_words_are_the_regex_words(text: str) -> None:
    """The translate-and-split cut of ASCII text equals ``\\w+`` over the folded text."""
    assert words_of(text) == _WORD.findall(normalize(text))


@given(st.text(max_size=40))
def test_any_text_is_cut_like_the_regex(text: str) -> None:
    """Whatever the script, the words are ``\\w+`` over the normalised text."""
    assert words_of(text) == _WORD.findall(normalize(text))


@given(terms=st.lists(st.lists(WORD, min_size=1, max_size=3).map(" ".join), max_size=6),
       text=st.lists(WORD, max_size=8).map(" ".join))  # fmt: skip
def test_count_in_is_the_number_found(terms: list[str], text: str) -> None:
    """``count_in`` counts exactly the terms ``found_in`` lists."""
    compiled, words = Terms.of(terms), Words.of(text)
    assert compiled.count_in(words) == len(compiled.found_in(words))


_COMMON = ["el", "que", "la", "de", "und", "ich", "thanks", "le", "great", "bad", "never", "x"]
_COMMON += ["una", "para", "por", "e", "is", "en", "het", "mon", "nao"]


def _language_by_found_in(text: str) -> str | None:
    best, best_hits = None, 1
    for tag, terms in _STOPWORDS.items():
        hits = len(terms.found_in(Words.of(text)))
        if hits > best_hits:
            best, best_hits = tag, hits
    return best


def _sentiment_by_found_in(text: str) -> float:
    negative = len(_NEGATIVE.found_in(Words.of(text)))
    positive = len(_POSITIVE.found_in(Words.of(text)))
    total = negative + positive
    return 0.0 if total == 0 else (positive - negative) / total


@given(st.lists(st.sampled_from(_COMMON), max_size=8).map(" ".join))
def test_signals_from_counts_equal_signals_from_found_terms(text: str) -> None:
    """Counting hits without listing them gives the documented language and sentiment."""
    assert language_of(Words.of(text)) == _language_by_found_in(text)
    assert sentiment_of(Words.of(text)) == _sentiment_by_found_in(text)

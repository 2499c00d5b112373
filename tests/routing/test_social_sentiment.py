"""SocialSentiment reads social posts: the documented edge cases, and the promises as properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.routing import LexiconSentiment, ShortTextLanguage, Signals, SocialSentiment
from omnicx.routing._language import has_langid
from omnicx.routing._lexicons import LANGUAGES, _read, compiled

S = SocialSentiment()
# Plain English lexicon words, each with its valence, for the properties.
_EN = sorted(
    (w, v)
    for w, v in _read("en").valence.items()
    if w.isalpha() and abs(v) >= 1.0 and w not in compiled("en").negators
)
WORDS = st.sampled_from(_EN)


def test_social_sentiment_is_the_default_of_routing_and_listening() -> None:
    """Routing's signals and the listener score with SocialSentiment unless told otherwise."""
    from omnicx.listening import Listener, load_topics

    assert isinstance(Signals().sentiment, SocialSentiment)
    topics = load_topics({"topics": [{"id": "acme", "query": "acme"}]})
    assert isinstance(Listener(topics).classifier, SocialSentiment)


@pytest.mark.parametrize(
    ("positive", "negative"),
    [
        ("I love this", "I do not love this"),
        ("good service", "not good service"),
        ("me gusta la app", "no me gusta la app"),
        ("o app funciona", "o app não funciona"),
        ("die App funktioniert", "die App funktioniert nicht"),
        ("das ist gut", "das ist nicht gut"),
    ],
)
def test_negation_flips_the_sign(positive: str, negative: str) -> None:
    """A negator before the word (or, in German, after the verb) turns praise into complaint."""
    assert S.score(positive) > 0.05
    assert S.score(negative) < -0.05


def test_negation_does_not_cross_a_clause() -> None:
    """A negator before a comma leaves the next clause alone."""
    assert S.score("no, this is great") > 0.3
    assert S.score("not bad at all") > 0.05  # the idiom, and a negated complaint


def test_emoji_and_emoticons_carry_sentiment() -> None:
    """An emoji or emoticon alone scores; skin tones and variation selectors change nothing."""
    assert S.score("😡") < -0.5
    assert S.score("❤️") > 0.5
    assert S.score("❤️") == S.score("❤")
    assert S.score("👍🏽") == S.score("👍") > 0.3
    assert S.score("acme :(((") < -0.3
    assert S.score("acme :)") > 0.3
    assert S.score("the app is down again 😡") < S.score("the app is down again")


def test_intensifiers_caps_stretching_and_bangs_add_emphasis() -> None:
    """Boosters, capitals, stretched letters and exclamation marks raise the magnitude; dampeners lower it."""
    plain = S.score("this is good")
    assert S.score("this is very good") > plain
    assert S.score("this is GOOD") > plain
    assert S.score("this is goooood") > plain
    assert S.score("this is good!!!") > plain
    assert S.score("this is kinda good") < plain
    assert S.score("muy malo") < S.score("malo") < 0
    assert S.score("sehr schlecht") < S.score("schlecht") < 0


def test_sarcasm_markers_turn_praise_negative() -> None:
    """Praise with a sarcasm marker, or beside a repeat and a complaint, reads as the complaint it is."""
    assert S.score("great service #not") < -0.05
    assert S.score("yeah right, best support ever") < -0.05
    assert S.score("great, another outage. thanks acme") < -0.3
    assert S.score("genial, otra vez caído el servicio") < -0.05
    assert S.score("na toll, schon wieder Störung") < -0.05
    # A repeat word alone is no sarcasm: thanks again is thanks.
    assert S.score("thanks again for the help!") > 0.3
    assert S.score("love it, will buy again") > 0.3


def test_but_shifts_the_weight_to_what_follows() -> None:
    """After "but" (pero, mas, aber) the rest counts more."""
    assert S.score("good but slow") < 0 < S.score("slow but good")
    assert S.score("es bonito pero muy lento") < 0


def test_german_reads_its_own_words_not_english_homographs() -> None:
    """In German text "die", "bad" and "kind" are no English words."""
    assert S.score("Die Kinder und das Bad") == 0.0
    assert S.score("die App ist kaputt") < -0.3


def test_neutral_posts_score_zero() -> None:
    """Nothing sentimental, no score: questions and announcements stay neutral."""
    for text in ("acme store opens at 9", "¿a qué hora abre la tienda?", "wann öffnet der Laden?"):
        assert S.score(text) == 0.0


def test_it_reads_better_than_the_word_list_where_the_word_list_is_blind() -> None:
    """The cases the word list misses: Spanish, emoji, negation."""
    word_list = LexiconSentiment()
    for text in ("pésimo servicio", "😡😡", "not happy"):
        assert word_list.score(text) >= 0
        assert S.score(text) < -0.05


@given(st.text(max_size=80))
def test_scores_stay_in_range_and_are_deterministic(text: str) -> None:
    """Any text scores in [-1, 1], the same every time."""
    score = S.score(text)
    assert -1.0 <= score <= 1.0
    assert S.score(text) == score


@given(WORDS)
def test_a_negated_word_has_the_opposite_sign(entry: tuple[str, float]) -> None:
    """Property: "not w" has the opposite sign of "w", for every English lexicon word."""
    word, valence = entry
    alone, negated = S.score(f"it is {word}"), S.score(f"it is not {word}")
    assert (alone > 0) == (valence > 0)
    assert (negated > 0) != (alone > 0)
    assert negated != 0


@given(WORDS)
def test_boosters_and_caps_never_lower_the_magnitude(entry: tuple[str, float]) -> None:
    """Property: "very w" and "W" in capitals are at least as strong as "w"."""
    word, _ = entry
    alone = abs(S.score(f"it is {word}"))
    assert abs(S.score(f"it is very {word}")) >= alone
    assert abs(S.score(f"it is {word.upper()}")) >= alone


@given(WORDS, st.sampled_from(["the", "acme", "store", "today", "order"]))
def test_neutral_words_do_not_change_the_score(entry: tuple[str, float], filler: str) -> None:
    """Property: a word with no sentiment, added at the end, changes nothing."""
    word, _ = entry
    assert S.score(f"it is {word} {filler}") == S.score(f"it is {word}")


@pytest.mark.parametrize("name", [*LANGUAGES, "emoji"])
def test_the_shipped_lexicons_load(name: str) -> None:
    """Every lexicon file parses and has words with both signs."""
    entries = _read(name)
    assert any(v > 0 for v in entries.valence.values())
    assert any(v < 0 for v in entries.valence.values())
    assert all(-4.0 <= v <= 4.0 for v in entries.valence.values())


def test_short_text_language_falls_back_to_the_word_lists() -> None:
    """With fallback set (or without py3langid) it counts common words, answering None when unsure."""
    detector = ShortTextLanguage(fallback=True)
    assert not detector.uses_langid
    assert detector.detect("la app no funciona y el soporte no contesta") == "es"
    assert detector.detect("lol") is None
    only = ShortTextLanguage(languages=("de", "en"), fallback=True)
    assert only.detect("la app no funciona y el soporte no contesta") is None


@pytest.mark.skipif(not has_langid(), reason="py3langid (the lang extra) is not installed")
def test_short_text_language_reads_short_posts_with_py3langid() -> None:
    """py3langid names the language of posts too short for the word lists."""
    detector = ShortTextLanguage(languages=("de", "en", "es", "pt"))
    assert detector.uses_langid
    assert detector.detect("não funciona") == "pt"
    assert detector.detect("Die App funktioniert nicht") == "de"
    assert detector.detect("my order never arrived") == "en"
    assert detector.detect("😡😡") is None
    assert ShortTextLanguage(min_confidence=0.999).detect("lol") is None


def test_short_text_language_checks_its_settings() -> None:
    """Bad settings are refused with the field and the fix."""
    with pytest.raises(ValidationError, match="languages: list at least two"):
        ShortTextLanguage(languages=("en",))
    with pytest.raises(ValidationError, match="min_confidence: must be from 0"):
        ShortTextLanguage(min_confidence=1.0)


_ASCII_PIECES = st.sampled_from(
    [w for w, _ in _EN[:80]]
    + ["not", "don't", "very", "so", "but", "no", "problem", "kinda", "again", "#not", "/s"]
    + ["w12", "acme", "the", "HATE", "goooood", "hahaha", "kkkk", "xD", ":)", ":(", "!!", "?"]
    + ["lo've", "good_stuff", "cant", "wait", "yeah", "right", ",", ".", "@acme", "#fail"]
    + ["w111", "10001", "sooooo", "nooooo", "loooove", "baaad", "xDDD", "XDDDD", "w_111"]
    + ["greaaat", "hahaaaa", "kkkkk", "www", "aaaa", "zzz", "thx", "gooood_", "sadddd"]
)


@given(st.lists(_ASCII_PIECES, max_size=12), st.sampled_from([" ", "", "  ", "-"]))
def test_the_ascii_fast_path_scores_as_the_full_path(pieces: list[str], glue: str) -> None:
    """The fast path that skips texts with nothing to score never changes a score."""
    from omnicx.routing._social import _nothing_to_score, _score

    text = glue.join(pieces)
    assert S.score(text) == _score(text)
    if _nothing_to_score(text):
        assert _score(text) == 0.0


def test_runs_of_digits_and_unscored_stretches_take_the_fast_path() -> None:
    from omnicx.routing._social import _nothing_to_score

    assert _nothing_to_score("order 10001 still w111 zzz")
    assert not _nothing_to_score("this is baaad")
    assert not _nothing_to_score("xDDD")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_the_fast_path_agrees_on_any_ascii(text: str) -> None:
    """On arbitrary ASCII the fast path answers 0.0 only where the full path does."""
    from omnicx.routing._social import _nothing_to_score, _score

    if _nothing_to_score(text):
        assert _score(text) == 0.0


def _markers_of(language: str | None) -> set[str]:
    from omnicx.routing._lexicons import compiled

    lexicon = compiled(language)
    return set(lexicon.sarcasm | lexicon.frames | lexicon.repeats)


_MARKER_WORDS = sorted(
    {m for language in (None, "en", "es", "pt", "de") for m in _markers_of(language)}
    | {"ok", "the", "/s.", "great!"}
)


@given(st.lists(st.sampled_from(_MARKER_WORDS), max_size=8), st.sampled_from([None, "en", "de"]))
def test_markers_split_once_are_found_as_each_marker_alone(
    pieces: list[str], language: str | None
) -> None:
    """Word markers between spaces, the others among the raw pieces: as testing each one."""
    from omnicx.routing._lexicons import compiled

    lexicon = compiled(language)
    words = " ".join(pieces).split()
    padded = " " + " ".join(words) + " "
    raw = set(words)
    for kind in ("sarcasm", "frames", "repeats"):
        every = getattr(lexicon, kind)
        naive = any(f" {m} " in padded if m.replace(" ", "").isalnum() else m in raw for m in every)
        split = lexicon.markers[kind]
        assert naive == (any(m in padded for m in split.padded) or not split.raw.isdisjoint(raw))

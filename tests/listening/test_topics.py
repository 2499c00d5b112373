"""Topic files load and validate like rule files: every problem, with its path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.listening import (
    AlertKind,
    AllOf,
    AnyOf,
    Atom,
    Mention,
    Not,
    Sensitivity,
    load_topics,
    parse_query,
)
from omnicx.listening._match import Matcher
from omnicx.listening._text import tokens_of

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def mention(text: str, *, language: str | None = "en", network: str = "x") -> Mention:
    return Mention(id="1", network=network, text=text, at=AT, language=language)


def problems(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        load_topics(data)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_a_full_topic_loads_with_its_alert_rules() -> None:
    topics = load_topics(
        {
            "bucket": "15m",
            "topics": [
                {
                    "id": "acme",
                    "name": "Acme",
                    "query": {"any": ["acme", "@acme", "#acme"]},
                    "languages": ["EN", "es"],
                    "networks": ["x"],
                    "alerts": [
                        {"kind": "volume_spike", "window": "1h", "cooldown": "2h"},
                        {
                            "kind": "sentiment_dip",
                            "sensitivity": "strict",
                            "negative_floor": 0.5,
                            "min_volume": 30,
                        },
                    ],
                },
                {"id": "globex", "query": "globex", "competitor_of": "acme"},
            ],
        }
    )
    acme = topics.topic("acme")
    assert topics.bucket_minutes == 15
    assert acme.languages == {"en", "es"}
    assert acme.query == AnyOf(
        (Atom("term", ("acme",)), Atom("handle", ("acme",)), Atom("hashtag", ("acme",)))
    )
    spike, dip = acme.alerts
    assert (spike.kind, spike.window, spike.cooldown, spike.sensitivity) == (
        AlertKind.VOLUME_SPIKE,
        4,
        8,
        Sensitivity.BALANCED,
    )
    assert (dip.kind, dip.window, dip.negative_floor, dip.min_volume) == (
        AlertKind.SENTIMENT_DIP,
        1,
        0.5,
        30,
    )
    assert topics.competitors("acme") == ("globex",)


def test_every_problem_is_reported_with_its_path_and_a_suggestion() -> None:
    assert problems(
        {
            "bucket": "7m",
            "topics": [
                {
                    "id": "Acme!",
                    "query": {"al": ["x"]},
                    "alerts": [
                        {"kind": "volume_spike", "sensitivity": "balance", "window": "90s"},
                        {"kind": "volume_spike", "negative_floor": 0.5, "cooldwn": "1h"},
                    ],
                },
                {"id": "b", "query": {"all": []}, "competitor_of": "acm"},
                {"id": "b", "query": "#"},
            ],
        }
    ) == [
        "bucket: must divide a day evenly (as 15m, 1h or 1d)",
        "topics[0].id: expected an id of lowercase letters, digits, '_', '.' or '-'",
        "topics[0].query: unknown operator 'al' (did you mean 'all'?); use all, any or not",
        "topics[0].alerts[0].sensitivity: unknown sensitivity 'balance' (did you mean 'balanced'?)",
        "topics[0].alerts[0].window: expected a duration such as '15m', '1h' or '1d'",
        "topics[0].alerts[1].cooldwn: unknown key (did you mean 'cooldown'?)",
        "topics[0].alerts[1].negative_floor: only sentiment_dip alerts have a floor",
        "topics[1].query.all: expected a non-empty list of queries",
        "topics[2].query: # must be followed by one word, as in '#outage'",
        "topics[2].id: duplicate id (first at topics[1])",
    ]


def test_a_competitor_must_name_a_brand_topic() -> None:
    assert problems(
        {
            "topics": [
                {"id": "acme", "query": "acme"},
                {"id": "g", "query": "g", "competitor_of": "acm"},
            ]
        }
    ) == [
        "topics[1].competitor_of: no topic 'acm' to compete with (did you mean 'acme'?); "
        "name a topic that is no competitor itself"
    ]


def test_windows_count_whole_buckets() -> None:
    assert problems(
        {
            "bucket": "1h",
            "topics": [
                {"id": "a", "query": "a", "alerts": [{"kind": "volume_spike", "window": "30m"}]}
            ],
        }
    ) == ["topics[0].alerts[0].window: must be a whole number of 60-minute buckets"]


def test_text_files_load_and_bad_text_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[topics]]\nid = "acme"\nquery = "acme"\n', encoding="utf-8")
    assert load_topics(path).topic("acme").query == Atom("term", ("acme",))
    assert load_topics('{"topics": [{"id": "a", "query": "a"}]}').topics[0].id == "a"
    with pytest.raises(ValidationError, match="invalid JSON"):
        load_topics("{")
    with pytest.raises(ValidationError, match="unknown topic 'acm' \\(did you mean 'acme'\\?\\)"):
        load_topics(path).topic("acm")


def test_terms_phrases_hashtags_and_handles_match_as_documented() -> None:
    def hit(query: object, text: str) -> bool:
        from omnicx.listening._query import matches

        return matches(parse_query(query), tokens_of(text))

    assert hit("outage", "Big #OUTAGE today")  # a term matches its hashtag
    assert not hit("#outage", "an outage today")  # a hashtag only matches the tag
    assert hit("@acme", "hey @Acme help")
    assert hit("is down", "Acme is down again")
    assert not hit("is down", "down is where")
    assert hit("caída", "CAIDA del servicio")  # accents and case fold
    assert hit({"all": ["acme", {"not": "hiring"}]}, "acme rocks")
    assert not hit({"all": ["acme", {"not": "hiring"}]}, "acme is hiring")


def test_language_and_network_filters() -> None:
    topics = load_topics(
        {"topics": [{"id": "a", "query": "acme", "languages": ["es"], "networks": ["instagram"]}]}
    )
    matcher = Matcher.compile(topics.topics)
    text = "acme"
    assert matcher.match(mention(text, language="es", network="Instagram"), tokens_of(text)) == [0]
    assert matcher.match(mention(text, language="en", network="instagram"), tokens_of(text)) == []
    assert matcher.match(mention(text, language=None, network="instagram"), tokens_of(text)) == []
    assert matcher.match(mention(text, language="es", network="x"), tokens_of(text)) == []


WORDS = ["acme", "globex", "down", "outage", "love", "refund", "slow", "app"]
atoms = st.sampled_from(WORDS + [f"#{w}" for w in WORDS[:3]] + ["@acme", "is down", "love acme"])
queries = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=6,
)
texts = st.lists(
    st.sampled_from([*WORDS, "#acme", "#down", "@acme", "is", "ACME", "Dówn"]), max_size=8
).map(" ".join)


@given(st.lists(queries, min_size=1, max_size=12), texts, st.sampled_from(["x", "facebook"]))
def test_the_index_gives_the_same_topics_as_trying_every_one(
    raw: list[object], text: str, network: str
) -> None:
    data = {"topics": [{"id": f"t{i}", "query": q} for i, q in enumerate(raw)]}
    data["topics"][0]["networks"] = ["x"]
    matcher = Matcher.compile(load_topics(data).topics)
    item = mention(text, network=network)
    tokens = tokens_of(text)
    assert matcher.match(item, tokens) == matcher.match_plain(item, tokens)


def test_query_nodes_parse_into_values() -> None:
    assert parse_query({"all": ["a", {"not": "#b"}]}) == AllOf(
        (Atom("term", ("a",)), Not(Atom("hashtag", ("b",))))
    )
    with pytest.raises(ValidationError, match="query: a term or phrase needs at least one letter"):
        parse_query("!!")
    nested: object = "a"
    for _ in range(40):
        nested = {"not": nested}
    with pytest.raises(ValidationError, match="nested more than 32 levels"):
        parse_query(nested)


def test_a_naive_mention_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="at: naive datetime"):
        Mention(id="1", network="x", text="", at=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a topic file is a mapping with a 'topics' list"),
        ({"topics": []}, "topics: expected a non-empty list of topics"),
        (
            {"version": 2, "topics": [{"id": "a", "query": "a"}]},
            "version: unsupported topic file version; use 1",
        ),
        ({"topics": ["a"]}, "topics[0]: a topic is a mapping with 'id' and 'query'"),
        ({"topics": [{"id": "a"}]}, "topics[0].query: missing; every topic needs a query"),
        ({"topics": [{"id": "a", "query": "a", "name": 3}]}, "topics[0].name: expected a string"),
        (
            {"topics": [{"id": "a", "query": "a", "languages": []}]},
            "topics[0].languages: expected a non-empty list of names",
        ),
        (
            {"topics": [{"id": "a", "query": "a", "competitor_of": 1}]},
            "topics[0].competitor_of: expected a topic id",
        ),
        (
            {"topics": [{"id": "a", "query": "a", "alerts": {}}]},
            "topics[0].alerts: expected a list of alert rules",
        ),
        (
            {"topics": [{"id": "a", "query": "a", "alerts": ["x"]}]},
            "topics[0].alerts[0]: an alert rule is a mapping with 'kind'",
        ),
        (
            {"topics": [{"id": "a", "query": "a", "alerts": [{}]}]},
            "topics[0].alerts[0].kind: missing; use one of volume_spike, sentiment_dip",
        ),
        (
            {
                "topics": [
                    {"id": "a", "query": "a", "alerts": [{"kind": "volume_spike", "window": "0h"}]}
                ]
            },
            "topics[0].alerts[0].window: must be longer than zero",
        ),
        (
            {
                "topics": [
                    {"id": "a", "query": "a", "alerts": [{"kind": "volume_spike", "window": "8d"}]}
                ]
            },
            "topics[0].alerts[0].window: at most 168 buckets long",
        ),
        (
            {
                "topics": [
                    {"id": "a", "query": "a", "alerts": [{"kind": "volume_spike", "min_volume": 0}]}
                ]
            },
            "topics[0].alerts[0].min_volume: expected a whole number of mentions, at least 1",
        ),
        (
            {
                "topics": [
                    {
                        "id": "a",
                        "query": "a",
                        "alerts": [{"kind": "sentiment_dip", "negative_floor": 2}],
                    }
                ]
            },
            "topics[0].alerts[0].negative_floor: expected a share in (0, 1], as 0.4",
        ),
        (
            {"topics": [{"id": "a", "query": 3}]},
            "topics[0].query: expected a term, phrase, #hashtag or @handle string, or a mapping with one key: all, any or not",
        ),
    ],
)
def test_one_mistake_one_message(data: object, message: str) -> None:
    assert problems(data) == [message]


def test_yaml_and_unknown_formats() -> None:
    assert load_topics("topics: [{id: a, query: a}]", format="yaml").topics[0].id == "a"
    with pytest.raises(ValidationError, match="invalid YAML"):
        load_topics("topics: [", format="yaml")
    with pytest.raises(ValidationError, match="unknown format 'ini'; use json, toml or yaml"):
        load_topics("x", format="ini")


def test_a_mention_refuses_an_empty_id_and_a_negative_reach() -> None:
    with pytest.raises(ValidationError, match="id: must not be empty"):
        Mention(id="", network="x", text="", at=AT)
    with pytest.raises(ValidationError, match="reach: must not be negative"):
        Mention(id="1", network="x", text="", at=AT, reach=-1)


@given(st.text(st.characters(max_codepoint=127, exclude_characters="#@"), max_size=40))
def test_the_ascii_fast_path_cuts_the_same_tokens_as_the_regex(text: str) -> None:
    from omnicx.listening._text import _TOKEN

    raw = _TOKEN.findall(text.lower())
    assert tokens_of(text) == (frozenset(raw), tuple(raw), frozenset(raw))


_SOCIAL_PIECES = st.sampled_from(
    [
        *("great", "GREAT", "not", "outage", "#outage", "@acme", "w111", "sooo", "goooood"),
        *("xDDD", "hahaha", ":)", "don't", "a_b", "love_it", "!!", "?", "/s", "#not", "w12"),
        *("Caída", "😡"),
    ]
)


@given(
    st.lists(_SOCIAL_PIECES, max_size=10).map(" ".join)
    | st.text(st.characters(max_codepoint=127), max_size=50)
    | st.text(max_size=30)
)
def test_the_listener_shares_its_words_with_the_sentiment_it_scores(text: str) -> None:
    """Scoring with the words cut for matching gives the score of the text alone."""
    from omnicx.routing import SocialSentiment

    social = SocialSentiment()
    assert social.score_words(text, tokens_of(text).words) == social.score(text)

"""Many topics against one mention: an index from anchor tokens to topics, compiled once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from omnicx.listening._mention import Mention
from omnicx.listening._query import anchors_of, compile_query, matches
from omnicx.listening._text import Tokens
from omnicx.listening._topics import Topic

__all__ = ["Matcher"]


@attrs.frozen
class Matcher:
    """The topics of a topic set, indexed by their queries' anchors.

    A topic is tried only on mentions holding one of its anchors (a query
    that is only a NOT has none and is tried on every mention), so matching
    costs what the mention's own tokens hit, not the number of topics.
    """

    topics: tuple[Topic, ...]
    _index: dict[str, tuple[int, ...]] = attrs.field(repr=False, eq=False)
    _keys: frozenset[str] = attrs.field(repr=False, eq=False)
    _always: tuple[int, ...] = attrs.field(repr=False, eq=False)
    _tests: tuple[Callable[[Tokens], bool], ...] = attrs.field(repr=False, eq=False)

    @classmethod
    def compile(cls, topics: Sequence[Topic]) -> Matcher:
        """Index ``topics``."""
        index: dict[str, list[int]] = {}
        always: list[int] = []
        for i, topic in enumerate(topics):
            anchors = anchors_of(topic.query)
            if anchors is None:
                always.append(i)
                continue
            for token in anchors:
                index.setdefault(token, []).append(i)
        frozen = {k: tuple(v) for k, v in index.items()}
        tests = tuple(compile_query(t.query) for t in topics)
        return cls(tuple(topics), frozen, frozenset(frozen), tuple(always), tests)

    def match(self, mention: Mention, tokens: Tokens) -> list[int]:
        """Indexes (into ``topics``, ascending) of the topics ``mention`` belongs to."""
        if not self._always and self._keys.isdisjoint(tokens.all):
            return []  # most mentions: no anchor, so no topic to try
        hits = self._keys.intersection(tokens.all)
        index = self._index
        candidates: set[int] = set(self._always)
        for token in hits:
            candidates.update(index[token])
        language = (mention.language or "").lower()
        network = mention.network.lower()
        topics = self.topics
        tests = self._tests
        found = []
        for i in sorted(candidates):
            topic = topics[i]
            if topic.languages is not None and language not in topic.languages:
                continue
            if topic.networks is not None and network not in topic.networks:
                continue
            if tests[i](tokens):
                found.append(i)
        return found

    def match_plain(self, mention: Mention, tokens: Tokens) -> list[int]:
        """The same answer as ``match``, trying every topic (the reference the index is tested against)."""
        language = (mention.language or "").lower()
        network = mention.network.lower()
        return [
            i
            for i, topic in enumerate(self.topics)
            if (topic.languages is None or language in topic.languages)
            and (topic.networks is None or network in topic.networks)
            and matches(topic.query, tokens)
        ]

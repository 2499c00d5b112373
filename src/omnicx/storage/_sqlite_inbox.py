"""The SQL for inbox pages, counts and search in ``SqliteStore``.

Each function returns SQL and its parameters; the store runs them. The
meaning is that of ``omnicx.storage._inbox`` and ``_search``, which
``MemoryStore`` evaluates plainly; the contract suite compares the two.
"""

from __future__ import annotations

from typing import Any

from omnicx.storage._inbox import InboxFilter, InboxQuery, InboxSort, micros
from omnicx.storage._search import index_word

Sql = tuple[str, list[Any]]


def _in(column: str, values: list[Any], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


def _one_of(column: str, values: frozenset[Any] | None, params: list[Any]) -> str | None:
    # None in the set stands for "no value" (no queue, unassigned).
    if values is None:
        return None
    given = sorted(v for v in values if v is not None)
    parts = [_in(column, given, params)] if given else []
    if None in values:
        parts.append(f"{column} IS NULL")
    return f"({' OR '.join(parts)})"


def where_clause(where: InboxFilter, params: list[Any]) -> list[str]:
    """SQL conditions on ``conversations AS c`` equal to ``where.matches``."""
    clauses = [
        _one_of("c.queue", where.queues, params),
        _one_of("c.status", _values(where.statuses), params),
        _one_of("c.assignee", where.assignees, params),
        _one_of("c.channel", _names(where.channels), params),
        _one_of("c.customer_id", where.customer_ids, params),
        _one_of("c.priority", _ranks(where.priorities), params),
    ]
    for tag in sorted(where.tags):
        params.append(tag)
        clauses.append(
            "EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag = ?)"
        )
    for column, low, high in (
        ("c.created_us", where.created_from, where.created_before),
        ("c.updated_us", where.updated_from, where.updated_before),
    ):
        if low is not None:
            clauses.append(f"{column} >= ?")
            params.append(micros(low))
        if high is not None:
            clauses.append(f"{column} < ?")
            params.append(micros(high))
    return [clause for clause in clauses if clause is not None]


def _values(statuses: frozenset[Any] | None) -> frozenset[Any] | None:
    return None if statuses is None else frozenset(s.value for s in statuses)


def _names(channels: frozenset[Any] | None) -> frozenset[Any] | None:
    return None if channels is None else frozenset(c.name for c in channels)


def _ranks(priorities: frozenset[Any] | None) -> frozenset[Any] | None:
    return None if priorities is None else frozenset(p.rank for p in priorities)


def inbox_sql(query: InboxQuery) -> Sql:
    """One page (plus one row, to tell whether more follow) of ``query``."""
    params: list[Any] = []
    clauses = where_clause(query.where, params)
    after = query.after
    if query.sort is InboxSort.PRIORITY_AGE:
        order = "c.priority DESC, c.created_us, c.id"
        if after is not None:
            rank, created, last_id = after  # type: ignore[misc]
            clauses.append(
                "(c.priority < ? OR (c.priority = ? AND"
                " (c.created_us > ? OR (c.created_us = ? AND c.id > ?))))"
            )
            params += [-rank, -rank, created, created, last_id]
    else:
        order = "c.updated_us DESC, c.id"
        if after is not None:
            updated, last_id = after  # type: ignore[misc]
            clauses.append("(c.updated_us < ? OR (c.updated_us = ? AND c.id > ?))")
            params += [-updated, -updated, last_id]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    params.append(query.limit + 1)
    return f"SELECT c.data FROM conversations c{where} ORDER BY {order} LIMIT ?", params


def counts_sql(where: InboxFilter) -> Sql:
    """Matching conversations counted by (queue, status)."""
    params: list[Any] = []
    clauses = where_clause(where, params)
    condition = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return (
        f"SELECT c.queue, c.status, COUNT(*) FROM conversations c{condition}"
        " GROUP BY c.queue, c.status",
        params,
    )


def search_sql(wanted: frozenset[str], where: InboxFilter | None, limit: int) -> Sql:
    """Conversations holding every word, ranked as ``_search.rank`` ranks them."""
    terms = sorted(f'"{index_word(word)}"' for word in wanted)
    params: list[Any] = [" OR ".join(terms)]
    clauses = []
    for term in terms:
        clauses.append(
            "c.id IN (SELECT e.conversation_id FROM message_words JOIN events e"
            " ON e.seq = message_words.rowid WHERE message_words MATCH ?)"
        )
        params.append(term)
    if where is not None:
        clauses += where_clause(where, params)
    params.append(limit)
    return (
        "SELECT c.data FROM (SELECT e.conversation_id AS id, COUNT(*) AS hits"
        " FROM message_words JOIN events e ON e.seq = message_words.rowid"
        " WHERE message_words MATCH ? GROUP BY e.conversation_id) AS h"
        " JOIN conversations c ON c.id = h.id"
        f" WHERE {' AND '.join(clauses)}"
        " ORDER BY h.hits DESC, c.updated_us DESC, c.id LIMIT ?",
        params,
    )

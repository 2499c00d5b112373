"""The statements ``DjangoStore`` runs most, in plain SQL built once per shape.

A desk call runs about 25 statements; building each as an ORM query costs
more than running it. These are the primary-key lookups, ``IN`` lookups
(locked where the backend locks rows), inserts (with the backend's own words
for "ignore" or "update" on conflict) and versioned updates, quoted by the
backend's own rules and cached by (backend, model, shape): a few dozen strings.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import connections, models
from django.db.models.constants import OnConflict

from omnicx.contrib.django import models as m
from omnicx.contrib.django._store_errors import database_errors

__all__ = ["by_key", "delete_children", "insert", "update_versioned", "where_in"]

BY_KEY_SQL: dict[tuple[str, type[Any], str], str] = {}
INSERT_SQL: dict[tuple[str, type[Any], bool, tuple[str, ...]], str] = {}
UPDATE_SQL: dict[tuple[str, type[Any], tuple[str, ...]], str] = {}


def by_key(using: str, model: type[Any], columns: str, key: str) -> tuple[Any, ...] | None:
    """The ``columns`` (space-separated) of the row of ``model`` with primary key ``key``."""
    connection = connections[using]
    cache_key = (connection.vendor, model, columns)
    sql = BY_KEY_SQL.get(cache_key)
    if sql is None:
        quote = connection.ops.quote_name
        meta = model._meta
        names = ", ".join(quote(c) for c in columns.split())
        sql = BY_KEY_SQL[cache_key] = (
            f"SELECT {names} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
        )
    with (
        database_errors(using, f"reading {model._meta.db_table}"),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, (key,))
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def insert(
    using: str,
    model: type[Any],
    objs: Collection[Any],
    *,
    ignore: bool = False,
    update: tuple[str, ...] = (),
) -> None:
    """``bulk_create(objs)``: ``ignore`` skips rows whose key is taken, ``update`` rewrites those columns.

    Without either, a key taken is an ``IntegrityError`` (a race lost).
    """
    if not objs:
        return
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.auto_created) and
              not isinstance(f, models.AutoField | models.BigAutoField)]  # fmt: skip
    cache_key = (connection.vendor, model, ignore, update)
    sql = INSERT_SQL.get(cache_key)
    if sql is None:
        quote = connection.ops.quote_name
        on_conflict = OnConflict.IGNORE if ignore else OnConflict.UPDATE if update else None
        suffix = connection.ops.on_conflict_suffix_sql(
            fields,
            on_conflict,
            [meta.get_field(f).column for f in update],
            [meta.pk.column] if update else [],
        )
        sql = INSERT_SQL[cache_key] = (
            f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
            f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) {suffix}"
        )
    rows = [
        tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_versioned(
    using: str, model: type[Any], key: str, read: int, columns: dict[str, Any]
) -> bool:
    """Write ``columns`` and version ``read + 1`` if the row is still at ``read``; whether it was."""
    connection = connections[using]
    names = tuple(columns)
    cache_key = (connection.vendor, model, names)
    sql = UPDATE_SQL.get(cache_key)
    if sql is None:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(c)} = %s" for c in ("version", *names))
        sql = UPDATE_SQL[cache_key] = (
            f"UPDATE {quote(model._meta.db_table)} SET {sets}"
            f" WHERE {quote(model._meta.pk.column)} = %s AND {quote('version')} = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, (read + 1, *columns.values(), key, read))
        return bool(cursor.rowcount == 1)


def delete_children(using: str, conversation_id: str) -> None:
    """Delete a conversation's tag and custom field rows (a write replaces them all)."""
    with connections[using].cursor() as cursor:
        for model in (m.ConversationTag, m.ConversationField):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE conversation_id = %s",
                (conversation_id,),
            )


def where_in(
    using: str,
    model: type[Any],
    columns: str,
    column: str,
    keys: Collection[str],
    *,
    lock: bool = False,
) -> list[tuple[Any, ...]]:
    """The ``columns`` of the rows whose ``column`` is one of ``keys``, in ``column`` order.

    In chunks well under every backend's limit on bound values; ``lock``
    adds ``FOR UPDATE`` where the backend has it (SQLite's one writer needs none).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns.split())
    tail = f" ORDER BY {quote(column)}"
    if lock and connection.features.has_select_for_update:
        tail += " FOR UPDATE"
    select = f"SELECT {names} FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN"
    wanted = sorted(set(keys))
    found: list[tuple[Any, ...]] = []
    with (
        database_errors(using, f"reading {model._meta.db_table}"),
        connection.cursor() as cursor,
    ):
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            cursor.execute(f"{select} ({', '.join(['%s'] * len(chunk))}){tail}", chunk)
            found.extend(tuple(row) for row in cursor.fetchall())
    return found

"""Plain statements for the hot write path: many rows in one statement (or one statement run
for many rows).

A group commit of a hundred rooms writes hundreds of events and receipts and moves a hundred
workshops on; ``bulk_create`` builds a model instance per row and ``bulk_update`` compiles a CASE
per row, which together were a fifth of the database thread's time. Values still go through
each field's own preparation (JSON, foreign keys), so the database sees what the ORM would send.
"""

from __future__ import annotations

from django.db import connection, models


def insert_many(model: type[models.Model], names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows`` (values in the order of the field ``names``) into ``model``'s table, as
    few multi-row statements as the database's limit on parameters allows."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    into = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES "
    one = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            values = [v for row in _prepared(fields, chunk) for v in row]
            cursor.execute(into + ", ".join([one] * len(chunk)), values)


def update_many(model: type[models.Model], names: tuple[str, ...], rows: list[tuple]) -> None:
    """UPDATE the field ``names`` of ``model`` rows: each row is their values, then the key."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names] + [model._meta.pk]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields[:-1])
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, _prepared(fields, rows))


def _prepared(fields: list, rows: list[tuple]) -> list[tuple]:
    return [
        tuple(f.get_db_prep_value(v, connection) for f, v in zip(fields, row, strict=True))
        for row in rows
    ]

"""Plain statements for the hot write path: one prepared statement run for many rows.

A group commit of a hundred rooms writes hundreds of events and receipts and moves a hundred
workshops on; ``bulk_create`` builds a model instance per row and ``bulk_update`` compiles a CASE
per row, which together were a fifth of the database thread's time. Values still go through
each field's own preparation (JSON, foreign keys), so the database sees what the ORM would send.
"""

from __future__ import annotations

from django.db import connection, models


def insert_many(model: type[models.Model], names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows`` (values in the order of the field ``names``) into ``model``'s table."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    _run(sql, fields, rows)


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
    _run(sql, fields, rows)


def _run(sql: str, fields: list, rows: list[tuple]) -> None:
    prepared = [
        tuple(f.get_db_prep_value(v, connection) for f, v in zip(fields, row, strict=True))
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)

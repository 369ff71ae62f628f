"""Statements written out for the opening rush's hottest reads and inserts, rows built as the ORM builds them.

The ORM compiles a statement on every call: 0.3–0.7 ms of the worker's CPU for a read that
PostgreSQL answers in under 0.1 ms (bench/README.md, "Statements written out"), and every page
and POST of the rush reads its project and plan, or its unit with them. `read_one` selects each
model's concrete columns in order (from the models, so a new field is read without editing the
statement), runs the FROM/WHERE the caller wrote, and builds the instances with the database's
converters applied (SQLite's datetimes and decimals, encrypted fields), as a queryset would.
"""

from functools import cache

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


@cache
def _columns(model: type[models.Model]) -> tuple[str, list[str]]:
    table = connection.ops.quote_name(model._meta.db_table)
    fields = model._meta.concrete_fields
    return ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in fields), [f.attname for f in fields]


@cache
def _converters(model: type[models.Model]) -> list[tuple[int, list, models.Expression]]:
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if converters:
            found.append((i, converters, col))
    return found


def read_one(models_read: tuple[type[models.Model], ...], rest: str, params: list, *,
             extra: tuple[str, ...] = ()) -> tuple | None:
    """One instance of each model from the row `SELECT <their columns> <rest>` finds, or None.

    `rest` is the statement's FROM, JOINs and WHERE, naming tables by their db_table. A number
    too big for any column (an address typed wrong) finds nothing, as the ORM's lookups do,
    instead of SQLite's OverflowError. `extra` expressions (without parameters) are selected
    after the columns, and their values follow the instances, as the database returns them.
    """
    rows = _read(models_read, rest, params, extra, many=False)
    return rows[0] if rows else None


def read_all(models_read: tuple[type[models.Model], ...], rest: str, params: list) -> list[tuple]:
    """Every row `SELECT <their columns> <rest>` finds (`rest` with its ORDER BY), each as
    read_one gives one."""
    return _read(models_read, rest, params, (), many=True)


def _read(models_read, rest: str, params: list, extra: tuple[str, ...], *, many: bool) -> list[tuple]:
    if any(isinstance(p, int) and not BIGINT_MIN <= p <= BIGINT_MAX for p in params):
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join([*(_columns(m)[0] for m in models_read), *extra])} {rest}", params)
        rows = cursor.fetchall() if many else [row for row in [cursor.fetchone()] if row is not None]
    return [_built(models_read, row) for row in rows]


def _built(models_read, row: tuple) -> tuple:
    built, start = [], 0
    for model in models_read:
        names = _columns(model)[1]
        values = list(row[start:start + len(names)])
        start += len(names)
        for i, converters, col in _converters(model):
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        built.append(model.from_db(connection.alias, names, values))
    return (*built, *row[start:])


@cache
def _insert(model: type[models.Model], pk_given: bool) -> tuple[str, list, bool]:
    pk = model._meta.pk
    returning = isinstance(pk, AutoFieldMixin) and not pk_given  # the database numbers the row
    fields = [f for f in model._meta.concrete_fields if not (returning and f is pk)]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
           f" VALUES ({', '.join(['%s'] * len(fields))})" + (f" RETURNING {quote(pk.column)}" if returning else ""))
    return sql, fields, returning


def insert_one(obj: models.Model) -> None:
    """INSERT a new instance with its statement written out, each value prepared by its field as
    save(force_insert=True) prepares it (auto_now, encryption, JSON). For the rush's own models
    only: no pre_save/post_save signal is sent, so a model that has receivers must be saved.
    An automatic primary key already set (reserved from its sequence) is written as it is."""
    sql, fields, returning = _insert(type(obj), obj.pk is not None)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias


def insert_all(*objs: models.Model) -> None:
    """insert_one for new instances whose keys are made before the insert (UUIDs), in one round
    trip on PostgreSQL: each but the last a data-modifying WITH of the last's INSERT. A
    registration's notification and its delivery job are two rows the rush writes together for
    every family (bench/README.md). Elsewhere (SQLite, the first run) one INSERT each. A row
    without its key is refused before any is written, on either database."""
    statements, values = [], []
    for obj in objs:
        sql, fields, returning = _insert(type(obj), obj.pk is not None)
        if returning:
            raise ValueError(f"insert_all needs each row's key made before the insert: {type(obj).__name__} has none")
        statements.append(sql)
        values += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if connection.vendor != "postgresql":
        for obj in objs:
            insert_one(obj)
        return
    *first, last = statements
    with connection.cursor() as cursor:
        cursor.execute("".join(f"{'WITH' if n == 0 else ','} _{n} AS ({sql}) " for n, sql in enumerate(first))
                       + last, values)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias

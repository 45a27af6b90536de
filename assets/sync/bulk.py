"""A lean multi-row INSERT for the sync's hot path.

`QuerySet.bulk_create` prepares every field of every row through the ORM (pre_save,
get_db_prep_save, one SQL fragment per value), which was most of a full sync's time. The
sync only writes plain values it built itself, so these helpers send them with one
`executemany`, converting only the columns whose type needs it (dates, JSON) with the
field's own `get_db_prep_save`: the stored values are exactly what bulk_create stores.
"""

from __future__ import annotations

from django.db import connections, models, router

# Columns whose Python value the database driver takes as it is.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.FloatField,
          models.BooleanField, models.ForeignKey)


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if not isinstance(f, models.AutoField) and not getattr(f, "generated", False)]


def insert_objects(objs: list[models.Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT unsaved instances (without their auto primary key) in one statement batch.

    Fills auto_now/auto_now_add fields as save() would; primary keys are NOT set on the
    instances (read them back by a natural key when needed).
    """
    if not objs:
        return
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    fields = _columns(model)
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for field in auto:
        for obj in objs:
            field.pre_save(obj, add=True)
    converters = [None if isinstance(f, _PLAIN) else f for f in fields]
    attnames = [f.attname for f in fields]
    convert = [(index, field, isinstance(field, models.DateTimeField), {})
               for index, field in enumerate(converters) if field is not None]
    rows = []
    for obj in objs:
        values = [getattr(obj, name) for name in attnames]
        for index, field, is_time, seen in convert:
            value = values[index]
            if is_time:
                # Most rows share the same few times (now, None): convert each once.
                if value not in seen:
                    seen[value] = field.get_db_prep_save(value, connection)
                values[index] = seen[value]
            else:
                values[index] = field.get_db_prep_save(value, connection)
        rows.append(values)
    _execute(connection, model._meta.db_table, [f.column for f in fields], rows,
             ignore_conflicts)
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def insert_rows(model, columns: list[str], rows: list[tuple], *,
                ignore_conflicts: bool = False) -> None:
    """INSERT plain value tuples (already in database form) into `model`'s table."""
    if rows:
        connection = connections[router.db_for_write(model)]
        _execute(connection, model._meta.db_table, columns, rows, ignore_conflicts)


def _execute(connection, table: str, columns: list[str], rows: list, ignore: bool) -> None:
    quote = connection.ops.quote_name
    # Identifiers come from model metadata, quoted; values are parameters.
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    if ignore:
        sql += " ON CONFLICT DO NOTHING"  # PostgreSQL and SQLite >= 3.24 alike
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

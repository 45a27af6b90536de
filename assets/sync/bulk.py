"""A lean multi-row INSERT for the sync's hot path.

`QuerySet.bulk_create` prepares every field of every row through the ORM (pre_save,
get_db_prep_save, one SQL fragment per value), which was most of a full sync's time. The
sync only writes plain values it built itself, so these helpers send them with one
`executemany`, converting only the columns whose type needs it (dates, JSON) with the
field's own `get_db_prep_save`: the stored values are exactly what bulk_create stores.

On PostgreSQL rows go through `COPY ... FROM STDIN` (an `executemany` ran one statement
per row on the server; a multi-row INSERT of 500 wide rows spent more time in psycopg
splitting its 17,000 placeholders than in the server: issue #17's profile). Elsewhere, and
when conflicts are to be ignored (COPY cannot), multi-row `INSERT ... VALUES (...), (...)`.
`allocate_ids` takes primary keys before the INSERT, so rows that point at each other
(an asset and its first version) are each written once.
"""

from __future__ import annotations

from django.db import connections, models, router

# Columns whose Python value the database driver takes as it is.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.FloatField,
          models.BooleanField, models.ForeignKey)


def _columns(model, with_pk: bool) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if (with_pk or not isinstance(f, models.AutoField))
            and not getattr(f, "generated", False)]


def insert_objects(objs: list[models.Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT unsaved instances in multi-row statements.

    Fills auto_now/auto_now_add fields as save() would. Instances that all carry a primary
    key (from `allocate_ids`) are inserted with it; otherwise the database assigns them and
    they are NOT set on the instances (read them back by a natural key when needed).
    """
    if not objs:
        return
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    fields = _columns(model, with_pk=all(obj.pk is not None for obj in objs))
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
    if connection.vendor == "postgresql" and not ignore:
        copy_rows(connection, f"{quote(table)} ({', '.join(quote(c) for c in columns)})", rows)
        return
    # Identifiers come from model metadata, quoted; values are parameters.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    row_marks = f"({', '.join(['%s'] * len(columns))})"
    tail = " ON CONFLICT DO NOTHING" if ignore else ""  # PostgreSQL and SQLite >= 3.24 alike
    size = batch_size(connection, len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            cursor.execute(head + ", ".join([row_marks] * len(batch)) + tail,
                           [value for row in batch for value in row])


def copy_rows(connection, target: str, rows: list) -> None:
    """COPY `rows` into `target` ("table (columns)", quoted) on PostgreSQL, in the caller's
    transaction. Values are adapted as for a query (Jsonb, datetimes, None as NULL)."""
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def batch_size(connection, columns: int) -> int:
    """Rows per multi-row statement: within the backend's limit on parameters."""
    limit = connection.features.max_query_params or 65_535  # PostgreSQL's protocol limit
    return max(1, min(limit, 65_535) // max(1, columns))


def allocate_ids(model, count: int) -> list[int]:
    """`count` new primary keys of `model`, taken now (inside the caller's transaction).

    PostgreSQL: from the table's sequence in one statement (never handed out twice, even
    if the transaction rolls back). SQLite: from `sqlite_sequence` (AUTOINCREMENT), whose
    update also takes the database's write lock, so no other writer can take the same ids.
    """
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)", [table, column, count])
            return sorted(row[0] for row in cursor.fetchall())
        return _allocate_sqlite(cursor, connection, table, column, count)


def _allocate_sqlite(cursor, connection, table: str, column: str, count: int) -> list[int]:
    quote = connection.ops.quote_name
    # The row exists once the table has had a row; before that, start after any ids present.
    cursor.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT %s, "  # noqa: S608
                   f"COALESCE(MAX({quote(column)}), 0) FROM {quote(table)} "
                   "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
                   [table, table])
    cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX("  # noqa: S608
                   f"{quote(column)}), 0) FROM {quote(table)})) + %s WHERE name = %s",
                   [count, table])
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    last = cursor.fetchone()[0]
    return list(range(last - count + 1, last + 1))

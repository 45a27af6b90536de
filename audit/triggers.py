"""Database triggers that make audit_event append-only, on PostgreSQL and SQLite.

Installed by migration 0002. On SQLite, a migration that rebuilds audit_event
(most AlterField operations do) drops its triggers: such a migration must call
`install()` again. `verify_audit` reports missing triggers.
"""

from contextlib import contextmanager

from django.db import NotSupportedError, transaction

TABLE = "audit_event"
MESSAGE = "audit events are append-only"

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    # Statement-level, so even an UPDATE or DELETE that matches no row fails.
    f"""
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
    """,
]
_POSTGRES_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]
_SQLITE_TRIGGERS = {
    "audit_event_no_update": "UPDATE",
    "audit_event_no_delete": "DELETE",
}
_SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for name, op in _SQLITE_TRIGGERS.items()
]
_SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]


def _statements(connection, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_UNINSTALL
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_UNINSTALL
    raise NotSupportedError(f"audit triggers: PostgreSQL and SQLite only, not {connection.vendor}")


def install(connection) -> None:
    """Create the triggers (idempotent)."""
    if connection.vendor == "postgresql":
        uninstall(connection)
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)


def installed(connection) -> bool:
    """Whether the triggers exist and are enabled on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND tgname = 'audit_event_append_only' AND tgenabled <> 'D'", [TABLE])
            return cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "AND name IN (%s, %s)", [TABLE, *_SQLITE_TRIGGERS])
        return cursor.fetchone()[0] == len(_SQLITE_TRIGGERS)


@contextmanager
def suspended(connection):
    """Lift the triggers inside one transaction, for `flush` only (tests, dev resets).

    The transaction restores them whatever happens: DDL is transactional on both
    engines. Needs the table owner's rights, as an attacker would.
    """
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_append_only")
            yield
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_event_append_only")
        else:
            uninstall(connection)
            yield
            install(connection)

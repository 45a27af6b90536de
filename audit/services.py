"""Writing the audit trail: `record()` (one event) and `record_many()` (a batch).

Both append inside the caller's transaction, so an event exists exactly when
the change it describes committed. Appends are serialised so the chain never
forks: on PostgreSQL with a transaction-scoped advisory lock (held until the
caller's transaction ends), on SQLite by taking the database's single write
lock before reading the chain's head.
"""

import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import NotSupportedError, connections, router, transaction
from django.utils import timezone

from audit.actions import validate_action
from audit.chain import GENESIS_HASH, compute_hash
from audit.context import current_request
from audit.models import Event

# pg_advisory_xact_lock key: "audit" in ASCII; only audit appends use it.
APPEND_LOCK_KEY = 0x6175646974
SYSTEM_ACTOR = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def record(action: str, *, actor, target, asset=None, asset_version=None, community=None,
           partner=None, payload: Mapping | None = None, using: str | None = None) -> Event:
    """Append one event and return it.

    actor: a User, or a system actor name ("cloudinary-sync", "tradinggrid-sync", ...).
    target: the saved model instance the action concerns (its label is kept).
    asset / asset_version / community / partner: what else is involved, as instances
    or ids (asset_version may be an AssetVersion or a version number). Assets and
    asset versions given as the target fill these in themselves.
    payload: JSON-serialisable details. Adds request id and client IP inside a request.
    """
    event = build_event(action, actor=actor, target=target, asset=asset,
                        asset_version=asset_version, community=community, partner=partner,
                        payload=payload)
    return _append([event], using or router.db_for_write(Event))[0]


def record_many(entries: Iterable[Mapping[str, Any]], *, using: str | None = None) -> list[Event]:
    """Append many events in order with one lock and multi-row INSERTs (e.g. a sync page).

    Each entry holds `record()`'s arguments: {"action": ..., "actor": ..., "target": ...}.
    """
    events = [build_event(**entry) for entry in entries]
    return _append(events, using or router.db_for_write(Event)) if events else []


def build_event(action: str, *, actor, target, asset=None, asset_version=None, community=None,
                partner=None, payload: Mapping | None = None) -> Event:
    """An unsaved, unchained Event from record()'s arguments (validated)."""
    event = Event(action=validate_action(action), payload=_json_payload(payload))
    _set_actor(event, actor)
    _set_target(event, target)
    _set_asset(event, target, asset, asset_version)
    event.community_id, event.community_label = _ref(community, "community")
    event.partner_id, event.partner_label = _ref(partner, "partner")
    info = current_request.get()
    if info is not None:
        event.request_id = info.request_id[:64]
        event.client_ip = _clean_ip(info.client_ip)
    return event


def _append(events: list[Event], using: str) -> list[Event]:
    with transaction.atomic(using=using):
        sequence, prev_hash = _lock_and_read_head(using)
        now = timezone.now()
        for event in events:
            sequence += 1
            event.sequence, event.occurred_at, event.prev_hash = sequence, now, prev_hash
            event.hash = prev_hash = compute_hash(prev_hash, event.__dict__)
        _insert(events, using)
    return events


def _insert(events: list[Event], using: str) -> None:
    """INSERT chained events: one event with one INSERT built once (a download's), a batch in
    bulk: COPY on PostgreSQL, multi-row INSERTs elsewhere.

    bulk_create (or save, for one event) prepared each of the 20 fields of each event
    through the ORM; here only the time (the same for the whole batch) and the payload go
    through their field's get_db_prep_save, so the stored values are exactly those
    bulk_create stored. Event.save's checks hold by construction: every event is new and
    chained by `_append`. An executemany ran one statement per event on PostgreSQL's server.
    """
    connection = connections[using]
    fields = Event._meta.concrete_fields
    occurred = Event._meta.get_field("occurred_at")
    payload = Event._meta.get_field("payload")
    when = occurred.get_db_prep_save(events[0].occurred_at, connection)
    attnames = [f.attname for f in fields]
    at_time, at_payload = fields.index(occurred), fields.index(payload)
    rows = []
    for event in events:
        row = [getattr(event, name) for name in attnames]
        row[at_time] = when
        row[at_payload] = payload.get_db_prep_save(event.payload, connection)
        rows.append(row)
    if len(rows) == 1:
        with connection.cursor() as cursor:
            cursor.execute(_statements(using).insert, rows[0])
    else:
        quote = connection.ops.quote_name
        target = f"{quote(Event._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        if connection.vendor == "postgresql":
            # COPY: a multi-row INSERT's 10,000 placeholders cost psycopg more than the server
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            _insert_values(connection, target, rows, len(fields))
    for event in events:
        event._state.adding, event._state.db = False, using


class _Statements(NamedTuple):
    head: str
    insert: str


@functools.cache
def _statements(using: str) -> _Statements:
    """The chain head's read and the event INSERT, written once per database: through the
    ORM each cost more Python to compile than the database spends running it (#17)."""
    quote = connections[using].ops.quote_name
    table = quote(Event._meta.db_table)
    fields = Event._meta.concrete_fields
    return _Statements(
        head=f"SELECT {quote('sequence')}, {quote('hash')} FROM {table} "  # noqa: S608
             f"ORDER BY {quote('sequence')} DESC LIMIT 1",
        insert=f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(fields))})",
    )


def _insert_values(connection, target: str, rows: list[list], width: int) -> None:
    head = f"INSERT INTO {target} VALUES "  # noqa: S608 (quoted model names)
    row_marks = f"({', '.join(['%s'] * width)})"
    # within the backend's limit on parameters (999 on SQLite)
    size = max(1, min(connection.features.max_query_params or 65_535, 65_535) // width)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            cursor.execute(head + ", ".join([row_marks] * len(batch)),
                           [value for row in batch for value in row])


def _lock_and_read_head(using: str) -> tuple[int, str]:
    """Take the append lock, then read the head: two statements, so that the head is read
    with a snapshot taken after the lock was granted (in one statement, PostgreSQL's READ
    COMMITTED snapshot would predate the lock and could miss the previous holder's event)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])
        elif connection.vendor == "sqlite":
            # A write statement (matching no row, so no trigger fires) takes the
            # database's write lock now, before the head is read: two writers then
            # queue on the lock instead of both reading the same head.
            cursor.execute("UPDATE audit_event SET sequence = sequence WHERE 0")
        else:
            raise NotSupportedError(f"audit appends are not serialised on {connection.vendor}")
        cursor.execute(_statements(using).head)
        head = cursor.fetchone()
    return tuple(head) if head else (0, GENESIS_HASH)


def _set_actor(event: Event, actor) -> None:
    if isinstance(actor, str):
        if not SYSTEM_ACTOR.match(actor):
            raise ValueError(f"System actor names are lowercase slugs, got {actor!r}")
        event.actor_system = event.actor_label = actor
        return
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise ValueError("actor must be a saved user or a system actor name like 'cloudinary-sync'")
    event.actor_user_id = actor.pk
    event.actor_label = (getattr(actor, "email", "") or str(actor))[:254]


def _set_target(event: Event, target) -> None:
    meta = getattr(target, "_meta", None)
    if meta is None or target.pk is None:
        raise ValueError(f"target must be a saved model instance, got {target!r}")
    event.target_type = f"{meta.app_label}.{meta.model_name}"
    event.target_id = str(target.pk)
    event.target_label = str(target)[:300]


def _set_asset(event: Event, target, asset, asset_version) -> None:
    asset_id, version = _pk(asset), asset_version
    if asset_version is not None and not isinstance(asset_version, int):
        version = asset_version.version
        asset_id = _agree(asset_id, asset_version.asset_id, "asset")
    if event.target_type == "assets.asset":
        asset_id = _agree(asset_id, target.pk, "asset")
    elif event.target_type == "assets.assetversion":
        asset_id = _agree(asset_id, target.asset_id, "asset")
        version = _agree(version, target.version, "asset version")
    event.asset_id, event.asset_version = asset_id, version


def _agree(given, derived, what: str):
    if given is not None and derived is not None and given != derived:
        raise ValueError(f"{what} {given!r} does not match the target's {what} {derived!r}")
    return derived if derived is not None else given


def _pk(obj) -> int | None:
    if obj is None or isinstance(obj, int):
        return obj
    return obj.pk


def _ref(obj, what: str) -> tuple[int | None, str]:
    if obj is None:
        return None, ""
    if isinstance(obj, int):
        return obj, ""
    if getattr(obj, "pk", None) is None:
        raise ValueError(f"{what} must be a saved instance or an id, got {obj!r}")
    return obj.pk, str(obj)[:200]


def _json_payload(payload: Mapping | None) -> dict:
    if payload is None:
        return {}
    if not isinstance(payload, Mapping):
        raise ValueError(f"payload must be a mapping, got {type(payload).__name__}")
    # Round-trip through JSON so the hash covers exactly what the database returns.
    return json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder, allow_nan=False))


def _clean_ip(value: str | None) -> str:
    try:
        return str(ipaddress.ip_address(value)) if value else ""
    except ValueError:
        return ""

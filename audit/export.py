"""Compliance exports of the audit trail, streamed in constant memory.

CSV: one header row, then one row per event in sequence order; the payload is a
JSON text cell; text cells starting with = + - @ (or tab/CR) get a leading
apostrophe so a spreadsheet never runs them as formulas. JSON: JSON Lines, one
event object per line (it streams, and `jq`/pandas read it as is), raw values.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import router
from django.utils.dateparse import parse_date, parse_datetime

from audit.chain import format_time
from audit.models import Event

COLUMNS = (
    "sequence", "occurred_at", "action", "actor_label", "actor_user_id", "actor_system",
    "target_type", "target_id", "target_label", "asset_id", "asset_version",
    "community_id", "community_label", "partner_id", "partner_label",
    "request_id", "client_ip", "payload", "prev_hash", "hash",
)
FORMATS = ("csv", "json")
CHUNK_SIZE = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFilter:
    """Which events to export: [since, until), one partner, one asset (portal ids)."""

    since: datetime | None = None
    until: datetime | None = None
    partner_id: int | None = None
    asset_id: int | None = None

    def apply(self, events):
        if self.since:
            events = events.filter(occurred_at__gte=self.since)
        if self.until:
            events = events.filter(occurred_at__lt=self.until)
        if self.partner_id is not None:
            events = events.filter(partner_id=self.partner_id)
        if self.asset_id is not None:
            events = events.filter(asset_id=self.asset_id)
        return events


def parse_moment(value: str, *, end: bool = False) -> datetime:
    """A date (a whole day: `end` means the day after it) or an ISO datetime (UTC if naive).

    Raises ValueError with a message fit for a person.
    """
    value = value.strip()
    try:
        day = parse_date(value)
        moment = None if day else parse_datetime(value.replace(" ", "T", 1))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date or time ({exc})")
    if day:
        moment = datetime.combine(day + timedelta(days=1 if end else 0), time.min, UTC)
    if moment is None:
        raise ValueError(f"{value!r} is not a date (2026-11-01) or an ISO datetime "
                         "(2026-11-01T09:30:00+01:00)")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def events_for_export(flt: ExportFilter, *, using: str | None = None):
    using = using or router.db_for_read(Event)
    return flt.apply(Event.objects.using(using)).order_by("sequence")


def _rows(events) -> Iterator[dict]:
    for values in events.values_list(*COLUMNS).iterator(chunk_size=CHUNK_SIZE):
        row = dict(zip(COLUMNS, values, strict=True))
        row["occurred_at"] = format_time(row["occurred_at"])
        yield row


class _Line:
    """A file-like object whose write() returns what it was given (csv.writer → str)."""

    def write(self, value: str) -> str:
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(events) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in _rows(events):
        row["payload"] = json.dumps(row["payload"], sort_keys=True, ensure_ascii=False)
        yield writer.writerow([_cell(row[name]) for name in COLUMNS])


def json_lines(events) -> Iterator[str]:
    for row in _rows(events):
        yield json.dumps(row, ensure_ascii=False) + "\n"


def lines(events, fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return csv_lines(events) if fmt == "csv" else json_lines(events)

"""Filtered, sorted, cursor-paged views over the store, shared by the Admin and Search APIs.

A query is identified by a hashable ``cache_key``. Its filtered-and-sorted result is computed
once per store generation and cached (a small LRU), with an ``asset_id → position`` map, so a
page costs O(page) after the first one. Cursors are opaque base64 strings carrying the last
item's asset id and sort key (keyset paging): if the store changed in between, the next page
starts right after that key in the new order, so nothing is skipped or repeated twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from collections.abc import Callable

from .store import Resource, Store

SortSpec = tuple[tuple[str, bool], ...]  # ((field, descending), ...)
_CACHE_SIZE = 16


class CursorError(ValueError):
    """The next_cursor value is not one we issued."""


def sort_value(res: Resource, field: str):
    """The comparable value of ``field`` on a resource (None sorts last)."""
    if field in ("created_at", "uploaded_at", "updated_at"):
        return getattr(res, field.replace("_at", "_ts"))
    if field == "filename":
        return res.filename
    if field.startswith("context."):
        return res.context.get(field[8:])
    if field.startswith("metadata."):
        value = res.metadata.get(field[9:])
        return ",".join(value) if isinstance(value, list) else value
    value = getattr(res, field, None) if field in Resource.__slots__ else None
    return value


def _wrap(value) -> tuple:
    """Make mixed/None values comparable: None last, numbers before strings."""
    if value is None:
        return (2, "")
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def sort_key(res: Resource, spec: SortSpec) -> list:
    """The JSON-able sort key of ``res`` under ``spec`` (plus the ``seq`` tie-break)."""
    return [list(_wrap(sort_value(res, field))) for field, _ in spec] + [res.seq]


def _comes_after(key: list, cursor_key: list, spec: SortSpec) -> bool:
    """True when an item with ``key`` sorts strictly after ``cursor_key``."""
    directions = [desc for _, desc in spec] + [spec[0][1] if spec else False]
    for mine, theirs, desc in zip(key, cursor_key, directions, strict=False):
        mine_t = tuple(mine) if isinstance(mine, list) else mine
        theirs_t = tuple(theirs) if isinstance(theirs, list) else theirs
        if mine_t == theirs_t:
            continue
        return (mine_t < theirs_t) if desc else (mine_t > theirs_t)
    return False


def encode_cursor(res: Resource, spec: SortSpec) -> str:
    """An opaque cursor pointing just after ``res``."""
    raw = json.dumps({"a": res.asset_id, "k": sort_key(res, spec)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """Inverse of :func:`encode_cursor`; raises CursorError on junk."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or "a" not in data or "k" not in data:
            raise ValueError
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError(f"Invalid next_cursor - {cursor}") from exc


class QueryEngine:
    """Computes and caches sorted query results over one store."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def results(self, cache_key, predicate: Callable[[Resource], bool] | None,
                spec: SortSpec) -> tuple[list[Resource], dict[str, int]]:
        """All matching resources in order, and their positions by asset id (cached)."""
        generation = self.store.generation
        full_key = (cache_key, spec)
        with self._lock:
            hit = self._cache.get(full_key)
            if hit and hit[0] == generation:
                self._cache.move_to_end(full_key)
                return hit[1], hit[2]
        items = self.store.all()
        if predicate is not None:
            items = [res for res in items if predicate(res)]
        items.sort(key=lambda r: r.seq, reverse=bool(spec and spec[0][1]))
        for field, desc in reversed(spec):
            items.sort(key=lambda r, f=field: _wrap(sort_value(r, f)), reverse=desc)
        positions = {res.asset_id: index for index, res in enumerate(items)}
        with self._lock:
            self._cache[full_key] = (generation, items, positions)
            self._cache.move_to_end(full_key)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return items, positions

    def page(self, cache_key, predicate, spec: SortSpec, cursor: str | None,
             limit: int) -> tuple[list[Resource], str | None, int]:
        """One page: ``(resources, next_cursor or None, total_count)``."""
        items, positions = self.results(cache_key, predicate, spec)
        start = 0
        if cursor:
            start = self._start_after(decode_cursor(cursor), items, positions, spec)
        chunk = items[start:start + limit]
        more = start + limit < len(items)
        next_cursor = encode_cursor(chunk[-1], spec) if more and chunk else None
        return chunk, next_cursor, len(items)

    @staticmethod
    def _start_after(cursor: dict, items, positions, spec: SortSpec) -> int:
        index = positions.get(cursor["a"])
        if index is not None and sort_key(items[index], spec) == cursor["k"]:
            return index + 1
        # The cursor's item moved or vanished: find the first item after its old key.
        for index, res in enumerate(items):
            if _comes_after(sort_key(res, spec), cursor["k"], spec):
                return index
        return len(items)

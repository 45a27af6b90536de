"""Search API: ``POST /resources/search`` (and the GET form with query parameters)."""

from __future__ import annotations

import json
import time
from collections import Counter

from .errors import bad_request
from .params import many, one
from .query import CursorError
from .search_expr import compile_expression, uses_relative_dates
from .search_fields import ExpressionError
from .shapes import search_item

SORTABLE = {
    "created_at", "uploaded_at", "updated_at", "public_id", "asset_id", "filename",
    "display_name", "bytes", "width", "height", "pages", "duration", "format",
    "resource_type", "type", "asset_folder", "version", "moderation_status",
}
AGGREGATABLE = {"format", "resource_type", "type"}
_PREDICATES: dict = {}


def _sort_spec(raw) -> tuple[tuple[str, bool], ...]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = [{raw: "desc"}]
    if isinstance(raw, dict):
        raw = [raw]
    spec = []
    for item in raw or []:
        if not isinstance(item, dict) or len(item) != 1:
            raise bad_request("sort_by must be a list of {field: direction}")
        (field, direction), = item.items()
        ok_field = field in SORTABLE or field.startswith(("context.", "metadata."))
        if not ok_field or str(direction).lower() not in ("asc", "desc"):
            raise bad_request(f"Invalid sort_by {field}:{direction}")
        spec.append((field, str(direction).lower() == "desc"))
    return tuple(spec) or (("created_at", True),)


def _predicate(expression: str | None):
    """Compiled predicate, cached by expression (relative dates: per second)."""
    key = (expression, int(time.time()) if uses_relative_dates(expression) else None)
    hit = _PREDICATES.get(key)
    if hit is None:
        try:
            hit = compile_expression(expression)
        except ExpressionError as exc:
            raise bad_request(f"Invalid search expression \"{expression}\": {exc}") from None
        if len(_PREDICATES) > 256:
            _PREDICATES.clear()
        _PREDICATES[key] = hit
    return hit, key


def _list_param(params, name) -> list:
    """A list from a JSON body (kept as is) or from ``name[]`` query parameters."""
    value = params.get(name)
    if isinstance(value, list):
        return value
    return many(params, name)


def _aggregate(items, names) -> dict:
    result = {}
    for name in names:
        if isinstance(name, dict):
            name = name.get("type")
        if name not in AGGREGATABLE:
            raise bad_request(f"Unsupported aggregate field {name}")
        result[name] = dict(Counter(getattr(res, name) for res in items if getattr(res, name)))
    return result


def search(emu, params):
    """Run a search; see CLOUDINARY.md "Search API" for the request and answer shapes."""
    started = time.perf_counter()
    expression = one(params, "expression")
    max_results = one(params, "max_results", 50)
    try:
        limit = int(max_results)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid max_results {max_results}") from None
    if not 0 <= limit <= 500:
        raise bad_request("max_results should be between 0 and 500")
    predicate, cache_key = _predicate(expression)
    spec = _sort_spec(params.get("sort_by"))
    try:
        items, cursor, total = emu.engine.page(("search", cache_key), predicate, spec,
                                               one(params, "next_cursor"), max(limit, 1))
    except CursorError as exc:
        raise bad_request(str(exc)) from None
    with_fields = {str(v) for v in _list_param(params, "with_field")}
    fields = [str(v) for v in _list_param(params, "fields")] or None
    answer = {
        "total_count": total,
        "time": max(int((time.perf_counter() - started) * 1000), 1),
        "resources": [] if limit == 0 else [
            search_item(res, emu.url, emu.cloud, with_fields, fields) for res in items],
    }
    if cursor and limit:
        answer["next_cursor"] = cursor
    aggregate = _list_param(params, "aggregate")
    if aggregate:
        all_items, _ = emu.engine.results(("search", cache_key), predicate, spec)
        answer["aggregations"] = _aggregate(all_items, aggregate)
    return answer

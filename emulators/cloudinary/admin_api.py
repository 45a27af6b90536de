"""Admin API: resources (list, details, update, delete), tags, usage, ping.

Each handler takes ``(emu, params, *path_args)`` and returns the JSON answer; errors are raised
as :class:`ApiError`. ``params`` is the query string (GET, lists under ``key[]``) or the JSON
body (POST/PUT/DELETE). Routing lives in :func:`route`.
"""

from __future__ import annotations

import base64
import re

from . import derivatives, metadata_api, mutations, relations_api, rendering, search_api
from .access import parse_access_control, store_access_control
from .errors import ApiError, bad_request, not_found
from .folders_api import route as route_folders
from .params import coerce_metadata, flag, many, one, parse_pipe_map, parse_tags
from .shapes import IDENTITY_KEYS, admin_details, admin_item
from .timefmt import iso, parse_iso

RESOURCE_TYPES = ("image", "video", "raw")
ASSET_ID = re.compile(r"^[0-9a-f]{32}$")
DELETE_BATCH = 1000


def _max_results(params, default=10, high=500) -> int:
    raw = one(params, "max_results", default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid max_results value {raw}") from None
    if not 1 <= value <= high:
        raise bad_request(f"max_results should be between 1 and {high}")
    return value


def _flags(params) -> set[str]:
    return {name for name in ("tags", "context", "metadata", "moderations")
            if flag(params.get(name, "false"))}


def _shape_list(emu, items, params) -> list[dict]:
    flags = _flags(params)
    fields = many(params, "fields")
    shaped = [admin_item(res, emu.url, emu.cloud, flags) for res in items]
    if fields:
        keep = set(fields) | set(IDENTITY_KEYS)
        shaped = [{k: v for k, v in item.items() if k in keep} for item in shaped]
    return shaped


def _listing(emu, params, cache_key, predicate, prefix_sorted=False) -> dict:
    direction = str(one(params, "direction", "desc")).lower()
    if direction not in ("asc", "desc", "1", "-1"):
        raise bad_request(f"Invalid direction {direction}")
    descending = direction in ("desc", "-1")
    spec = (("public_id", False),) if prefix_sorted else (("created_at", descending),)
    limit = _max_results(params)
    items, cursor, _total = emu.engine.page(cache_key, predicate, spec,
                                            one(params, "next_cursor"), limit)
    answer = {"resources": _shape_list(emu, items, params)}
    if cursor:
        answer["next_cursor"] = cursor
    return answer


def _by_ids(emu, params, lookup, ids: list[str]) -> dict:
    found = [res for res in (lookup(i) for i in ids) if res is not None]
    return {"resources": _shape_list(emu, found, params)}


# -- handlers -------------------------------------------------------------------------
def ping(emu, params):
    """GET /ping."""
    return {"status": "ok"}


def resource_types(emu, params):
    """GET /resources: the resource types present in the cloud."""
    present = {res.resource_type for res in emu.store.all()}
    return {"resource_types": sorted(present)}


def list_resources(emu, params, resource_type, delivery_type=None):
    """GET /resources/<rt>[/<type>] (with ``public_ids[]``, ``prefix``, ``start_at``)."""
    public_ids = many(params, "public_ids")
    if public_ids:
        return _by_ids(emu, params,
                       lambda pid: emu.store.get(resource_type, delivery_type or "upload", pid),
                       public_ids)
    prefix = one(params, "prefix")
    start_at = one(params, "start_at")
    start_ts = parse_iso(start_at) if start_at else None
    if start_at and start_ts is None:
        raise bad_request(f"Invalid start_at {start_at}")

    def predicate(res):
        return (res.resource_type == resource_type
                and (delivery_type is None or res.type == delivery_type)
                and (not prefix or res.public_id.startswith(prefix))
                and (start_ts is None or res.uploaded_ts >= start_ts))

    key = ("list", resource_type, delivery_type, prefix, start_ts)
    return _listing(emu, params, key, predicate, prefix_sorted=bool(prefix))


def list_by_tag(emu, params, resource_type, tag):
    """GET /resources/<rt>/tags/<tag>."""
    return _listing(emu, params, ("tag", resource_type, tag),
                    lambda res: res.resource_type == resource_type and tag in res.tags)


def list_by_context(emu, params, resource_type):
    """GET /resources/<rt>/context?key=&value=."""
    key, value = one(params, "key"), one(params, "value")
    if not key:
        raise bad_request("Missing required parameter - key")
    return _listing(emu, params, ("context", resource_type, key, value),
                    lambda res: res.resource_type == resource_type and key in res.context
                    and (value is None or res.context[key] == value))


def list_by_moderation(emu, params, resource_type, kind, status):
    """GET /resources/<rt>/moderations/<kind>/<status>."""
    params = {**params, "moderations": "true"}
    return _listing(emu, params, ("moderation", resource_type, kind, status),
                    lambda res: res.resource_type == resource_type
                    and res.moderation_kind == kind and res.moderation_status == status)


def list_by_asset_ids(emu, params):
    """GET /resources/by_asset_ids?asset_ids[]=."""
    return _by_ids(emu, params, emu.store.get_by_asset_id, many(params, "asset_ids"))


def list_by_asset_folder(emu, params):
    """GET /resources/by_asset_folder?asset_folder=."""
    folder = one(params, "asset_folder", "")
    return _listing(emu, params, ("folder", folder), lambda res: res.asset_folder == folder)


def details(emu, params, resource_type, delivery_type, public_id):
    """GET /resources/<rt>/<type>/<public_id>."""
    res = emu.store.get(resource_type, delivery_type, public_id)
    if res is None:
        raise not_found(public_id)
    return _details(emu, res, params)


def details_by_asset_id(emu, params, asset_id):
    """GET /resources/<asset_id>."""
    res = emu.store.get_by_asset_id(asset_id)
    if res is None:
        raise not_found(asset_id)
    return _details(emu, res, params)


def _details(emu, res, params) -> dict:
    shape = {**admin_details(res, emu.url, emu.cloud, versions=flag(params.get("versions", ""))),
             **rendering.details_extras(res, params)}
    if flag(params.get("related", "false")):
        items, cursor = relations_api.related_page(emu, res, one(params, "related_next_cursor"))
        shape["related_assets"] = items
        if cursor:
            shape["related_assets_next_cursor"] = cursor
    return shape


def update(emu, params, resource_type, delivery_type, public_id):
    """POST /resources/<rt>/<type>/<public_id>: moderation, tags, context, metadata, names."""
    res = emu.store.get(resource_type, delivery_type, public_id)
    if res is None:
        raise not_found(public_id)
    url = params.get("notification_url")
    status = params.get("moderation_status")
    if status is not None and status not in ("approved", "rejected", "pending"):
        raise bad_request(f"Invalid moderation_status {status}")
    metadata = coerce_metadata(emu.store, parse_pipe_map(params["metadata"])) \
        if "metadata" in params else None
    access_rules = parse_access_control(params.get("access_control"))
    if "tags" in params:
        new_tags = parse_tags(params["tags"])
        mutations.set_tags(emu, [res], lambda _r: new_tags, url=url)
    if "context" in params:
        new_context = parse_pipe_map(params["context"])
        mutations.set_context(emu, [res], lambda _r: new_context, url=url)
    if metadata is not None:
        mutations.merge_metadata(emu, [res], metadata, url=url)
    _rename_fields(emu, res, params)
    _access_fields(emu, res, access_rules)
    _coordinates(emu, res, params)
    if status is not None and status != res.moderation_status:
        mutations.set_moderation(emu, res, status, url=url)
    return admin_details(res, emu.url, emu.cloud)


def _coordinates(emu, res, params) -> None:
    """``custom_coordinates`` (pipe-separated boxes; empty clears them): see rendering.py."""
    if "custom_coordinates" not in params:
        return
    with emu.store.lock:
        rendering.apply_upload_params(emu, res, params)
        res.updated_ts = emu.store.now()
    emu.store.changed()


def _rename_fields(emu, res, params) -> None:
    changed = False
    with emu.store.lock:
        for name in ("display_name", "asset_folder"):
            if name in params and params[name] != getattr(res, name):
                setattr(res, name, str(params[name]))
                changed = True
        if changed:
            res.updated_ts = emu.store.now()
    if changed:
        emu.store.changed()


def _access_fields(emu, res, rules) -> None:
    with emu.store.lock:
        changed = store_access_control(res, rules)
        if changed:
            res.updated_ts = emu.store.now()
    if changed:
        emu.store.changed()


def _delete_answer(emu, params, targets, missing=(), by_asset_id=False) -> dict:
    batch = targets[:DELETE_BATCH]
    mutations.delete(emu, batch, url=params.get("notification_url"))
    name = (lambda res: res.asset_id) if by_asset_id else (lambda res: res.public_id)
    deleted = {name(res): "deleted" for res in batch}
    deleted.update(dict.fromkeys(missing, "not_found"))
    counts = {name(res): {"original": 1, "derived": len(res.derived)} for res in batch}
    answer = {"deleted": deleted, "deleted_counts": counts, "partial": len(targets) > len(batch)}
    if answer["partial"]:
        answer["next_cursor"] = base64.urlsafe_b64encode(batch[-1].asset_id.encode()).decode()
    return answer


def _delete_derived_answer(emu, params, targets, missing=()) -> dict:
    """``keep_original=true`` (``delete_derived_by_transformation``, ``delete_derived_resources``
    by public id): the originals stay; their derived copies matching ``transformations``
    (``t1/fmt|t2``; absent: all of them) are deleted, and with ``invalidate=true`` exactly
    those are purged from the CDN's cache (one invalidation record per derivative)."""
    specs = [s for s in str(params.get("transformations") or "").split("|") if s]
    wanted = [derivatives.split_spec(spec, "") for spec in specs]
    invalidate = flag(params.get("invalidate", False))
    deleted, counts = {}, {}
    for res in targets:
        def matches(transformation, fmt, res=res):
            return not wanted or any(t == transformation and (not f or f == fmt)
                                     for t, f in wanted)
        with emu.store.lock:
            gone = [d for d in res.derived if matches(d.get("transformation"), d.get("format"))]
            res.derived = [d for d in res.derived if d not in gone]
        if invalidate:
            rendering.state(emu.store).purge_derived(
                res, wanted or [(d.get("transformation"), d.get("format")) for d in gone],
                reason="delete_derived")
        deleted[res.public_id] = "deleted"
        counts[res.public_id] = {"original": 0, "derived": len(gone)}
    emu.store.changed()
    deleted.update(dict.fromkeys(missing, "not_found"))
    return {"deleted": deleted, "deleted_counts": counts, "partial": False}


def delete_resources(emu, params, resource_type, delivery_type):
    """DELETE /resources/<rt>/<type> with ``public_ids`` | ``prefix`` | ``all``."""
    if params.get("public_ids"):
        ids = many(params, "public_ids")
        found = [emu.store.get(resource_type, delivery_type, pid) for pid in ids]
        targets = [res for res in found if res is not None]
        missing = [pid for pid, res in zip(ids, found, strict=False) if res is None]
        if flag(params.get("keep_original", False)):
            return _delete_derived_answer(emu, params, targets, missing)
        return _delete_answer(emu, params, targets, missing)
    prefix = params.get("prefix")
    if prefix is None and not flag(params.get("all", False)):
        raise bad_request("Must specify public_ids, prefix or all")
    targets = [res for res in emu.store.find(resource_type, delivery_type)
               if prefix is None or res.public_id.startswith(prefix)]
    return _delete_answer(emu, params, targets)


def delete_by_tag(emu, params, resource_type, tag):
    """DELETE /resources/<rt>/tags/<tag>."""
    return _delete_answer(emu, params, emu.store.find(resource_type, tags=[tag]))


def delete_by_asset_ids(emu, params):
    """DELETE /resources with ``asset_ids``."""
    ids = many(params, "asset_ids")
    found = [emu.store.get_by_asset_id(i) for i in ids]
    missing = [i for i, res in zip(ids, found, strict=False) if res is None]
    return _delete_answer(emu, params, [res for res in found if res], missing, by_asset_id=True)


def list_tags(emu, params, resource_type):
    """GET /tags/<rt>?prefix=&max_results=&next_cursor=."""
    prefix = one(params, "prefix", "")
    limit = _max_results(params)
    tags = [t for t in emu.store.tags(resource_type) if t.startswith(prefix)]
    cursor = one(params, "next_cursor")
    if cursor:
        after = base64.urlsafe_b64decode(cursor.encode()).decode()
        tags = [t for t in tags if t > after]
    answer = {"tags": tags[:limit]}
    if len(tags) > limit:
        answer["next_cursor"] = base64.urlsafe_b64encode(tags[limit - 1].encode()).decode()
    return answer


def usage(emu, params):
    """GET /usage: a small, plausible usage report."""
    resources = emu.store.all()
    storage = sum(res.bytes for res in resources)
    return {
        "plan": "Emulator", "last_updated": iso(emu.store.now())[:10],
        "transformations": {"usage": 0, "credits_usage": 0},
        "objects": {"usage": len(resources)},
        "bandwidth": {"usage": 0, "credits_usage": 0},
        "storage": {"usage": storage, "credits_usage": 0},
        "requests": emu.api_calls.get("total", 0),
        "resources": len(resources),
        "derived_resources": sum(len(res.derived) for res in resources),
        "rate_limit_allowed": emu.rate_limiter.limit or 5000,
        "rate_limit_remaining": max((emu.rate_limiter.limit or 5000) - emu.rate_limiter.used, 0),
        "media_limits": {"image_max_size_bytes": 10485760, "raw_max_size_bytes": 10485760},
    }


def route(method: str, parts: list[str]):
    """``(endpoint_name, handler, path_args)`` for an Admin API path, or None."""
    head, rest = (parts[0], parts[1:]) if parts else ("", [])
    if head == "ping" and method == "GET":
        return "ping", ping, []
    if head == "usage" and method == "GET":
        return "usage", usage, []
    if head == "tags" and len(rest) == 1 and method == "GET":
        return "tags", list_tags, rest
    if head == "transformations":
        return derivatives.route(method, rest)
    if head == "metadata_fields":
        return metadata_api.route(method, rest)
    if head == "folders":
        return route_folders(method, rest)
    if head == "resources":
        return _route_resources(method, rest)
    return None


def _route_resources(method: str, rest: list[str]):
    if not rest:
        if method == "GET":
            return "resource_types", resource_types, []
        return ("resources.delete_by_asset_ids", delete_by_asset_ids, []) \
            if method == "DELETE" else None
    first, tail = rest[0], rest[1:]
    if first == "related_assets":
        return relations_api.route(method, tail)
    if first == "search" and not tail and method in ("GET", "POST"):
        return "search", search_api.search, []
    if first == "by_asset_ids" and method == "GET":
        return "resources.by_asset_ids", list_by_asset_ids, []
    if first == "by_asset_folder" and method == "GET":
        return "resources.by_asset_folder", list_by_asset_folder, []
    if first not in RESOURCE_TYPES:
        if ASSET_ID.match(first) and not tail and method == "GET":
            return "resources.by_asset_id", details_by_asset_id, [first]
        return None
    return _route_typed(method, first, tail)


def _route_typed(method: str, rt: str, tail: list[str]):
    if not tail:
        return ("resources.list", list_resources, [rt]) if method == "GET" else None
    if tail[0] == "tags" and len(tail) >= 2:
        tag = "/".join(tail[1:])
        if method == "GET":
            return "resources.by_tag", list_by_tag, [rt, tag]
        return ("resources.delete_by_tag", delete_by_tag, [rt, tag]) \
            if method == "DELETE" else None
    if tail[0] == "context" and len(tail) == 1 and method == "GET":
        return "resources.by_context", list_by_context, [rt]
    if tail[0] == "moderations" and len(tail) == 3 and method == "GET":
        return "resources.by_moderation", list_by_moderation, [rt, tail[1], tail[2]]
    if len(tail) == 1:
        if method == "GET":
            return "resources.list", list_resources, [rt, tail[0]]
        return ("resources.delete", delete_resources, [rt, tail[0]]) \
            if method == "DELETE" else None
    public_id = "/".join(tail[1:])
    if method == "GET":
        return "resources.details", details, [rt, tail[0], public_id]
    if method == "POST":
        return "resources.update", update, [rt, tail[0], public_id]
    return None


__all__ = ["route", "ApiError"]

"""Related assets (Admin API): add, delete and read two-way relations between assets.

``POST|DELETE /resources/related_assets/<rt>/<type>/<public_id>`` with ``assets_to_relate`` /
``assets_to_unrelate`` (fully qualified ``rt/type/public_id``, up to 10), and
``POST|DELETE /resources/related_assets/<asset_id>`` with asset ids. Relations are kept in
``store.related`` (asset id → set of asset ids), both directions, persisted with the state.
Answers list each asset as a success or a failure, like Cloudinary's
``{"success": [...], "failed": [...]}``.
"""

from __future__ import annotations

import base64

from .errors import bad_request, not_found
from .params import many
from .shapes import delivery_url

MAX_PER_CALL = 10
RELATED_PAGE = 100


def _targets(params, name: str) -> list[str]:
    values = many(params, name)
    if not values:
        raise bad_request(f"Missing required parameter - {name}")
    if len(values) > MAX_PER_CALL:
        raise bad_request(f"{name} may contain at most {MAX_PER_CALL} assets")
    return [str(v) for v in values]


def _by_qualified(emu, qualified: str):
    rt, _, rest = qualified.partition("/")
    dtype, _, public_id = rest.partition("/")
    if not public_id:
        return None
    return emu.store.get(rt, dtype, public_id)


def _change(emu, source, names: list[str], lookup, adding: bool) -> dict:
    success, failed = [], []
    with emu.store.lock:
        mine = emu.store.related.setdefault(source.asset_id, set())
        for name in names:
            other = lookup(name)
            if other is None:
                failed.append({"message": "asset does not exist", "code": "invalid_ids",
                               "asset": name, "status": 404})
            elif other.asset_id == source.asset_id:
                failed.append({"message": "asset cannot be related to itself",
                               "code": "invalid_ids", "asset": name, "status": 400})
            elif adding and other.asset_id in mine:
                failed.append({"message": "assets are already related",
                               "code": "already_exists", "asset": name, "status": 409})
            elif not adding and other.asset_id not in mine:
                failed.append({"message": "assets are not related", "code": "not_found",
                               "asset": name, "status": 404})
            else:
                theirs = emu.store.related.setdefault(other.asset_id, set())
                if adding:
                    mine.add(other.asset_id)
                    theirs.add(source.asset_id)
                else:
                    mine.discard(other.asset_id)
                    theirs.discard(source.asset_id)
                success.append({"message": "success", "code": "success_ids", "asset": name,
                                "status": 200})
        if success:
            source.updated_ts = emu.store.now()
    if success:
        emu.store.changed()
    return {"success": success, "failed": failed}


def relate(emu, params, resource_type, delivery_type, public_id):
    """POST /resources/related_assets/<rt>/<type>/<public_id>."""
    source = _source(emu, resource_type, delivery_type, public_id)
    names = _targets(params, "assets_to_relate")
    return _change(emu, source, names, lambda n: _by_qualified(emu, n), adding=True)


def unrelate(emu, params, resource_type, delivery_type, public_id):
    """DELETE /resources/related_assets/<rt>/<type>/<public_id>."""
    source = _source(emu, resource_type, delivery_type, public_id)
    names = _targets(params, "assets_to_unrelate")
    return _change(emu, source, names, lambda n: _by_qualified(emu, n), adding=False)


def relate_by_asset_id(emu, params, asset_id):
    """POST /resources/related_assets/<asset_id>."""
    source = _source_by_id(emu, asset_id)
    names = _targets(params, "assets_to_relate")
    return _change(emu, source, names, emu.store.get_by_asset_id, adding=True)


def unrelate_by_asset_id(emu, params, asset_id):
    """DELETE /resources/related_assets/<asset_id>."""
    source = _source_by_id(emu, asset_id)
    names = _targets(params, "assets_to_unrelate")
    return _change(emu, source, names, emu.store.get_by_asset_id, adding=False)


def _source(emu, rt, dtype, public_id):
    res = emu.store.get(rt, dtype, public_id)
    if res is None:
        raise not_found(public_id)
    return res


def _source_by_id(emu, asset_id):
    res = emu.store.get_by_asset_id(asset_id)
    if res is None:
        raise not_found(asset_id)
    return res


def related_page(emu, res, cursor: str | None) -> tuple[list[dict], str | None]:
    """One page of ``res``'s related assets for ``resource(..., related=True)``."""
    with emu.store.lock:
        ids = sorted(emu.store.related.get(res.asset_id, ()))
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor.encode()).decode()
        except ValueError:
            raise bad_request(f"Invalid related_next_cursor {cursor}") from None
        ids = [i for i in ids if i > after]
    found = [r for r in (emu.store.get_by_asset_id(i) for i in ids) if r is not None]
    page = found[:RELATED_PAGE]
    items = [{"asset_id": r.asset_id, "public_id": r.public_id,
              "resource_type": r.resource_type, "type": r.type, "format": r.format,
              "bytes": r.bytes, "width": r.width, "height": r.height,
              "created_at": r.created_at,
              "url": delivery_url(emu.url, emu.cloud, r),
              "secure_url": delivery_url(emu.url, emu.cloud, r)} for r in page]
    more = len(found) > RELATED_PAGE
    next_cursor = base64.urlsafe_b64encode(page[-1].asset_id.encode()).decode() if more else None
    return items, next_cursor


def forget(store, asset_id: str) -> None:
    """Drop every relation of a deleted asset (called with the store lock held or not)."""
    with store.lock:
        for other in store.related.pop(asset_id, set()):
            store.related.get(other, set()).discard(asset_id)


def route(method: str, tail: list[str]):
    """Routes under ``/resources/related_assets/``."""
    if len(tail) == 1:
        handler = {"POST": relate_by_asset_id, "DELETE": unrelate_by_asset_id}.get(method)
        return ("related_assets.by_asset_id", handler, tail) if handler else None
    if len(tail) >= 3:
        handler = {"POST": relate, "DELETE": unrelate}.get(method)
        args = [tail[0], tail[1], "/".join(tail[2:])]
        return ("related_assets", handler, args) if handler else None
    return None

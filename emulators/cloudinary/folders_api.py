"""Folders API (Admin API ``/folders``): list root folders and subfolders, create, rename, delete.

A folder exists when it was created with ``create_folder`` or when an asset's ``asset_folder``
lies in it (every ancestor of that path is a folder too). What Cloudinary documents, and the
emulator does:

* ``GET /folders`` and ``GET /folders/<path>`` answer ``{folders: [{name, path, external_id}],
  next_cursor, total_count}`` sorted by name; ``max_results`` (1-2000, default all: the
  documented limit) and ``next_cursor`` page them; ``next_cursor`` is null on the last page.
  An unknown parent folder is 404.
* ``POST /folders/<path>`` creates the folder and its missing ancestors →
  ``{success: true, path, name, external_id}``; an existing folder is 409 (the official
  OpenAPI schema's "Folder already exists").
* ``PUT /folders/<path>`` ``{to_folder}`` moves the folder, its subfolders and every asset in
  them → ``{from: {name, path}, to: {name, path}}``; 404 for an unknown folder, 409 when the
  target exists.
* ``DELETE /folders/<path>`` removes an *empty* folder and its empty subfolders (the SDK's and
  the documentation's rule) → ``{deleted: [paths]}``; 400 when an asset is still in it.

Simplified: a folder that only existed because of its assets disappears when the last of them
leaves; no notifications are sent for folder operations.
"""

from __future__ import annotations

import base64
import binascii

from .errors import ApiError, bad_request
from .params import one
from .store import new_asset_id

MAX_FOLDERS = 2000


def _explicit(emu) -> set[str]:
    return emu.store.folders


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def all_folders(emu) -> set[str]:
    """Every folder path: created ones and those holding assets, with their ancestors."""
    found: set[str] = set()
    for path in set(_explicit(emu)) | {res.asset_folder for res in emu.store.all()}:
        if path:
            found.update(_ancestors(path))
    return found


def _clean(path: str) -> str:
    cleaned = "/".join(part for part in (path or "").split("/") if part)
    if not cleaned:
        raise bad_request("Invalid folder path")
    return cleaned


def _shape(path: str) -> dict:
    return {"name": path.rsplit("/", 1)[-1], "path": path,
            "external_id": new_asset_id(f"folder:{path}")}


def _max_results(params) -> int:
    raw = one(params, "max_results", MAX_FOLDERS)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid max_results value {raw}") from None
    if not 1 <= value <= MAX_FOLDERS:
        raise bad_request(f"max_results should be between 1 and {MAX_FOLDERS}")
    return value


def _after(params) -> str | None:
    cursor = one(params, "next_cursor")
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request(f"Invalid next_cursor {cursor}") from None


def _page(params, paths: list[str]) -> dict:
    limit, after = _max_results(params), _after(params)
    remaining = [p for p in paths if after is None or p > after]
    page = remaining[:limit]
    cursor = None
    if len(remaining) > limit:
        cursor = base64.urlsafe_b64encode(page[-1].encode("utf-8")).decode()
    return {"folders": [_shape(p) for p in page], "next_cursor": cursor,
            "total_count": len(paths)}


def _children(emu, parent: str | None) -> list[str]:
    depth = 0 if parent is None else parent.count("/") + 1
    return sorted(p for p in all_folders(emu) if p.count("/") == depth
                  and (parent is None or p.startswith(parent + "/")))


def root_folders(emu, params):
    """GET /folders."""
    return _page(params, _children(emu, None))


def subfolders(emu, params, path):
    """GET /folders/<path>."""
    path = _clean(path)
    if path not in all_folders(emu):
        raise not_found_folder(path)
    return _page(params, _children(emu, path))


def not_found_folder(path: str) -> ApiError:
    return ApiError(404, f"Can't find folder with path {path}")


def create_folder(emu, params, path):
    """POST /folders/<path>."""
    path = _clean(path)
    with emu.store.lock:
        if path in all_folders(emu):
            raise ApiError(409, f"Folder {path} already exists")
        _explicit(emu).update(_ancestors(path))
    emu.store.changed()
    return {"success": True, **_shape(path)}


def _inside(candidate: str, folder: str) -> bool:
    return candidate == folder or candidate.startswith(folder + "/")


def rename_folder(emu, params, path):
    """PUT /folders/<path> with ``to_folder``."""
    source = _clean(path)
    target = _clean(params.get("to_folder") or "")
    with emu.store.lock:
        folders = all_folders(emu)
        if source not in folders:
            raise not_found_folder(source)
        if target in folders or _inside(target, source):
            raise ApiError(409, f"Folder {target} already exists")
        explicit = _explicit(emu)
        moved = {p for p in explicit if _inside(p, source)}
        explicit.difference_update(moved)
        explicit.update(target + p[len(source):] for p in moved | {source})
        explicit.update(_ancestors(target))
        now = emu.store.now()
        for res in emu.store.all():
            if res.asset_folder and _inside(res.asset_folder, source):
                res.asset_folder = target + res.asset_folder[len(source):]
                res.updated_ts = now
    emu.store.changed()
    return {"from": {"name": source.rsplit("/", 1)[-1], "path": source},
            "to": {"name": target.rsplit("/", 1)[-1], "path": target}}


def delete_folder(emu, params, path):
    """DELETE /folders/<path>: only an empty folder (empty subfolders go with it)."""
    path = _clean(path)
    with emu.store.lock:
        folders = all_folders(emu)
        if path not in folders:
            raise not_found_folder(path)
        if any(res.asset_folder and _inside(res.asset_folder, path) for res in emu.store.all()):
            raise bad_request("Folder is not empty")
        deleted = sorted((p for p in folders if _inside(p, path)), reverse=True)
        _explicit(emu).difference_update(deleted)
    emu.store.changed()
    return {"deleted": deleted}


def route(method: str, rest: list[str]):
    """``(endpoint_name, handler, path_args)`` below ``/folders``."""
    if not rest:
        return ("folders.root", root_folders, []) if method == "GET" else None
    path = "/".join(rest)
    handler = {"GET": ("folders.subfolders", subfolders), "POST": ("folders.create", create_folder),
               "PUT": ("folders.rename", rename_folder),
               "DELETE": ("folders.delete", delete_folder)}.get(method)
    return (handler[0], handler[1], [path]) if handler else None


__all__ = ["route", "all_folders"]

"""JSON shapes of a resource as the Admin, Search and Upload APIs return it.

Differences that matter (and that the real service has): the Admin API nests context as
``{"custom": {...}}``, the Search API returns it flat; ``tags``/``context``/``metadata`` are
absent when empty in Admin answers; upload answers always carry ``tags`` (maybe empty).
"""

from __future__ import annotations

from .store import Resource
from .timefmt import iso

IDENTITY_KEYS = ("asset_id", "public_id", "asset_folder", "created_at", "display_name")


def delivery_url(base_url: str, cloud: str, res: Resource) -> str:
    """``<base>/<cloud>/<rt>/<type>/v<version>/<public_id>.<format>`` (no TLS locally)."""
    suffix = f".{res.format}" if res.format and res.resource_type != "raw" else ""
    return f"{base_url}/{cloud}/{res.resource_type}/{res.type}/v{res.version}/" \
           f"{res.public_id}{suffix}"


def _core(res: Resource, base_url: str, cloud: str) -> dict:
    url = delivery_url(base_url, cloud, res)
    shape = {
        "asset_id": res.asset_id,
        "public_id": res.public_id,
        "format": res.format,
        "version": res.version,
        "resource_type": res.resource_type,
        "type": res.type,
        "created_at": res.created_at,
        "bytes": res.bytes,
        "width": res.width,
        "height": res.height,
        "asset_folder": res.asset_folder,
        "display_name": res.display_name,
        "url": url,
        "secure_url": url,
    }
    if res.resource_type == "raw":
        shape.pop("format")
        shape.pop("width")
        shape.pop("height")
    if res.duration is not None:
        shape["duration"] = res.duration
    return shape


def _access_control(res: Resource) -> list[dict] | None:
    return [dict(rule) for rule in res.access_control] if res.access_control else None


def _access_keys(shape: dict, res: Resource) -> None:
    """``access_mode`` always; ``access_control`` only when the asset has rules."""
    shape["access_mode"] = res.access_mode
    if res.access_control:
        shape["access_control"] = _access_control(res)


def moderation_list(res: Resource) -> list[dict]:
    """The ``moderation`` array (one manual entry when the asset is moderated)."""
    if not res.moderation_kind:
        return []
    return [{"kind": res.moderation_kind, "status": res.moderation_status,
             "updated_at": iso(res.moderation_ts)}]


def last_updated(res: Resource) -> dict:
    """The ``last_updated`` object, listing only the kinds that ever changed."""
    shape = {}
    for key, attr in (("context_updated_at", "context_ts"), ("metadata_updated_at", "metadata_ts"),
                      ("public_id_updated_at", "public_id_ts"), ("tags_updated_at", "tags_ts")):
        value = getattr(res, attr)
        if value is not None:
            shape[key] = iso(value)
    shape["updated_at"] = res.updated_at
    return shape


def admin_item(res: Resource, base_url: str, cloud: str, flags: set[str]) -> dict:
    """One entry of an Admin API listing; ``flags`` ⊂ {tags, context, metadata, moderations}."""
    shape = _core(res, base_url, cloud)
    _access_keys(shape, res)
    if "tags" in flags and res.tags:
        shape["tags"] = list(res.tags)
    if "context" in flags and res.context:
        shape["context"] = {"custom": dict(res.context)}
    if "metadata" in flags and res.metadata:
        shape["metadata"] = dict(res.metadata)
    if ("moderations" in flags or "moderation" in flags) and res.moderation_kind:
        shape["moderation_kind"] = res.moderation_kind
        shape["moderation_status"] = res.moderation_status
        shape["moderation"] = moderation_list(res)
    return shape


def admin_details(res: Resource, base_url: str, cloud: str, versions: bool = False) -> dict:
    """The full details answer (GET one resource, update)."""
    shape = admin_item(res, base_url, cloud, {"tags", "context", "metadata", "moderations"})
    if res.pages:
        shape["pages"] = res.pages
    shape["etag"] = res.etag
    shape["placeholder"] = False
    shape["uploaded_at"] = res.uploaded_at
    shape["last_updated"] = last_updated(res)
    shape["derived"] = [dict(d) for d in res.derived]
    if versions:
        shape["versions"] = [dict(v) for v in res.versions]
    return shape


def search_item(res: Resource, base_url: str, cloud: str, with_fields: set[str],
                fields: list[str] | None) -> dict:
    """One Search API hit: flat context; ``fields`` restricts keys (identity keys stay)."""
    shape = _core(res, base_url, cloud)
    shape.update({
        "filename": res.filename,
        "uploaded_at": res.uploaded_at,
        "pixels": res.width * res.height,
        "aspect_ratio": round(res.width / res.height, 5) if res.height else None,
        "pages": res.pages,
        "status": "active",
        "access_mode": res.access_mode,
        "access_control": _access_control(res),
        "etag": res.etag,
        "created_by": None,
        "uploaded_by": None,
        "last_updated": last_updated(res),
    })
    if res.resource_type == "raw":
        shape.pop("pixels")
        shape.pop("aspect_ratio")
    if res.moderation_kind:
        shape["moderation_kind"] = res.moderation_kind
        shape["moderation_status"] = res.moderation_status
    if "tags" in with_fields:
        shape["tags"] = list(res.tags)
    if "context" in with_fields and res.context:
        shape["context"] = dict(res.context)
    if "metadata" in with_fields and res.metadata:
        shape["metadata"] = dict(res.metadata)
    if "image_metadata" in with_fields:
        shape["image_metadata"] = {}
    if fields:
        wanted = set(fields) | set(IDENTITY_KEYS)
        shape = {k: v for k, v in shape.items() if k in wanted}
        for name in ("tags", "context", "metadata"):
            if name in fields and name not in shape:
                extra = search_item(res, base_url, cloud, {name}, None).get(name)
                if extra is not None:
                    shape[name] = extra
    return shape


def upload_answer(res: Resource, base_url: str, cloud: str, api_key: str) -> dict:
    """The Upload API answer for ``upload`` / ``explicit`` (``upload_api.handle`` adds the
    ``signature``; notifications carry none)."""
    shape = _core(res, base_url, cloud)
    shape.update({
        "version_id": res.version_id,
        "tags": list(res.tags),
        "etag": res.etag,
        "placeholder": False,
        "original_filename": res.original_filename,
        "api_key": api_key,
    })
    _access_keys(shape, res)
    if res.pages:
        shape["pages"] = res.pages
    if res.context:
        shape["context"] = {"custom": dict(res.context)}
    if res.metadata:
        shape["metadata"] = dict(res.metadata)
    if res.moderation_kind:
        shape["moderation"] = [{"kind": res.moderation_kind, "status": res.moderation_status}]
    return shape

"""State changes shared by the Admin and Upload APIs; each one advances ``updated_at`` and
queues the notification the real service sends for it.

``emu`` is the running :class:`~emulators.cloudinary.emulator.CloudinaryEmulator` (its
``store``, ``notifier``, ``url`` and ``cloud`` are used).
"""

from __future__ import annotations

from .shapes import delivery_url
from .store import Resource
from .timefmt import iso


def _ident(res: Resource) -> dict:
    return {"asset_id": res.asset_id, "public_id": res.public_id,
            "resource_type": res.resource_type, "type": res.type}


def set_tags(emu, resources: list[Resource], new_tags_for, url=None, request_id=None) -> None:
    """Give each resource ``new_tags_for(res)``; notify ``resource_tags_changed`` on change."""
    changes = []
    with emu.store.lock:
        now = emu.store.now()
        for res in resources:
            new = sorted(set(new_tags_for(res)))
            added = sorted(set(new) - set(res.tags))
            removed = sorted(set(res.tags) - set(new))
            if not added and not removed:
                continue
            res.tags = new
            res.tags_ts = res.updated_ts = now
            changes.append({**_ident(res), "added": added, "removed": removed, "updated": []})
    if changes:
        emu.store.changed()
        emu.notifier.emit("resource_tags_changed", {"source": "api", "resources": changes},
                          url=url, request_id=request_id)


def set_context(emu, resources: list[Resource], new_context_for, url=None,
                request_id=None) -> None:
    """Give each resource ``new_context_for(res)``; notify ``resource_context_changed``."""
    changes = {}
    with emu.store.lock:
        now = emu.store.now()
        for res in resources:
            new = dict(new_context_for(res))
            if new == res.context:
                continue
            old = res.context
            changes[res.public_id] = {**_ident(res), **_diff(old, new, "name")}
            res.context = new
            res.context_ts = res.updated_ts = now
    if changes:
        emu.store.changed()
        emu.notifier.emit("resource_context_changed", {"source": "api", "resources": changes},
                          url=url, request_id=request_id)


def _diff(old: dict, new: dict, key: str) -> dict:
    """The added / removed / updated entries of a change notification, keyed by ``key``."""
    return {
        "added": [{key: k, "value": v} for k, v in new.items() if k not in old],
        "removed": [{key: k, "value": v} for k, v in old.items() if k not in new],
        "updated": [{key: k, "value": v} for k, v in new.items() if k in old and old[k] != v],
    }


def merge_metadata(emu, resources: list[Resource], updates: dict, url=None,
                   request_id=None) -> None:
    """Apply validated metadata ``updates`` (None clears); notify ``resource_metadata_changed``."""
    changes = {}
    with emu.store.lock:
        now = emu.store.now()
        for res in resources:
            new = dict(res.metadata)
            for field_id, value in updates.items():
                if value is None:
                    new.pop(field_id, None)
                else:
                    new[field_id] = value
            if new == res.metadata:
                continue
            old = res.metadata
            changes[res.public_id] = {**_ident(res), **_diff(old, new, "external_id")}
            res.metadata = new
            res.metadata_ts = res.updated_ts = now
    if changes:
        emu.store.changed()
        emu.notifier.emit("resource_metadata_changed", {"source": "api", "resources": changes},
                          url=url, request_id=request_id)


def set_moderation(emu, res: Resource, status: str, kind: str = "manual", url=None,
                   request_id=None, source: str = "api") -> None:
    """Record a moderation decision and notify ``moderation``."""
    with emu.store.lock:
        res.moderation_kind = res.moderation_kind or kind
        res.moderation_status = status
        res.moderation_ts = res.updated_ts = emu.store.now()
    emu.store.changed()
    link = delivery_url(emu.url, emu.cloud, res)
    emu.notifier.emit("moderation", {
        "moderation_response": None,
        "moderation_status": status,
        "moderation_kind": res.moderation_kind,
        "moderation_updated_at": iso(res.moderation_ts),
        **_ident(res),
        "version": res.version,
        "uploaded_at": res.uploaded_at,
        "url": link,
        "secure_url": link,
        "etag": res.etag,
    }, url=url, request_id=request_id, source=source)


def delete(emu, resources: list[Resource], url=None, request_id=None) -> None:
    """Remove resources and notify ``delete`` once for the batch."""
    if not resources:
        return
    with emu.store.lock:
        for res in resources:
            emu.store.remove(res, notify=False)
    emu.store.changed()
    emu.notifier.emit("delete", {"resources": [{
        **_ident(res), "version": res.version, "asset_folder": res.asset_folder,
        "display_name": res.display_name} for res in resources]},
        url=url, request_id=request_id)


def rename(emu, res: Resource, to_public_id: str, to_type: str | None = None, url=None,
           request_id=None) -> None:
    """Move a resource to a new public id (keeps asset_id) and notify ``rename``."""
    from_public_id = res.public_id
    emu.store.move(res, to_public_id, to_type)
    emu.notifier.emit("rename", {
        "asset_id": res.asset_id, "resource_type": res.resource_type, "type": res.type,
        "from_public_id": from_public_id, "to_public_id": to_public_id,
        "asset_folder": res.asset_folder, "display_name": res.display_name,
    }, url=url, request_id=request_id)

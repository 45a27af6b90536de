"""Apply stored Cloudinary notifications to the catalog, safely twice and out of order.

- `upload` carries the whole resource: applied unless we already hold that version or a
  newer one (versions only grow; a stale upload never undoes a later delete or overwrite).
- `moderation` is honoured when the decision is newer than the portal's own.
- `delete` retires the asset with that asset_id (a re-upload gets a new asset_id, so a late
  delete never retires its successor).
- `rename` and tags/context/metadata changes carry deltas that depend on order, so we
  re-read the asset's current state from Cloudinary instead and mirror that.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assets import releases, services
from assets.cloudinary import client
from assets.models import Asset, CloudinaryNotification
from assets.sync import relations
from assets.sync.mirror import ACTOR, upsert_resources

REFRESHED = {"rename", "resource_tags_changed", "resource_context_changed",
             "resource_metadata_changed"}
DONE = (CloudinaryNotification.State.APPLIED, CloudinaryNotification.State.IGNORED)


def notification_apply(*, notification_id: int) -> str:
    """Apply one stored notification (idempotent); returns what it did."""
    notification = CloudinaryNotification.objects.filter(pk=notification_id).first()
    if notification is None or notification.state in DONE:
        return "nothing to do"
    if notification.notification_type != "eager" and only_portal_copies(
            notification.notification_type, notification.payload):
        notification.state = CloudinaryNotification.State.IGNORED
        notification.outcome = "about the portal's own delivery copies"
        notification.applied_at = timezone.now()
        notification.save(update_fields=["state", "outcome", "applied_at"])
        return notification.outcome
    fetched = _fetch_current(notification)  # network calls stay outside the transaction
    with transaction.atomic():
        notification = CloudinaryNotification.objects.select_for_update().get(
            pk=notification_id)
        if notification.state in DONE:
            return "nothing to do"
        applied, outcome = _apply(notification.notification_type, notification.payload, fetched)
        notification.state = (CloudinaryNotification.State.APPLIED if applied
                               else CloudinaryNotification.State.IGNORED)
        notification.outcome = outcome[:2000]
        notification.applied_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["state", "outcome", "applied_at", "attempts"])
    _refresh_relations(notification.notification_type, notification.payload)
    return outcome


def _refresh_relations(kind: str, payload: dict) -> None:
    """Cloudinary sends nothing when relations change: re-read them whenever an asset's
    notification arrives (after the transaction; one Admin call per localized asset)."""
    if kind == "upload":
        ids = [payload["asset_id"]] if payload.get("asset_id") else []
    elif kind in REFRESHED:
        ids = changed_asset_ids(kind, payload)
    else:
        return
    relations.refresh_relations(ids)


def notification_failed(*, notification_id: int, error: str) -> None:
    """Record that applying gave up (the delta sync will still catch the change)."""
    CloudinaryNotification.objects.filter(pk=notification_id).exclude(state__in=DONE).update(
        state=CloudinaryNotification.State.FAILED, outcome=error[:2000])


def only_portal_copies(kind: str, payload: dict) -> bool:
    """Whether a notification names only the portal's own delivery copies (uploads, renames
    and access changes the portal made itself): nothing to mirror, no API call to spend."""
    ids = [payload.get(key) for key in ("public_id", "from_public_id", "to_public_id")
           if payload.get(key)]
    resources = payload.get("resources") or []
    if isinstance(resources, dict):
        resources = list(resources.values())
    ids += [r.get("public_id") for r in resources if isinstance(r, dict)]
    return bool(ids) and all(releases.is_portal_copy(i) for i in ids)


def changed_asset_ids(kind: str, payload: dict) -> list[str]:
    """The asset ids a rename or a tags/context/metadata notification concerns."""
    if kind == "rename":
        return [payload["asset_id"]] if payload.get("asset_id") else []
    resources = payload.get("resources") or []
    if isinstance(resources, dict):
        resources = list(resources.values())
    return [str(r["asset_id"]) for r in resources if isinstance(r, dict) and r.get("asset_id")]


def _fetch_current(notification) -> dict[str, dict | None]:
    kind, payload = notification.notification_type, notification.payload
    if kind in REFRESHED:
        ids = changed_asset_ids(kind, payload)
    elif kind == "moderation" and payload.get("asset_id") and not Asset.objects.filter(
            asset_id=payload["asset_id"]).exists():
        ids = [payload["asset_id"]]  # a decision on an asset we never saw: mirror it whole
    else:
        return {}
    return {asset_id: client.resource_by_asset_id(asset_id) for asset_id in ids}


def _apply(kind: str, payload: dict, fetched: dict) -> tuple[bool, str]:
    if kind == "upload":
        return _apply_upload(payload)
    if kind == "delete":
        return _apply_delete(payload)
    if kind == "moderation":
        return _apply_moderation(payload, fetched)
    if kind in REFRESHED:
        return _apply_refreshed(fetched)
    if kind == "eager":
        from assets.presets import derivatives_recorded

        return derivatives_recorded(payload=payload)
    return False, f"notification type {kind!r} is not used by the catalog"


def _apply_upload(payload: dict) -> tuple[bool, str]:
    asset_id, version = payload.get("asset_id"), payload.get("version")
    if not asset_id or not payload.get("public_id"):
        return False, "upload without asset_id or public_id"
    held = Asset.objects.filter(asset_id=asset_id).values("version", "retired").first()
    try:
        version = int(version or 0)
    except (TypeError, ValueError):
        return False, f"upload with a bad version {version!r}"
    if held and version <= held["version"]:
        return False, f"stale: we hold version {held['version']}, this is {version}"
    counts = upsert_resources([payload])
    return True, f"created {counts.created}, updated {counts.updated}"


def _apply_delete(payload: dict) -> tuple[bool, str]:
    retired = []
    for item in payload.get("resources") or []:
        if not isinstance(item, dict):
            continue
        assets = Asset.objects.live()
        if item.get("asset_id"):
            assets = assets.filter(asset_id=item["asset_id"])
        else:
            assets = assets.filter(public_id=item.get("public_id"),
                                   resource_type=item.get("resource_type") or "image",
                                   delivery_type=item.get("type") or "upload",
                                   version__lte=int(item.get("version") or 0))
        for asset in assets.select_for_update():
            services.asset_retire(asset=asset, actor=ACTOR, reason="deleted in Cloudinary")
            retired.append(asset.asset_id)
    return bool(retired), f"retired {len(retired)}"


def _apply_moderation(payload: dict, fetched: dict) -> tuple[bool, str]:
    status = payload.get("moderation_status")
    asset = Asset.objects.select_for_update().filter(asset_id=payload.get("asset_id")).first()
    if asset is None:
        resources = [r for r in fetched.values() if r]
        counts = upsert_resources(resources)
        return bool(resources), f"mirrored an unseen asset ({counts.created} created)"
    decided_at = client.parse_time(payload.get("moderation_updated_at")) or \
        client.parse_time(payload.get("timestamp"))
    try:
        version = int(payload.get("version") or 0) or None
    except (TypeError, ValueError):
        version = None
    changed = services.asset_record_cloudinary_decision(asset=asset, state=status,
                                                        decided_at=decided_at, version=version)
    return changed, f"moderation {status}: {'applied' if changed else 'already so or older'}"


def _apply_refreshed(fetched: dict) -> tuple[bool, str]:
    present = [resource for resource in fetched.values() if resource]
    counts = upsert_resources(present)
    gone = 0
    for asset_id, resource in fetched.items():
        if resource is None:
            for asset in Asset.objects.live().select_for_update().filter(asset_id=asset_id):
                services.asset_retire(asset=asset, actor=ACTOR, reason="deleted in Cloudinary")
                gone += 1
    return True, f"refreshed: updated {counts.updated}, unchanged {counts.unchanged}, " \
                 f"created {counts.created}, retired {gone}"

"""Protected delivery: the copies partners are served, their revocation, and the masters.

Cloudinary delivers whatever a public id holds *now*: a `v<N>` in a URL only busts caches,
it does not bring an overwritten version back. So the portal never hands out the brand's
master. When a version is approved, Cloudinary copies the master's bytes (fetched from a
signed, expiring download link, so nothing passes through the portal) into an
`authenticated` resource of the portal's own, `<CLOUDINARY_RELEASE_FOLDER>/<asset_id>/
<number>-<random>/<name>`, and every partner URL names that copy at its version. `<name>` is
the asset's file name (assets.filenames): Cloudinary names originals and ZIP entries after
the last part of the public id, so partners get `ridge-runner-box.jpg`, not `2-9f3a….jpg`.

Revoking the links of a copy (rejection, retirement, unpublication) renames it to a new
random id with `invalidate`: every link handed out before is then a 404 at the CDN, while
the bytes stay for the partners who may still see the asset. The next id is written to the
version row first (`revoke_to`), so the push is idempotent and retried until Cloudinary
confirms it.

`deliver_asset` does all outstanding work for one asset and is safe to run any number of
times; services set `Asset.delivery_pending` and queue it after their transaction commits,
and `sweep_delivery` (every minute) picks up whatever a crash or an outage left behind.
Network calls happen outside transactions; each write that follows is its own transaction.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.cloudinary import client
from assets.cloudinary.delivery import master_original_url
from assets.filenames import asset_stem, download_filename
from assets.models import Asset, AssetVersion, ReviewState
from assets.signals import send_version_delivered, send_version_released
from assets.zip_copies import delete_zip_copies
from audit import record

log = logging.getLogger(__name__)
ACTOR = "portal-delivery"
SWEEP_BATCH = 200


def is_portal_copy(public_id) -> bool:
    """Whether a public id is one of the portal's own delivery copies (never mirrored)."""
    folder = settings.CLOUDINARY_RELEASE_FOLDER.strip("/") + "/"
    return str(public_id or "").startswith(folder)


def new_delivery_id(asset: Asset, version: AssetVersion) -> str:
    """An unguessable public id for a version's copy (a new one on every revocation)."""
    folder = settings.CLOUDINARY_RELEASE_FOLDER.strip("/")
    # raw files are delivered as stored: their extension is part of the public id
    name = download_filename(asset) if asset.resource_type == "raw" else asset_stem(asset)
    return f"{folder}/{asset.asset_id}/{version.number}-{secrets.token_hex(8)}/{name}"


def mark_pending(asset_pks) -> None:
    """Flag assets for `deliver_asset` and queue it once the transaction commits."""
    pks = sorted(set(asset_pks))
    if not pks:
        return
    Asset.objects.filter(pk__in=pks).update(delivery_pending=True)
    transaction.on_commit(lambda: _queue(pks))


def queue_pending(asset_pks) -> None:
    """Queue `deliver_asset` for assets written with `delivery_pending` already set (the
    sync's new rows carry the flag in their INSERT), once the transaction commits."""
    pks = sorted(set(asset_pks))
    if pks:
        transaction.on_commit(lambda: _queue(pks))


# Assets per `deliver_assets` task: a full sync of a new cloud flags thousands, and one
# message per asset cost a broker round trip each (~40 % of the sync on PostgreSQL).
DELIVERY_BATCH = 50


def _queue(pks: list[int]) -> None:
    from assets.tasks import deliver_asset, deliver_assets

    if len(pks) == 1:
        deliver_asset.delay(pks[0])
        return
    for start in range(0, len(pks), DELIVERY_BATCH):
        deliver_assets.delay(pks[start:start + DELIVERY_BATCH])


def schedule_revocation(versions) -> list[int]:
    """Give each released version a new id to move to (inside the caller's transaction)."""
    asset_pks = []
    for version in versions:
        if version.delivery_public_id and not version.revoke_to:
            version.revoke_to = new_delivery_id(version.asset, version)
            version.save(update_fields=["revoke_to"])
            asset_pks.append(version.asset_id)
    mark_pending(asset_pks)
    return asset_pks


def revoke_asset_links(asset_pks, *, reason: str) -> int:
    """Cut off every link handed out for these assets' copies (renamed at the CDN)."""
    versions = list(AssetVersion.objects.filter(asset_id__in=list(asset_pks))
                    .exclude(delivery_public_id="").filter(revoke_to="")
                    .select_related("asset").order_by("pk"))
    schedule_revocation(versions)
    if versions:
        log.info("revoking %d delivery copies: %s", len(versions), reason)
    return len(versions)


def deliver_asset(asset_pk: int) -> str:
    """Do the outstanding delivery work of one asset; raises CloudinaryError to be retried."""
    asset = Asset.objects.filter(pk=asset_pk).select_related("approved_version").first()
    if asset is None:
        return "gone"
    done = []
    done += _push_revocations(asset)
    done += _release_newest_approved(asset)
    done += _restrict_master(asset)
    Asset.objects.filter(pk=asset.pk).update(delivery_pending=False)
    return ", ".join(done) or "nothing to do"


def _push_revocations(asset: Asset) -> list[str]:
    done = []
    for version in AssetVersion.objects.filter(asset=asset).exclude(revoke_to=""):
        try:
            client.rename_delivery(from_public_id=version.delivery_public_id,
                                   to_public_id=version.revoke_to,
                                   resource_type=asset.resource_type)
        except client.CloudinaryNotFound:
            # Retried after Cloudinary renamed it but before we saved: the new id exists.
            if not client.delivery_exists(public_id=version.revoke_to,
                                          resource_type=asset.resource_type):
                raise
        delete_zip_copies(version)  # a ZIP link handed out before must stop working too
        with transaction.atomic():
            AssetVersion.objects.filter(pk=version.pk, revoke_to=version.revoke_to).update(
                delivery_public_id=version.revoke_to, revoke_to="")
            Asset.objects.filter(pk=asset.pk, approved_version=version).update(
                release_public_id=version.revoke_to)
        done.append(f"revoked v{version.number}")
    return done


def newest_approved(asset: Asset) -> AssetVersion | None:
    return (AssetVersion.objects.filter(asset=asset, review_state=ReviewState.APPROVED)
            .order_by("-version").first())


def _release_newest_approved(asset: Asset) -> list[str]:
    target = newest_approved(asset)
    if asset.retired or target is None:
        if asset.approved_version_id and not asset.retired:
            _switch(asset, None)
            return ["partners get no version"]
        return []
    if not target.delivery_public_id:
        if target.version != asset.version:
            _release_failed(target, "Cloudinary's master no longer holds this version; "
                                    "review the newer one.")
            return []
        focus = _focal_point_to_keep(asset, target)
        answer = client.copy_to_delivery(source_url=master_original_url(asset),
                                         public_id=new_delivery_id(asset, target),
                                         resource_type=asset.resource_type,
                                         custom_coordinates=focus)
        if target.etag and answer.get("etag") and answer["etag"] != target.etag:
            # The master was overwritten between the approval and the copy.
            _release_failed(target, "The master changed in Cloudinary before it could be "
                                    "released; review the newer version.")
            return []
        AssetVersion.objects.filter(pk=target.pk).update(
            delivery_public_id=answer["public_id"], delivery_version=int(answer["version"]),
            released_at=timezone.now(), release_error="", revoke_to="")
        target.refresh_from_db()
    if asset.approved_version_id == target.pk and asset.release_public_id == \
            target.delivery_public_id:
        return []
    _switch(asset, target)
    return [f"released v{target.number}"]


def _focal_point_to_keep(asset: Asset, target: AssetVersion) -> list[int] | None:
    """The focal point the new copy must carry (an image's custom coordinates, `g_custom` /
    `g_auto`): the one partners' current copy has (a fix made from a case, #15), else the
    master's; dropped when it no longer lies inside the new version's pixels."""
    if asset.resource_type != "image":
        return None
    if asset.release_public_id:
        box = client.focal_point(public_id=asset.release_public_id,
                                 delivery_type="authenticated")
    else:
        box = client.focal_point(public_id=asset.public_id, delivery_type=asset.delivery_type)
    if box and target.width and target.height and (
            box[0] + box[2] > target.width or box[1] + box[3] > target.height):
        log.warning("focal point %s of %s lies outside v%s (%sx%s): not carried over", box,
                    asset, target.number, target.width, target.height)
        return None
    return box


def _release_failed(version: AssetVersion, why: str) -> None:
    AssetVersion.objects.filter(pk=version.pk).update(release_error=why)
    log.warning("release of %s failed: %s", version, why)


def _switch(asset: Asset, target: AssetVersion | None) -> None:
    """Point partners at `target`'s copy (or at nothing), audited, in one transaction."""
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        previous = locked.approved_version
        if target is not None:
            target = AssetVersion.objects.get(pk=target.pk)
            if target.review_state != ReviewState.APPROVED or not target.delivery_public_id:
                return  # decided otherwise meanwhile; the next run sorts it out
        locked.approved_version = target
        locked.release_public_id = target.delivery_public_id if target else ""
        locked.release_version = target.delivery_version if target else 0
        update = ["approved_version", "release_public_id", "release_version"]
        if target is not None and (previous is None or previous.pk != target.pk):
            # What partners see changed: now, for a new version replacing the one they had;
            # for a first release, when the version was approved (a migrated or re-synced
            # catalog does not look new to everybody).
            locked.updated_at = (target.reviewed_at or timezone.now()) if previous is None \
                else timezone.now()
            update.append("updated_at")
        locked.save(update_fields=update)
        if target is not None and previous is not None and previous.pk != target.pk:
            transaction.on_commit(lambda a=locked, v=target: send_version_released(a, v))
        if target is not None:
            transaction.on_commit(lambda a=locked, v=target: send_version_delivered(a, v))
        record("asset.released", actor=ACTOR, target=locked,
               asset_version=target.version if target else None,
               payload={"version_number": target.number if target else None,
                        "previous_version": previous.version if previous else None})


def _restrict_master(asset: Asset) -> list[str]:
    """Public masters get access_control=token, so their public id alone fetches nothing."""
    if (not settings.CLOUDINARY_RESTRICT_MASTERS or not settings.CLOUDINARY_AUTH_TOKEN_KEY
            or asset.retired or asset.delivery_type != "upload"
            or asset.access_mode == "authenticated"):
        return []
    try:
        answer = client.restrict_master(public_id=asset.public_id,
                                        resource_type=asset.resource_type,
                                        delivery_type=asset.delivery_type)
    except client.CloudinaryNotFound:
        return []
    mode = answer.get("access_mode") or "authenticated"
    Asset.objects.filter(pk=asset.pk).update(access_mode=mode)
    return ["restricted master"]


def sweep_delivery(limit: int = SWEEP_BATCH) -> int:
    """Run `deliver_asset` for flagged assets (a crash or an outage left them behind)."""
    pks = list(Asset.objects.filter(delivery_pending=True).order_by("pk")
               .values_list("pk", flat=True)[:limit])
    for pk in pks:
        try:
            deliver_asset(pk)
        except client.CloudinaryError as exc:
            log.warning("delivery of asset %s failed, will retry: %s", pk, exc)
    return len(pks)

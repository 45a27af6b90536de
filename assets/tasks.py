"""Celery tasks of the catalog mirror: thin wrappers over assets.sync and assets.services.

Routing (settings.CELERY_TASK_ROUTES): sync_* and apply_* run on the "sync" queue, so a
large sync never delays case notifications.
"""

from __future__ import annotations

import logging

from celery import shared_task

from assets import releases, services
from assets.cloudinary import client
from assets.models import Asset
from assets.sync import SyncAlreadyRunning, sync_delta, sync_full
from assets.sync.notifications import notification_apply, notification_failed

log = logging.getLogger(__name__)


def _summary(run) -> dict:
    return {"run": run.pk, "state": run.state, "seen": run.seen, "created": run.created,
            "updated": run.updated, "unchanged": run.unchanged, "retired": run.retired}


@shared_task(name="assets.tasks.sync_assets_full", acks_late=True)
def sync_assets_full() -> dict:
    """Daily full sync (resumes an interrupted one); skips if a sync is running."""
    try:
        return _summary(sync_full())
    except SyncAlreadyRunning as exc:
        log.info("full sync skipped: %s", exc)
        return {"skipped": str(exc)}


@shared_task(name="assets.tasks.sync_assets_delta", acks_late=True)
def sync_assets_delta() -> dict:
    """Every few minutes: what changed since the last watermark."""
    try:
        return _summary(sync_delta())
    except SyncAlreadyRunning as exc:
        log.info("delta sync skipped: %s", exc)
        return {"skipped": str(exc)}


@shared_task(name="assets.tasks.apply_cloudinary_notification", bind=True, max_retries=8,
             acks_late=True)
def apply_cloudinary_notification(self, notification_id: int) -> str:
    """Apply a stored webhook delivery; transient Cloudinary errors are retried."""
    try:
        return notification_apply(notification_id=notification_id)
    except client.CloudinaryError as exc:
        if exc.transient and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(2 ** self.request.retries, 300)) from exc
        notification_failed(notification_id=notification_id, error=str(exc))
        raise


@shared_task(name="assets.tasks.push_moderation", bind=True, max_retries=12, acks_late=True)
def push_moderation(self, asset_pk: int) -> str:
    """Push the portal's approval decision to Cloudinary, retrying until it lands."""
    asset = Asset.objects.filter(pk=asset_pk).first()
    if asset is None or not asset.moderation_push_pending:
        return "nothing to push"
    state = asset.approval_state
    try:
        client.update_moderation(public_id=asset.public_id, resource_type=asset.resource_type,
                                 delivery_type=asset.delivery_type, status=state)
    except client.CloudinaryNotFound:
        return "gone from Cloudinary"
    except client.CloudinaryError as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(2 ** self.request.retries * 5, 1800)
                             ) from exc
        raise
    services.asset_moderation_pushed(asset=asset, state=state)
    return f"pushed {state}"


@shared_task(name="assets.tasks.deliver_asset", bind=True, max_retries=12, acks_late=True)
def deliver_asset(self, asset_pk: int) -> str:
    """Release, revoke and restrict for one asset, retrying until Cloudinary confirms."""
    try:
        return releases.deliver_asset(asset_pk)
    except client.CloudinaryError as exc:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=min(2 ** self.request.retries * 5, 600)
                             ) from exc
        # Eager (no broker) or out of retries: the minute sweep tries again.
        log.warning("delivery of asset %s deferred to the sweep: %s", asset_pk, exc)
        return f"deferred: {exc}"


@shared_task(name="assets.tasks.deliver_assets", bind=True, acks_late=True)
def deliver_assets(self, asset_pks: list[int]) -> str:
    """deliver_asset for a batch (a sync's new assets): one message instead of one per asset.

    An asset Cloudinary refuses now goes on as its own deliver_asset task, with that task's
    retries; its delivery_pending flag stays set, so the minute sweep also finds it. A batch
    delivered twice (acks_late after a crash) redoes nothing: done assets are not pending.
    """
    done, deferred = 0, []
    for pk in asset_pks:
        try:
            releases.deliver_asset(pk)
            done += 1
        except client.CloudinaryError as exc:
            log.warning("delivery of asset %s failed, retried on its own: %s", pk, exc)
            deferred.append(pk)
    if not self.request.is_eager:
        for pk in deferred:
            deliver_asset.delay(pk)
    return f"{done} delivered, {len(deferred)} deferred"


@shared_task(name="assets.tasks.sweep_delivery", acks_late=True)
def sweep_delivery() -> int:
    """Every minute: delivery work a crash or an outage left behind."""
    return releases.sweep_delivery()


@shared_task(name="assets.tasks.sync_preset_transformation", bind=True, max_retries=8,
             acks_late=True)
def sync_preset_transformation(self, preset_pk: int) -> str:
    """After a preset is saved: its named transformation in Cloudinary (idempotent)."""
    from assets.presets import preset_sync_transformation

    try:
        return preset_sync_transformation(preset_id=preset_pk)
    except client.CloudinaryError as exc:
        return _retry_or_defer(self, exc, "named transformation of preset %s not synced: %s",
                               preset_pk)


@shared_task(name="assets.tasks.regenerate_preset_derivatives", bind=True, max_retries=8,
             acks_late=True)
def regenerate_preset_derivatives(self, preset_pk: int, public_ids: list[str]) -> str:
    """After a preset change for everyone (#15): its derivatives of these copies anew."""
    from assets.preset_changes import derivatives_regenerate

    try:
        return derivatives_regenerate(preset_id=preset_pk, public_ids=public_ids)
    except client.CloudinaryError as exc:
        return _retry_or_defer(self, exc, "derivatives of preset %s not regenerated: %s", preset_pk)


@shared_task(name="assets.tasks.request_derivatives", bind=True, max_retries=8, acks_late=True)
def request_derivatives(self, version_pk: int, community_ids: list[int]) -> str:
    """After a release: generate the presets' derivatives ahead (explicit + eager, async)."""
    from assets.presets import derivatives_request

    try:
        return derivatives_request(version_pk=version_pk, community_ids=community_ids)
    except client.CloudinaryError as exc:
        return _retry_or_defer(self, exc, "derivatives of version %s not requested: %s", version_pk)


def _retry_or_defer(task, exc, message: str, *args) -> str:
    """A Cloudinary error: retry with backoff while retries remain (never when eager), else
    log `message % (*args, exc)` and leave the work to its sweep or the next change."""
    if task.request.retries < task.max_retries and not task.request.is_eager:
        raise task.retry(exc=exc, countdown=min(2 ** task.request.retries * 5, 600)) from exc
    log.warning(message, *args, exc)
    return f"deferred: {exc}"

"""State changes of the catalog: approval decisions and retirement.

Each service runs in one transaction, writes its audit event inside it, and queues work
(pushing a moderation status to Cloudinary) with transaction.on_commit. The sync's bulk
writes live in assets/sync/ and follow the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import is_content_team
from assets.models import ApprovalState, Asset
from audit import record

CLOUDINARY_ACTOR = "cloudinary-sync"
DECISIONS = (ApprovalState.APPROVED, ApprovalState.REJECTED)


def can_approve(user) -> bool:
    """Only staff in the Content team group (or superusers) approve or reject."""
    return bool(getattr(user, "is_staff", False)) and is_content_team(user)


def asset_set_approval(*, assets: Iterable[Asset], state: str, actor, reason: str = ""
                       ) -> list[Asset]:
    """Approve or reject assets in one transaction; returns the assets whose state changed.

    Each change writes `asset.approved` / `asset.rejected` with the asset's current version,
    and, once committed, a task pushes the moderation status to Cloudinary.
    """
    if state not in DECISIONS:
        raise ValidationError(f"Unknown approval state {state!r}")
    if not can_approve(actor):
        raise PermissionDenied("Only the content team may approve or reject assets.")
    reason = (reason or "").strip()[:2000]
    pks = [a.pk for a in assets]
    changed = []
    with transaction.atomic():
        # Lock in primary-key order: two reviewers deciding overlapping batches never deadlock.
        for asset in Asset.objects.select_for_update().filter(pk__in=pks, retired=False
                                                              ).order_by("pk"):
            if asset.approval_state == state and asset.approval_reason == reason:
                continue
            previous = asset.approval_state
            asset.approval_state, asset.approval_by = state, actor
            asset.approval_at, asset.approval_reason = timezone.now(), reason
            asset.moderation_push_pending = True
            asset.save(update_fields=["approval_state", "approval_by", "approval_at",
                                      "approval_reason", "moderation_push_pending"])
            record(f"asset.{state}", actor=actor, target=asset,
                   asset_version=asset.current_version or asset.version,
                   payload={"previous_state": previous, "reason": reason})
            transaction.on_commit(lambda pk=asset.pk: _queue_push(pk))
            changed.append(asset)
    return changed


def _queue_push(asset_pk: int) -> None:
    from assets.tasks import push_moderation

    push_moderation.delay(asset_pk)


def asset_record_cloudinary_decision(*, asset: Asset, state: str | None,
                                     decided_at: datetime | None) -> bool:
    """Honour a moderation decision made in Cloudinary (webhook); True if the state changed.

    A decision older than the portal's latest one is ignored, so late or repeated
    notifications never undo a newer decision.
    """
    if state not in DECISIONS:
        return False
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.approval_state == state:
            return False
        if decided_at and asset.approval_at and decided_at < asset.approval_at:
            return False
        previous = asset.approval_state
        asset.approval_state, asset.approval_by = state, None
        asset.approval_at = decided_at or timezone.now()
        asset.approval_reason = "decided in Cloudinary"
        asset.moderation_push_pending = False
        asset.save(update_fields=["approval_state", "approval_by", "approval_at",
                                  "approval_reason", "moderation_push_pending"])
        record(f"asset.{state}", actor=CLOUDINARY_ACTOR, target=asset,
               asset_version=asset.current_version or asset.version,
               payload={"previous_state": previous, "source": "cloudinary"})
    return True


def asset_moderation_pushed(*, asset: Asset, state: str) -> bool:
    """Clear the push flag if the portal still wants the state that just landed."""
    return bool(Asset.objects.filter(pk=asset.pk, approval_state=state,
                                     moderation_push_pending=True
                                     ).update(moderation_push_pending=False))


def asset_retire(*, asset: Asset, actor, reason: str) -> bool:
    """Retire an asset (never delete: cases and the audit trail refer to it)."""
    with transaction.atomic():
        updated = Asset.objects.filter(pk=asset.pk, retired=False).update(
            retired=True, retired_at=timezone.now(), synced_at=timezone.now())
        if updated:
            record("asset.retired", actor=actor, target=asset,
                   asset_version=asset.current_version or asset.version,
                   payload={"reason": reason})
    return bool(updated)

"""State changes of the catalog: review decisions on versions, and retirement.

Each service runs in one transaction, writes its audit event inside it, and queues work
(pushing a moderation status to Cloudinary) with transaction.on_commit. The sync's bulk
writes live in assets/sync/ and follow the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import is_content_team
from assets import releases, signals
from assets.models import ApprovalState, Asset, AssetVersion, ReviewState
from audit import record

CLOUDINARY_ACTOR = "cloudinary-sync"
DECISIONS = (ApprovalState.APPROVED, ApprovalState.REJECTED)


def can_approve(user) -> bool:
    """Only staff in the Content team group (or superusers) approve or reject."""
    return bool(getattr(user, "is_staff", False)) and is_content_team(user)


def is_controlled(kind_slug: str | None) -> bool:
    """Controlled kinds (packaging, compliance labels, ...) are never auto-approved."""
    norm = (kind_slug or "").replace("_", "-")
    return norm in {k.replace("_", "-") for k in settings.ASSET_CONTROLLED_KINDS}


def auto_approves(kind_slug: str | None) -> bool:
    """Whether new versions of this kind skip review (a setting; never controlled kinds)."""
    norm = (kind_slug or "").replace("_", "-")
    return (bool(norm) and not is_controlled(kind_slug)
            and norm in {k.replace("_", "-") for k in settings.ASSET_AUTO_APPROVE_KINDS})


def summarize(asset: Asset) -> str:
    """The asset's approval summary: approved while partners may get a version of it."""
    states = dict(AssetVersion.objects.filter(asset=asset).order_by("-version")
                  .values_list("pk", "review_state")[:50])
    if ReviewState.APPROVED in states.values():
        return ApprovalState.APPROVED
    newest = asset.current_version_id and states.get(asset.current_version_id)
    return ApprovalState.REJECTED if newest == ReviewState.REJECTED else ApprovalState.PENDING


def version_decide(*, version: AssetVersion, state: str, actor, reason: str = "",
                   source: str = "portal", decided_at: datetime | None = None) -> bool:
    """Approve or reject one version (call inside a transaction, asset row locked).

    Approving switches partners to it once its copy is released (assets.releases, queued
    on commit); rejecting an approved version revokes its links and partners fall back
    to the newest other approved version. Audited with both versions named.
    """
    asset = version.asset
    if version.review_state == state and (source != "portal" or
                                          version.review_reason == reason):
        return False
    previous_state, partners_had = version.review_state, asset.approved_version
    version.review_state = state
    version.reviewed_by = actor if source == "portal" else None
    version.reviewed_at = decided_at or timezone.now()
    version.review_reason = reason if source == "portal" else "decided in Cloudinary"
    version.save(update_fields=["review_state", "reviewed_by", "reviewed_at",
                                "review_reason"])
    if state == ReviewState.APPROVED:
        # Older undecided versions will never be released: the newer one is approved.
        AssetVersion.objects.filter(asset=asset, review_state=ReviewState.PENDING,
                                    version__lt=version.version).update(
            review_state=ReviewState.SUPERSEDED)
    else:
        releases.schedule_revocation([version])
    asset.approval_state = summarize(asset)
    asset.approval_by = version.reviewed_by
    asset.approval_at, asset.approval_reason = version.reviewed_at, version.review_reason
    asset.moderation_push_pending = source == "portal" and version.pk == asset.current_version_id
    asset.save(update_fields=["approval_state", "approval_by", "approval_at",
                              "approval_reason", "moderation_push_pending"])
    record(f"asset.{state}", actor=actor if source == "portal" else CLOUDINARY_ACTOR,
           target=asset, asset_version=version.version,
           payload={"version_number": version.number, "previous_state": previous_state,
                    "partners_had_version": partners_had.version if partners_had else None,
                    "reason": version.review_reason, "source": source})
    releases.mark_pending([asset.pk])
    if asset.moderation_push_pending:
        transaction.on_commit(lambda pk=asset.pk: _queue_push(pk))
    return True


def asset_set_approval(*, assets: Iterable[Asset], state: str, actor, reason: str = ""
                       ) -> list[Asset]:
    """Decide the newest version of each asset in one transaction; returns the changed ones.

    Each change writes `asset.approved` / `asset.rejected` naming the version, and, once
    committed, tasks release the copy partners get and push the status to Cloudinary.
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
            version = _newest_version(asset)
            if version is not None and version_decide(version=version, state=state,
                                                      actor=actor, reason=reason):
                changed.append(asset)
    return changed


def version_set_approval(*, version: AssetVersion, state: str, actor, reason: str = ""
                         ) -> bool:
    """The review page's decision on one version; a rejection needs a reason."""
    if state not in DECISIONS:
        raise ValidationError(f"Unknown approval state {state!r}")
    if not can_approve(actor):
        raise PermissionDenied("Only the content team may approve or reject assets.")
    reason = (reason or "").strip()[:2000]
    if state == ApprovalState.REJECTED and not reason:
        raise ValidationError("Say why the version is rejected: partners' support and the "
                              "audit trail need the reason.")
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=version.asset_id)
        version = AssetVersion.objects.select_related("asset").get(pk=version.pk)
        version.asset = asset
        if asset.retired:
            raise ValidationError("This asset is retired.")
        if state == ApprovalState.APPROVED and version.pk != asset.current_version_id:
            raise ValidationError("A newer version exists in Cloudinary: review that one.")
        return version_decide(version=version, state=state, actor=actor, reason=reason)


def _newest_version(asset: Asset) -> AssetVersion | None:
    version = asset.current_version or AssetVersion.objects.filter(
        asset=asset).order_by("-version").first()
    if version is not None:
        version.asset = asset
    return version


def _queue_push(asset_pk: int) -> None:
    from assets.tasks import push_moderation

    push_moderation.delay(asset_pk)


def asset_record_cloudinary_decision(*, asset: Asset, state: str | None,
                                     decided_at: datetime | None, version: int | None = None
                                     ) -> bool:
    """Honour a moderation decision made in Cloudinary (webhook); True if a state changed.

    It applies to the version it names (the asset's newest when it names none). A decision
    older than the portal's latest one on that version is ignored, so late or repeated
    notifications never undo a newer decision.
    """
    if state not in DECISIONS:
        return False
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        target = (AssetVersion.objects.filter(asset=asset, version=version).first()
                  if version else None) or _newest_version(asset)
        if target is None or asset.moderation_push_pending:
            return False
        target.asset = asset
        if decided_at and target.reviewed_at and decided_at < target.reviewed_at:
            return False
        return version_decide(version=target, state=state, actor=None, source="cloudinary",
                              decided_at=decided_at)


def asset_moderation_pushed(*, asset: Asset, state: str) -> bool:
    """Clear the push flag if the portal still wants the state that just landed."""
    return bool(Asset.objects.filter(pk=asset.pk, approval_state=state,
                                     moderation_push_pending=True
                                     ).update(moderation_push_pending=False))


def asset_retire(*, asset: Asset, actor, reason: str) -> bool:
    """Retire an asset (never delete: cases and the audit trail refer to it); its links die."""
    with transaction.atomic():
        updated = Asset.objects.filter(pk=asset.pk, retired=False).update(
            retired=True, retired_at=timezone.now(), synced_at=timezone.now())
        if updated:
            record("asset.retired", actor=actor, target=asset,
                   asset_version=asset.version, payload={"reason": reason})
            releases.revoke_asset_links([asset.pk], reason="retired")
            transaction.on_commit(lambda: signals.send_asset_retired(asset))
    return bool(updated)

"""Celery tasks of the communities app: thin wrappers around the sync and services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from communities import tradinggrid
from communities.models import Invitation, TradingGridEvent
from communities.sync import SyncAlreadyRunning, apply_event, sync_directory

logger = logging.getLogger(__name__)


@shared_task(name="communities.tasks.sync_communities", bind=True, max_retries=5)
def sync_communities(self) -> dict:
    """The scheduled full directory sync; retries while Trading Grid is unavailable."""
    try:
        run = sync_directory()
    except SyncAlreadyRunning:
        logger.info("Trading Grid sync skipped: another one is running")
        return {"skipped": "already running"}
    except tradinggrid.TradingGridAuthError:
        logger.exception("Trading Grid refused our credentials; not retrying")
        raise
    except tradinggrid.TradingGridUnavailable as exc:
        countdown = exc.retry_after or 60 * 2**self.request.retries
        raise self.retry(exc=exc, countdown=min(countdown, 3600))
    return {"run": run.pk, "counts": run.counts}


@shared_task(name="communities.tasks.apply_tradinggrid_event", bind=True, max_retries=5)
def apply_tradinggrid_event(self, event_pk: int) -> str:
    """Apply one stored webhook event, once: a redelivered task finds it done and returns."""
    try:
        with transaction.atomic():
            row = (TradingGridEvent.objects.select_for_update()
                   .filter(pk=event_pk, state=TradingGridEvent.State.RECEIVED).first())
            if row is None:
                return "gone or already applied"
            try:
                with transaction.atomic():
                    outcome = apply_event(row)
            except OperationalError:
                raise
            except Exception as exc:  # bad payload: keep the row, say why, do not retry
                logger.exception("Trading Grid event %s could not be applied", row.event_id)
                row.state, row.error = TradingGridEvent.State.FAILED, repr(exc)[:2000]
                row.save(update_fields=["state", "error"])
                return "failed"
            row.state = (TradingGridEvent.State.IGNORED if outcome.startswith("ignored")
                         else TradingGridEvent.State.APPLIED)
            row.applied_at, row.error = timezone.now(), outcome
            row.save(update_fields=["state", "applied_at", "error"])
            return outcome
    except OperationalError as exc:  # a lock timeout or lost connection: transient
        raise self.retry(exc=exc, countdown=2**self.request.retries)


@shared_task(name="communities.tasks.send_invitation_email")
def send_invitation_email(invitation_pk: int, path: str) -> bool:
    """Kept for tasks queued before invitations went through the outbox: it now puts the
    email in the outbox (once per invitation) like every other sender."""
    from communities.services import _queue_invitation_email

    invitation = Invitation.objects.filter(pk=invitation_pk).first()
    if invitation is None or not invitation.is_pending():
        return False
    with transaction.atomic():
        _queue_invitation_email(invitation, path)
    return True


@shared_task(name="communities.tasks.repair_asset_grants")
def repair_asset_grants() -> str:
    """Nightly: rebuild the grant table if it drifted from the publications (it should not:
    every writer keeps it; a drift is logged as an error so it gets looked at)."""
    from communities import grants

    drift = grants.check()
    if drift.clean:
        return "clean"
    logger.error("asset grants drifted (%s missing, %s stale); rebuilding", drift.missing,
                 drift.extra)
    grants.rebuild()
    return f"repaired {drift.missing} missing, {drift.extra} stale"

"""Celery tasks of launch kits: thin wrappers over launches.readiness and launches.services."""

from __future__ import annotations

from celery import shared_task

from launches.models import LaunchKit


@shared_task(name="launches.tasks.recompute_kit", acks_late=True)
def recompute_kit(kit_id: int) -> dict:
    """Measure preset derivatives and analyse colours (network, no transaction), then
    rewrite the matrix."""
    from launches import readiness

    # Claim the queued request: changes arriving from now on queue a new recompute.
    if not LaunchKit.objects.filter(pk=kit_id).update(recompute_requested_at=None):
        return {"kit": kit_id, "skipped": "gone"}
    kit = LaunchKit.objects.get(pk=kit_id)
    measured = readiness.measure_derivatives(kit)
    analysed = readiness.measure_colours(kit)
    kit = readiness.kit_recompute(kit_id)
    return {"kit": kit_id, "readiness": kit.readiness, "measured": measured,
            "colours": analysed}


@shared_task(name="launches.tasks.recompute_upcoming_kits")
def recompute_upcoming_kits() -> int:
    """Hourly safety net for changes no signal reported (bulk sync writes): upcoming kits."""
    from django.utils import timezone

    from launches.services import request_recompute

    return len(request_recompute(LaunchKit.objects.filter(
        go_live_at__gt=timezone.now()).values_list("pk", flat=True)))


@shared_task(name="launches.tasks.notify_launch_reminders")
def notify_launch_reminders() -> int:
    from launches.services import kit_reminders

    return kit_reminders()

"""Celery tasks of the notification centre (routed to the `notifications` queue)."""

from celery import shared_task


@shared_task(name="notifications.tasks.send_digests")
def send_digests() -> int:
    """Hourly: the digest of every user whose local morning it is (at most one a day)."""
    from notifications import services

    return services.send_digests()

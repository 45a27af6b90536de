"""Celery tasks of the cases app: thin wrappers that take ids (routed to `notifications`)."""

import smtplib
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError

from cases import notifications

TRANSIENT = (smtplib.SMTPException, OSError, ConnectionError)
# The database said "try again": SQLite's "database/table is locked" while another writer
# holds it, PostgreSQL's lost connection or serialization failure. Soon, not in 30 s.
DATABASE_BUSY = (OperationalError,)


@shared_task(name="cases.tasks.send_notification", bind=True, acks_late=True, max_retries=8)
def send_notification(self, notification_id: int) -> bool:
    """Send one outbox row; a row already sent (or being sent) is left alone."""
    try:
        return notifications.deliver(notification_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=min(900, 30 * 2 ** self.request.retries))
    except DATABASE_BUSY as exc:
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries))


@shared_task(name="cases.tasks.send_pending_notifications")
def send_pending_notifications(older_than_minutes: int = 5) -> int:
    """Re-queue outbox rows whose task never ran (belt and braces for lost messages)."""
    ids = notifications.pending(timedelta(minutes=older_than_minutes))
    for pk in ids:
        send_notification.delay(pk)
    return len(ids)


@shared_task(name="cases.tasks.notify_sla_reminders")
def notify_sla_reminders() -> int:
    """Hourly: remind assignees of open cases close to (or past) their SLA due time."""
    return len(notifications.remind_due_cases())


@shared_task(name="cases.tasks.note_new_version", bind=True, acks_late=True, max_retries=5)
def note_new_version(self, asset_id: int, version_id: int) -> int:
    """Add "a new version of this asset was published" to the asset's open cases."""
    from assets.models import AssetVersion
    from cases.services import case_note_new_version

    version = AssetVersion.objects.select_related("asset").filter(
        pk=version_id, asset_id=asset_id).first()
    if version is None:
        return 0
    return len(case_note_new_version(asset=version.asset, version=version))


@shared_task(name="cases.tasks.deliver_thread_posts", bind=True, acks_late=True,
             max_retries=None)
def deliver_thread_posts(self, thread_id: int) -> int:
    """Post a case thread's outbox rows to Trading Grid, in order, each exactly once.

    A failure counts the attempt and retries with backoff; the idempotency key of each row
    makes a retry after a lost answer (or a worker killed mid-post) return the first post.
    """
    from cases import threads
    from communities.tradinggrid import TradingGridAuthError, TradingGridError

    try:
        return threads.deliver_pending(thread_id)
    except TradingGridAuthError:
        threads.record_failure(thread_id, TradingGridAuthError("credentials refused"))
        raise  # not retried: an operator must fix the credentials; the sweep resumes
    except TradingGridError as exc:
        delay = threads.record_failure(thread_id, exc)
        if self.request.called_directly or getattr(self.request, "is_eager", False):
            return 0  # eager (no broker): the periodic sync_threads retries
        raise self.retry(exc=exc, countdown=delay)


@shared_task(name="cases.tasks.sync_threads")
def sync_threads() -> dict:
    """Periodic: pull Trading Grid threads webhooks missed and send outbox posts still due."""
    from cases import threads

    return threads.sync_threads()

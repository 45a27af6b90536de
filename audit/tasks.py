"""Celery tasks of the audit app."""

from celery import shared_task


@shared_task(name="audit.tasks.verify_audit_chain")
def verify_audit_chain() -> dict:
    """Walk the chain (scheduled nightly) and keep the outcome for the admin."""
    from audit.verify import verify_chain

    result = verify_chain(save=True)
    return {"ok": result.ok, "checked": result.checked,
            "first_broken_sequence": result.first_broken_sequence, "reason": result.reason}

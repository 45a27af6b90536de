"""Celery tasks of compliance: thin wrappers that take ids (routed to `notifications`)."""

from celery import shared_task


@shared_task(name="compliance.tasks.supersede", acks_late=True)
def supersede(asset_id: int, version_id: int) -> int:
    """Tell past recipients of an asset about its newly released version (idempotent)."""
    from assets.models import AssetVersion
    from compliance import services

    version = (AssetVersion.objects.select_related("asset__kind")
               .filter(pk=version_id, asset_id=asset_id).first())
    if version is None:
        return 0
    return services.supersede(version.asset, version)


@shared_task(name="compliance.tasks.notify_acknowledgement_reminders")
def notify_acknowledgement_reminders() -> int:
    """Daily: remind organisations of acknowledgements still due."""
    from compliance import services

    sent = services.remind()
    services.escalate()
    return sent


@shared_task(name="compliance.tasks.notify_new_assets")
def notify_new_assets() -> int:
    """Every 15 minutes: 'new assets in my communities' notices for what became visible."""
    from compliance.new_assets import announce_new_assets as announce

    return announce()

"""What makes readiness stale: asset, version, approval and publication changes.

Each receiver asks for a recompute of the kits the change may affect, after commit; the
request is debounced per kit (launches.services.request_recompute).
"""

from django.db import transaction
from django.db.models.signals import post_save


def _later(asset_ids) -> None:
    def queue():
        from launches.services import kits_for_assets, request_recompute

        with transaction.atomic():
            request_recompute(kits_for_assets(asset_ids))

    transaction.on_commit(queue)


def on_version(sender, *, asset, version=None, **kwargs) -> None:
    _later([asset.pk])


def on_asset_saved(sender, instance, **kwargs) -> None:
    _later([instance.pk])


def on_version_saved(sender, instance, **kwargs) -> None:
    _later([instance.asset_id])


def on_publication_saved(sender, instance, **kwargs) -> None:
    if instance.asset_id:
        _later([instance.asset_id])


def connect() -> None:
    from assets.models import Asset, AssetVersion
    from assets.signals import asset_version_added, asset_version_released
    from communities.models import Publication

    asset_version_added.connect(on_version, dispatch_uid="launches.version_added")
    asset_version_released.connect(on_version, dispatch_uid="launches.version_released")
    post_save.connect(on_asset_saved, sender=Asset, dispatch_uid="launches.asset_saved")
    post_save.connect(on_version_saved, sender=AssetVersion,
                      dispatch_uid="launches.version_saved")
    post_save.connect(on_publication_saved, sender=Publication,
                      dispatch_uid="launches.publication_saved")

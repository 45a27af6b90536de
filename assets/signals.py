"""Signals the catalog sends for other apps.

`asset_version_added(sender=Asset, asset=<Asset>, version=<AssetVersion>)` is sent after
the transaction that recorded a new Cloudinary version commits (never for an asset's
first version). That version is not reviewed yet: partners do not get it.

`asset_version_released(sender=Asset, asset=<Asset>, version=<AssetVersion>)` is sent after
partners were switched to a newer approved version (never for a first release): this is
"a new version was published" for cases and notices.

`asset_version_delivered(sender=Asset, asset=<Asset>, version=<AssetVersion>)` is sent after
partners were switched to a version's protected copy, the first release included
(communities queues the derivatives of the presets of the communities that will see it).

`asset_retired(sender=Asset, asset=<Asset>)` is sent after the transaction that retired an
asset commits (a queryset update: no post_save is sent for it).

Receivers run in the sync, webhook or delivery worker: keep them quick, queue work.
"""

from django.dispatch import Signal

asset_version_added = Signal()
asset_version_released = Signal()
asset_version_delivered = Signal()
asset_retired = Signal()


def send_version_added(asset, version) -> None:
    """Send `asset_version_added` (call through transaction.on_commit)."""
    from assets.models import Asset

    asset_version_added.send(sender=Asset, asset=asset, version=version)


def send_version_released(asset, version) -> None:
    """Send `asset_version_released` (call through transaction.on_commit)."""
    from assets.models import Asset

    asset_version_released.send(sender=Asset, asset=asset, version=version)


def send_version_delivered(asset, version) -> None:
    """Send `asset_version_delivered` (call through transaction.on_commit)."""
    from assets.models import Asset

    asset_version_delivered.send(sender=Asset, asset=asset, version=version)


def send_asset_retired(asset) -> None:
    """Send `asset_retired` (call through transaction.on_commit)."""
    from assets.models import Asset

    asset_retired.send(sender=Asset, asset=asset)

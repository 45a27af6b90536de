"""Signals the catalog sends for other apps (cases hooks "a new version was published").

`asset_version_added(sender=Asset, asset=<Asset>, version=<AssetVersion>)` is sent after
the transaction that recorded a new Cloudinary version commits (never for an asset's
first version). Receivers run in the sync or webhook worker: keep them quick, queue work.
"""

from django.dispatch import Signal

asset_version_added = Signal()


def send_version_added(asset, version) -> None:
    """Send `asset_version_added` (call through transaction.on_commit)."""
    from assets.models import Asset

    asset_version_added.send(sender=Asset, asset=asset, version=version)

def on_asset_version_released(sender, *, asset, version, **kwargs) -> None:
    """Partners now get a newer version: queue the supersede notices (quick, in the sender)."""
    from compliance.tasks import supersede

    supersede.delay(asset.pk, version.pk)

"""Receivers of the catalog's signals."""


def on_asset_version_delivered(sender, *, asset, version, **kwargs) -> None:
    """Queue the derivatives of the presets of the communities that will see this version."""
    from assets.tasks import request_derivatives
    from communities.selectors import communities_publishing

    request_derivatives.delay(version.pk, communities_publishing(asset))

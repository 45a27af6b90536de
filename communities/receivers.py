"""Receivers of the catalog's signals."""


def on_asset_version_delivered(sender, *, asset, version, **kwargs) -> None:
    """Queue the derivatives of the presets of the communities that will see this version."""
    from assets.tasks import request_derivatives
    from communities.selectors import communities_publishing

    request_derivatives.delay(version.pk, communities_publishing(asset))


# --------------------------------------------------------------------- the grant table
# (communities/grants.py): publications and the asset fields rules match on

GRANT_FIELDS = {"product_line", "product_line_id", "campaign", "campaign_id", "kind", "kind_id",
                "master", "master_id"}


def on_publication_changed(sender, instance, **kwargs) -> None:
    from assets.models import Asset
    from communities import grants

    if instance.asset_id:
        variants = list(Asset.objects.filter(master_id=instance.asset_id)
                        .values_list("pk", flat=True))
        grants.refresh_assets([instance.asset_id, *variants])
    else:
        grants.refresh_community(instance.community_id)


def on_asset_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    from communities import grants

    if raw:
        return  # fixtures loading: `manage.py asset_grants --repair` afterwards
    if created or update_fields is None or GRANT_FIELDS & set(update_fields):
        grants.refresh_assets([instance.pk])


def on_asset_markets_changed(sender, instance, action, pk_set=None, reverse=False,
                             **kwargs) -> None:
    from communities import grants

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # market.assets.add(...): `instance` is the market
        if pk_set:
            grants.refresh_assets(pk_set)
        elif action == "post_clear":  # a market's every asset: rare enough to rebuild
            grants.rebuild()
        return
    grants.refresh_assets([instance.pk])

from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities and access"

    def ready(self):
        from assets.signals import asset_version_delivered
        from communities.receivers import on_asset_version_delivered

        asset_version_delivered.connect(on_asset_version_delivered,
                                        dispatch_uid="communities.on_asset_version_delivered")

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from assets.models import Asset
        from communities import receivers
        from communities.models import Publication

        for signal in (post_save, post_delete):
            signal.connect(receivers.on_publication_changed, sender=Publication,
                           dispatch_uid=f"communities.grants.publication.{signal is post_save}")
        post_save.connect(receivers.on_asset_saved, sender=Asset,
                          dispatch_uid="communities.grants.asset")
        m2m_changed.connect(receivers.on_asset_markets_changed, sender=Asset.markets.through,
                            dispatch_uid="communities.grants.asset_markets")

from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities and access"

    def ready(self):
        from assets.signals import asset_version_delivered
        from communities.receivers import on_asset_version_delivered

        asset_version_delivered.connect(on_asset_version_delivered,
                                        dispatch_uid="communities.on_asset_version_delivered")

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = "Currency and acknowledgements"

    def ready(self):
        from assets.signals import asset_version_released
        from compliance.previews import SOURCE, fetch_version_preview
        from compliance.receivers import on_asset_version_released
        from notifications.images import register_source

        register_source(SOURCE, fetch_version_preview)
        asset_version_released.connect(on_asset_version_released,
                                       dispatch_uid="compliance.on_asset_version_released")

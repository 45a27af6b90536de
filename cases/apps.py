from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from assets.signals import asset_version_released
        from cases.receivers import on_asset_version_released

        # Partners got a new approved version (not merely: Cloudinary holds one).
        asset_version_released.connect(on_asset_version_released,
                                       dispatch_uid="cases.on_asset_version_released")

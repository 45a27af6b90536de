from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from assets.signals import asset_version_added
        from cases.receivers import on_asset_version_added

        asset_version_added.connect(on_asset_version_added,
                                    dispatch_uid="cases.on_asset_version_added")

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Catalog"

    def ready(self):
        from assets import checks  # noqa: F401 - registers the deploy checks

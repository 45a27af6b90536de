from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from portal import sso  # noqa: F401 - connects the Trading Grid sign-in receiver

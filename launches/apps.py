from django.apps import AppConfig


class LaunchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "launches"
    verbose_name = "Launch kits"

    def ready(self):
        from launches import receivers

        receivers.connect()

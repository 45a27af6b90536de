from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import receivers, schema  # noqa: F401 (schema registers an extension)
        from accounts.permissions import grant_group_permissions

        receivers.connect()

        post_migrate.connect(grant_group_permissions,
                             dispatch_uid="accounts.grant_group_permissions")

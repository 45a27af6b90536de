"""Losing a second factor revokes the user's API tokens (allauth deactivation and the admin)."""

from allauth.mfa.models import Authenticator
from django.db.models.signals import post_delete


def revoke_tokens_when_totp_removed(sender, instance, **kwargs) -> None:
    if instance.type == Authenticator.Type.TOTP:
        instance.user.api_tokens_revoke(reason="two-factor authentication removed")


def connect() -> None:
    post_delete.connect(revoke_tokens_when_totp_removed, sender=Authenticator,
                        dispatch_uid="accounts.revoke_tokens_when_totp_removed")

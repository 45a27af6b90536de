"""allauth adapter: sign-up is closed unless PORTAL_OPEN_SIGNUP (partners are invited)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.PORTAL_OPEN_SIGNUP

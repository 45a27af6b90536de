"""allauth adapter: sign-up is closed unless PORTAL_OPEN_SIGNUP (partners are invited), and
staff land on their queue after signing in instead of the partner home."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.roles import is_content_team, is_support_staff

# The content team's queue: the admin's asset list, filtered to versions awaiting review.
CONTENT_QUEUE = "admin:assets_asset_changelist"


def staff_landing_url(user) -> str | None:
    """Where a member of staff starts after signing in (None: a partner, the home page).

    Support works the case queue; the content team the versions awaiting review; a
    superuser (both roles, and more) the admin index.
    """
    if getattr(user, "is_superuser", False):
        return reverse("admin:index")
    if is_support_staff(user):
        return reverse("cases:queue")
    if is_content_team(user):
        return reverse(CONTENT_QUEUE) + "?review=waiting"
    return None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.PORTAL_OPEN_SIGNUP

    def get_login_redirect_url(self, request) -> str:
        return staff_landing_url(request.user) or super().get_login_redirect_url(request)

    def post_login(self, request, user, *, redirect_url=None, **kwargs):
        # `/accounts/login/?next=/` is where anyone opening the site's root arrives: for
        # staff, "the home page" means their queue. Any other `next` is honoured as asked.
        wanted = redirect_url or get_next_redirect_url(request) or ""
        landing = staff_landing_url(user)
        if landing and wanted in ("", resolve_url(settings.LOGIN_REDIRECT_URL)):
            redirect_url = landing
        return super().post_login(request, user, redirect_url=redirect_url, **kwargs)

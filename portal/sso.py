"""The portal's side of "Sign in with Trading Grid", wired into allauth.

It lives in `portal/` because it joins accounts (allauth, staff roles) and communities
(`communities.sso`); neither of those may import the other's way.

- `SocialAccountAdapter.pre_social_login`: the verified ID token decides who signs in
  (`communities.sso.sso_sign_in`: member id matching, directory confirmation,
  membership reconciliation, audit); a refusal is a clear page and no account.
- With PORTAL_PARTNER_SSO_REQUIRED, partners who have a Trading Grid identity cannot use
  a portal password (`LoginForm`, `ResetPasswordForm`); staff and invited users still can.
- `single_logout`: end the portal session, then the provider's (its end-session endpoint).
"""

from __future__ import annotations

import logging

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount
from django import forms
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.roles import is_brand_staff
from accounts.sso_settings import PROVIDER_ID
from communities.models import Membership
from communities.sso import SsoClaims, SsoRefused, sso_sign_in

logger = logging.getLogger(__name__)
SESSION_KEY = "tradinggrid_sso"
SSO_REQUIRED_MESSAGE = ("Your organisation signs in with Trading Grid: use \u201cSign in with "
                        "Trading Grid\u201d below. Portal passwords are not used for partners.")
RESET_REFUSED_MESSAGE = ("Partner accounts have no portal password: sign in with Trading "
                         "Grid, and change your password there if you need to.")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Who a Trading Grid sign-in is, decided by `communities.sso`, never by allauth's
    email matching or sign-up form."""

    def pre_social_login(self, request, sociallogin) -> None:
        claims = sociallogin.account.extra_data.get("id_token") or {}
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            outcome = sso_sign_in(claims=SsoClaims.from_token(claims), linked_user=linked)
        except SsoRefused as refusal:
            logger.info("Trading Grid sign-in refused for %s: %s", claims.get("sub"), refusal)
            raise ImmediateHttpResponse(render(request, "account/sso_refused.html",
                                               {"reason": str(refusal)},
                                               status=refusal.status))
        if not sociallogin.is_existing:
            sociallogin.connect(request, outcome.user)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # accounts are created by sso_sign_in only, for directory members


@receiver(user_logged_in, dispatch_uid="portal.sso.remember_sso_session")
def remember_sso_session(sender, request, user, **kwargs) -> None:
    """Note in the session that it came from Trading Grid (for the single-logout offer)."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None and sociallogin.account.provider == PROVIDER_ID:
        request.session[SESSION_KEY] = True


# -- SSO required for partners ---------------------------------------------------------------


def sso_configured() -> bool:
    """Whether a Trading Grid OIDC app is configured (the button is shown)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return any(app.get("provider_id") == PROVIDER_ID for app in apps)


def requires_sso(user) -> bool:
    """PORTAL_PARTNER_SSO_REQUIRED, and `user` is a partner with a Trading Grid identity."""
    if not (settings.PORTAL_PARTNER_SSO_REQUIRED and sso_configured()):
        return False
    if user.is_staff or user.is_superuser or is_brand_staff(user):
        return False
    return (SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).exists()
            or user.memberships.filter(source=Membership.Source.TRADING_GRID).exists())


class LoginForm(AllauthLoginForm):
    """allauth's login form; refuses the password of a partner who must use Trading Grid."""

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if not self.errors and user is not None and requires_sso(user):
            raise forms.ValidationError(SSO_REQUIRED_MESSAGE, code="sso_required")
        return cleaned


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's reset form; partners who must use Trading Grid get no reset mail."""

    def clean_email(self) -> str:
        email = super().clean_email()
        if any(requires_sso(user) for user in self.users):
            raise forms.ValidationError(RESET_REFUSED_MESSAGE, code="sso_required")
        return email


# -- single logout ---------------------------------------------------------------------------


def end_session_url(request) -> str | None:
    """The provider's end-session endpoint, when configured and advertised."""
    if not sso_configured():
        return None
    try:
        provider = get_social_adapter().get_provider(request, PROVIDER_ID)
        return provider.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
    except Exception:  # the provider is down: offer the portal logout only
        logger.warning("Trading Grid discovery failed; single logout not offered",
                       exc_info=True)
        return None


@require_POST
def single_logout(request):
    """Sign out of the portal, then send the browser to Trading Grid's end-session page."""
    endpoint = end_session_url(request) if request.session.get(SESSION_KEY) else None
    get_account_adapter(request).logout(request)
    if not endpoint:
        return redirect("account_login")
    app = get_social_adapter().get_provider(request, PROVIDER_ID).app
    back = request.build_absolute_uri(reverse("account_login"))
    query = urlencode({"client_id": app.client_id, "post_logout_redirect_uri": back})
    return redirect(f"{endpoint}?{query}")

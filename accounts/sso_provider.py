"""allauth's OpenID Connect provider, made strict for Trading Grid.

allauth's stock provider sends no nonce and, when the ID token comes straight from the
token endpoint, skips its signature check (OIDC Core allows that over TLS). We want every
ID token proven: signature against the provider's JWKS, issuer, audience, expiry (allauth's
`jwtkit`, i.e. PyJWT), and the nonce we stashed with the login state. A token failing any
of these ends in allauth's authentication error page, before any account is touched.
"""

from __future__ import annotations

import hmac
import logging
import secrets

import requests
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import reverse

logger = logging.getLogger(__name__)


class StrictOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """Verifies every ID token's signature and nonce; calls back to our own view."""

    expected_nonce: str | None = None

    def get_callback_url(self, request, app):
        path = reverse("sso_callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, path, self.redirect_uri_protocol)

    def _decode_id_token(self, app, id_token: str) -> dict:
        claims = jwtkit.verify_and_decode(
            credential=id_token, keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"], audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk, verify_signature=True,
        )
        nonce = str(claims.get("nonce") or "")
        if not self.expected_nonce or not hmac.compare_digest(nonce, self.expected_nonce):
            raise OAuth2Error("The ID token's nonce does not belong to this sign-in.")
        return claims


class TradingGridProvider(OpenIDConnectProvider):
    """openid_connect with a nonce per sign-in and `StrictOIDCAdapter`."""

    package = "allauth.socialaccount.providers.openid_connect"  # keep its login URLs
    oauth2_adapter_class = StrictOIDCAdapter

    def get_callback_url(self):
        return reverse("sso_callback", kwargs={"provider_id": self.app.provider_id})

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        try:
            return super().redirect(request, process, next_url, data,
                                    auth_params=auth_params, nonce=nonce, **kwargs)
        except requests.RequestException as exc:  # discovery failed: say so, not a 500
            logger.warning("Trading Grid OpenID discovery failed: %s", exc)
            return render_authentication_error(request, self, exception=exc)


class StrictCallbackView(OAuth2CallbackView):
    """allauth's callback, handing the stashed nonce to the adapter."""

    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


@login_not_required
def callback(request, provider_id: str):
    """Where Trading Grid sends the browser back with the authorization code."""
    try:
        view = StrictCallbackView.adapter_view(StrictOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404

"""Trading Grid sign-in in tests: the emulator's OIDC provider wired into allauth's settings.

`sso_login(client, emulator, email)` is the whole round trip over real HTTP: the portal's
login view redirects to the emulator, the person signs in there (tests/sso_flow.py), and
the portal's callback redeems the code at the emulator's token endpoint.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from accounts.sso_settings import PROVIDER_ID, trading_grid_providers
from tests.sso_flow import sign_in_at_provider

DEMO_PASSWORD = "portal-demo-2026"  # the emulator's default sign-in password
BOB = "bob@alpine-outfitters.example"
CHARLIE = "charlie@sakura-trading.example"


@pytest.fixture
def tg_sso(settings, tg_emulator):
    """The Trading Grid emulator, configured as the portal's OIDC provider."""
    settings.SOCIALACCOUNT_PROVIDERS = trading_grid_providers(
        tg_emulator.root_url, tg_emulator.client_id, tg_emulator.client_secret)
    return tg_emulator


def sso_login(client, emulator, email, *, next_url="/catalog/", password=DEMO_PASSWORD):
    """Sign `email` in with Trading Grid; the portal's answer to the callback."""
    login_url = reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})
    start = client.post(login_url, {"next": next_url})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(emulator.root_url + "/oidc/authorize?")
    answer = sign_in_at_provider(start["Location"], email, password)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == reverse("sso_callback", kwargs={"provider_id": PROVIDER_ID})
    return client.get(f"{callback.path}?{callback.query}")

"""The login page's Trading Grid button, and PORTAL_PARTNER_SSO_REQUIRED."""

import pytest
from django.core import mail

from accounts.sso_settings import trading_grid_providers
from communities.models import Membership
from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = trading_grid_providers(
        "http://127.0.0.1:9/", "portal", "secret")  # nothing is fetched in these tests


@pytest.fixture
def sso_required(settings, sso_configured):
    settings.PORTAL_PARTNER_SSO_REQUIRED = True


def _password_login(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_the_login_page_offers_trading_grid_only_when_it_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = trading_grid_providers("", "", "")
    assert b"Sign in with Trading Grid" not in client.get("/accounts/login/").content


def test_the_login_page_offers_trading_grid_when_configured(client, sso_configured):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Trading Grid" in page
    assert 'action="/accounts/oidc/tradinggrid/login/' in page


def test_bobs_password_login_is_refused_with_a_pointer_to_trading_grid(
        client, sso_required, bob):
    response = _password_login(client, bob)
    assert response.status_code == 200
    assert "Your organisation signs in with Trading Grid" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_bobs_password_login_works_when_sso_is_not_required(client, sso_configured, bob):
    response = _password_login(client, bob)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(bob.pk)
    # a password session is not offered the Trading Grid single logout
    assert b"at Trading Grid" not in client.get("/accounts/logout/").content


def test_staff_and_invited_colleagues_keep_their_passwords_when_sso_is_required(
        client, sso_required, content, eu_retailers, alpine, alice):
    invited = f.UserFactory(email="dora@alpine-outfitters.example")
    f.MembershipFactory(user=invited, community=eu_retailers, partner=alpine,
                        source=Membership.Source.INVITATION, invited_by=alice)
    for user in (content, invited):
        assert _password_login(client, user).status_code == 302, user
        client.logout()


def test_bobs_password_reset_is_refused_when_sso_is_required(client, sso_required, bob):
    response = client.post("/accounts/password/reset/", {"email": bob.email})
    assert response.status_code == 200
    assert "Partner accounts have no portal password" in response.content.decode()
    assert mail.outbox == []


def test_staff_can_still_reset_their_password_when_sso_is_required(
        client, sso_required, content):
    response = client.post("/accounts/password/reset/", {"email": content.email})
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_an_unreachable_provider_gives_the_sign_in_failure_page_not_a_server_error(
        client, sso_configured):
    response = client.post("/accounts/oidc/tradinggrid/login/")
    assert response.status_code == 401
    assert b"Third-Party Login Failure" in response.content

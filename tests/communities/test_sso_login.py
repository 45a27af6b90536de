"""Sign in with Trading Grid: real HTTP against the emulator's OpenID Connect provider."""

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from audit.models import Event
from communities.models import Membership
from tests.communities.sso_fixtures import BOB, CHARLIE, sso_login

pytestmark = pytest.mark.django_db


def _member_id(emulator, community_id, email):
    return emulator.directory.get_member(community_id, email)["id"]


def _communities(user):
    return sorted(Membership.objects.current().filter(user=user)
                  .values_list("community__tg_id", flat=True))


@pytest.fixture
def synced_sso(tg_sso):
    from communities.sync import sync_directory

    sync_directory()
    return tg_sso


def test_bob_signs_in_with_trading_grid_and_lands_in_the_catalog_with_his_communities(
        client, synced_sso, alice_asset, charlie_asset):
    # when
    response = sso_login(client, synced_sso, BOB)
    # then
    assert response.status_code == 302 and response["Location"] == "/catalog/"
    catalog = client.get("/catalog/", follow=True)
    assert catalog.status_code == 200
    assert catalog.wsgi_request.user.email == BOB
    assert alice_asset.title in catalog.content.decode()
    assert charlie_asset.title not in catalog.content.decode()
    bob = User.objects.get(email=BOB)
    assert _communities(bob) == ["COMM-EU-RETAIL"]
    account = SocialAccount.objects.get(user=bob)
    assert (account.provider, account.uid) == ("tradinggrid",
                                               _member_id(synced_sso, "COMM-EU-RETAIL", BOB))
    login = Event.objects.get(action="user.sso_login")
    assert login.payload["member_id"] == account.uid and login.payload["revoked"] == []


def test_a_first_sign_in_creates_the_partner_when_the_directory_confirms_the_member(
        client, tg_sso):
    # given: nothing mirrored yet
    assert not User.objects.exists()
    # when
    response = sso_login(client, tg_sso, BOB)
    # then
    assert response.status_code == 302
    bob = User.objects.get(email=BOB)
    assert (bob.first_name, bob.is_staff, bob.has_usable_password()) == ("Bob", False, False)
    assert _communities(bob) == ["COMM-EU-RETAIL"]
    membership = Membership.objects.get(user=bob)
    assert membership.partner.tg_company_id == "TGC-1001"
    assert membership.tg_member_id == _member_id(tg_sso, "COMM-EU-RETAIL", BOB)
    granted = Event.objects.get(action="membership.granted")
    assert granted.actor_label == "tradinggrid-sso"


@pytest.mark.parametrize("tampering", ["foreign_key", "audience", "expired", "replay"])
def test_an_id_token_that_fails_validation_is_refused_and_creates_no_user(
        client, tg_sso, tampering):
    # given: a first, valid sign-in issues a token (the replay reuses it), then signs out
    sso_login(client, tg_sso, CHARLIE)
    client.logout()
    users = set(User.objects.values_list("email", flat=True))
    tg_sso.oidc.tamper_next(tampering)
    # when
    response = sso_login(client, tg_sso, BOB)
    # then
    assert response.status_code == 401  # allauth's "third-party login failure" page
    assert b"Third-Party Login Failure" in response.content
    assert set(User.objects.values_list("email", flat=True)) == users
    assert not SocialAccount.objects.filter(user__email=BOB).exists()
    assert "_auth_user_id" not in client.session


def test_a_replayed_token_is_refused_on_its_nonce_even_when_its_jti_is_forgotten(
        client, tg_sso):
    from django.core.cache import cache

    # given: charlie's token was issued for another sign-in; the jti blacklist is gone
    sso_login(client, tg_sso, CHARLIE)
    client.logout()
    cache.clear()
    tg_sso.oidc.tamper_next("replay")
    # when
    response = sso_login(client, tg_sso, BOB)
    # then
    assert response.status_code == 401 and b"Third-Party Login Failure" in response.content
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=BOB).exists()


def test_charlie_sees_eu_retailers_after_being_added_there_without_a_webhook_and_not_after_removal(
        client, synced_sso, alice_asset):
    charlie = User.objects.get(email=CHARLIE)
    sso_login(client, synced_sso, CHARLIE)
    assert alice_asset.title not in client.get("/catalog/", follow=True).content.decode()
    client.logout()
    # when: added to EU Retailers in Trading Grid (no webhook is configured, no sync runs)
    synced_sso.add_member("COMM-EU-RETAIL", email=CHARLIE, company_id="TGC-2001",
                          company_name="Sakura Trading KK", given_name="Charlie",
                          family_name="Chen")
    sso_login(client, synced_sso, CHARLIE)
    # then
    assert _communities(charlie) == ["COMM-EU-RETAIL", "COMM-JP-RESELL"]
    assert alice_asset.title in client.get("/catalog/", follow=True).content.decode()
    assert client.get(f"/assets/{alice_asset.pk}/").status_code == 200
    client.logout()
    # when: removed again
    synced_sso.remove_member("COMM-EU-RETAIL", CHARLIE)
    sso_login(client, synced_sso, CHARLIE)
    # then
    assert _communities(charlie) == ["COMM-JP-RESELL"]
    assert alice_asset.title not in client.get("/catalog/", follow=True).content.decode()
    assert client.get(f"/assets/{alice_asset.pk}/").status_code == 404
    revoked = Event.objects.filter(action="membership.revoked").latest("sequence")
    assert revoked.actor_label == "tradinggrid-sso"
    assert Event.objects.filter(action="user.sso_login").latest("sequence").payload[
        "revoked"] == ["COMM-EU-RETAIL"]


def test_a_person_unknown_to_the_directory_is_refused_clearly_and_gets_no_account(
        client, synced_sso):
    # given: a Trading Grid account in no community
    synced_sso.oidc.add_identity(email="dana@elsewhere.example", given_name="Dana",
                                 company_id="TGC-9999", company_name="Elsewhere Ltd")
    before = User.objects.count()
    # when
    response = sso_login(client, synced_sso, "dana@elsewhere.example")
    # then
    assert response.status_code == 403
    assert b"not a member of any community this portal serves" in response.content
    assert User.objects.count() == before
    assert not User.objects.filter(email="dana@elsewhere.example").exists()
    assert "_auth_user_id" not in client.session


def test_a_first_sign_in_while_the_directory_is_down_is_refused_for_now_and_creates_nothing(
        client, tg_sso):
    # given: bob is not mirrored yet and the directory API answers 503 to everything
    tg_sso.faults.fail_rate = 1.0
    # when
    response = sso_login(client, tg_sso, BOB)
    # then
    assert response.status_code == 503
    assert b"cannot confirm your account right now" in response.content
    assert not User.objects.exists()


def test_a_staff_email_signing_in_with_trading_grid_gets_no_staff_rights(
        client, tg_sso, content):
    # given: someone put the content team's address into a Trading Grid community
    tg_sso.add_member("COMM-EU-RETAIL", email=content.email, company_id="TGC-1001",
                      company_name="Alpine Outfitters GmbH")
    # when
    response = sso_login(client, tg_sso, content.email, next_url="/admin/")
    # then
    assert response.status_code == 403
    assert b"Brand staff accounts do not sign in with Trading Grid" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # to the admin login
    assert not SocialAccount.objects.exists()
    assert not Membership.objects.filter(user=content).exists()


def test_a_signed_in_partner_logs_out_of_the_portal_and_may_log_out_of_trading_grid(
        client, synced_sso):
    sso_login(client, synced_sso, BOB)
    page = client.get("/accounts/logout/")
    assert b"Sign out here and at Trading Grid" in page.content
    # when
    response = client.post("/accounts/sso/logout/")
    # then
    assert "_auth_user_id" not in client.session
    assert response["Location"].startswith(synced_sso.root_url + "/oidc/logout?client_id=")
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in \
        response["Location"]


def test_single_logout_is_not_offered_when_the_provider_has_no_end_session_endpoint(
        client, synced_sso, settings):
    sso_login(client, synced_sso, BOB)
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["openid_configuration_overrides"] = {"end_session_endpoint": None}
    assert b"at Trading Grid" not in client.get("/accounts/logout/").content
    response = client.post("/accounts/sso/logout/")
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session

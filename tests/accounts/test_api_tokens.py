"""Personal API tokens (findings 1 and 2): hashed, expiring, several, revoked with the
password or the second factor, and the staff MFA rule for tokens as for sessions."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_token_create
from audit.models import Event
from tests.api.openapi import assert_matches_schema

ASSETS = "/api/v1/assets/"


def _token_client(key):
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def _enrol_totp(user):
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                        data={"secret": "JBSWY3DPEHPK3PXP"})


@pytest.fixture
def staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = True


# --- finding 1: staff MFA applies to tokens --------------------------------------------

def test_a_support_token_without_totp_reads_writes_and_assigns_nothing(settings, support,
                                                                        bob_case):
    # given: a token made before the MFA requirement was switched on
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    key = api_token_create(user=support, name="queue bot").key
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    client = _token_client(key)
    # when
    read = client.get(f"/api/v1/cases/{bob_case.pk}/messages/")
    write = client.post(f"/api/v1/cases/{bob_case.pk}/messages/",
                        {"body": "note", "internal": True}, format="json")
    assign = client.post(f"/api/v1/cases/{bob_case.pk}/assign/", {"assignee": support.pk},
                         format="json")
    # then
    assert (read.status_code, write.status_code, assign.status_code) == (403, 403, 403)
    assert "two-factor" in read.json()["detail"]
    assert bob_case.messages.count() == 1


def test_a_support_token_works_while_support_has_totp(staff_mfa, support, bob_case):
    # given
    _enrol_totp(support)
    key = api_token_create(user=support, name="queue bot").key
    # when
    response = _token_client(key).get(f"/api/v1/cases/{bob_case.pk}/messages/")
    # then
    assert response.status_code == 200


def test_staff_without_totp_are_refused_by_the_api_however_they_authenticate(staff_mfa,
                                                                              support,
                                                                              bob_case):
    # given: an authentication that is neither the session middleware nor a token
    client = APIClient()
    client.force_authenticate(support)
    # when
    response = client.get(f"/api/v1/cases/{bob_case.pk}/messages/")
    # then
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_staff_without_totp_cannot_create_a_token(staff_mfa, support, client_for):
    # given
    api = APIClient()
    api.force_authenticate(support)
    # when
    by_api = api.post("/api/v1/me/tokens/", {"name": "x"}, format="json")
    by_page = client_for(support).post(reverse("accounts:tokens"),
                                       {"name": "x", "ttl_days": 90})
    # then
    assert by_api.status_code == 403
    assert by_page.status_code == 302 and "totp" in by_page["Location"]
    assert not ApiToken.objects.exists()


def test_partners_need_no_second_factor_for_tokens(staff_mfa, bob, alice_asset):
    key = api_token_create(user=bob, name="PIM").key
    assert _token_client(key).get(ASSETS).json()["count"] == 1


# --- finding 2: hashed, expiring, several, revoked --------------------------------------

def test_a_token_is_stored_only_as_a_digest(bob):
    # when
    created = api_token_create(user=bob, name="PIM import")
    # then
    row = ApiToken.objects.values().get()
    assert created.key.startswith("pap_") and len(created.key) == 68
    assert all(created.key not in str(value) for value in row.values())
    assert len(row["digest"]) == 128


def test_a_token_expires_after_the_default_lifetime_and_then_fails(settings, bob, alice_asset):
    # given
    created = api_token_create(user=bob, name="PIM")
    # then
    lifetime = created.token.expiry - created.token.created
    assert abs(lifetime - timedelta(days=settings.API_TOKEN_TTL_DAYS)) < timedelta(minutes=1)
    # when
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = _token_client(created.key).get(ASSETS)
    # then
    assert response.status_code == 403
    assert response.json()["detail"] == "Invalid token."
    assert not ApiToken.objects.exists()


def test_a_lifetime_beyond_the_maximum_is_a_clear_400(settings, bob):
    # given
    api = APIClient()
    api.force_authenticate(bob)
    # when
    response = api.post("/api/v1/me/tokens/",
                        {"name": "x", "ttl_days": settings.API_TOKEN_MAX_TTL_DAYS + 1},
                        format="json")
    # then
    assert response.status_code == 400
    assert "ttl_days" in response.json()
    assert_matches_schema(response)


def test_a_user_holds_several_named_tokens_and_revokes_one(bob, alice_asset):
    # given
    api = APIClient()
    api.force_authenticate(bob)
    first = api.post("/api/v1/me/tokens/", {"name": "PIM", "ttl_days": 7}, format="json")
    second = api.post("/api/v1/me/tokens/", {"name": "Shop"}, format="json")
    # when
    used = _token_client(first.json()["key"]).get(ASSETS)
    listed = api.get("/api/v1/me/tokens/")
    revoked = api.delete(f"/api/v1/me/tokens/{first.json()['id']}/")
    after = _token_client(first.json()["key"]).get(ASSETS)
    still = _token_client(second.json()["key"]).get(ASSETS)
    # then
    for response in (first, second, listed, revoked):
        assert_matches_schema(response)
    assert used.status_code == 200
    by_name = {t["name"]: t for t in listed.json()}
    assert set(by_name) == {"PIM", "Shop"} and by_name["PIM"]["last_used"]
    assert by_name["Shop"]["last_used"] is None and "key" not in by_name["Shop"]
    assert (revoked.status_code, after.status_code, still.status_code) == (204, 403, 200)
    assert Event.objects.filter(action="api_token.revoked").count() == 1


def test_one_user_cannot_revoke_another_users_token(alice, bob):
    # given
    token = api_token_create(user=bob, name="PIM").token
    api = APIClient()
    api.force_authenticate(alice)
    # when
    response = api.delete(f"/api/v1/me/tokens/{token.uid}/")
    # then
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_password_change_revokes_every_token(client_for, bob, alice_asset):
    # given
    key = api_token_create(user=bob, name="PIM").key
    api_token_create(user=bob, name="Shop")
    assert _token_client(key).get(ASSETS).status_code == 200
    # when: allauth's password change page
    response = client_for(bob).post(reverse("account_change_password"), {
        "oldpassword": "correct horse battery staple",
        "password1": "a brand new passphrase 2026", "password2": "a brand new passphrase 2026"})
    # then
    assert response.status_code == 302
    assert _token_client(key).get(ASSETS).status_code == 403
    assert not ApiToken.objects.filter(user=bob).exists()
    assert Event.objects.get(action="api_token.revoked").payload["count"] == 2


def test_a_password_reset_or_admin_set_password_revokes_tokens(bob, alice):
    # given
    api_token_create(user=bob, name="PIM")
    api_token_create(user=alice, name="PIM")
    # when: what allauth's reset, the admin and `changepassword` all do
    bob.set_password("reset by a link 2026")
    bob.save()
    alice.first_name = "Alicia"
    alice.save()
    # then
    assert not ApiToken.objects.filter(user=bob).exists()
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_deactivating_totp_revokes_every_token(support):
    # given
    totp = _enrol_totp(support)
    api_token_create(user=support, name="queue bot")
    # when
    totp.delete()
    # then
    assert not ApiToken.objects.filter(user=support).exists()


def test_the_token_page_creates_shows_once_lists_and_revokes(client_for, bob):
    client = client_for(bob)
    # when
    created = client.post(reverse("accounts:tokens"), {"name": "PIM import", "ttl_days": 30})
    again = client.get(reverse("accounts:tokens"))
    # then
    token = ApiToken.objects.get(user=bob)
    key = created.context["created"].key
    assert key in created.content.decode()
    assert key not in again.content.decode() and "PIM import" in again.content.decode()
    assert round((token.expiry - token.created) / timedelta(days=1)) == 30
    # when
    client.post(reverse("accounts:revoke_token", args=[token.uid]))
    # then
    assert not ApiToken.objects.filter(user=bob).exists()


def test_the_token_page_refuses_a_name_with_a_line_break(client_for, bob):
    response = client_for(bob).post(reverse("accounts:tokens"),
                                    {"name": "PIM\r\nBcc: x", "ttl_days": 30})
    assert response.status_code == 400
    assert "single line" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_admins_list_and_revoke_a_users_tokens(admin_client, bob):
    # given
    token = api_token_create(user=bob, name="PIM").token
    # when
    listed = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    user_page = admin_client.get(reverse("admin:accounts_user_change", args=[bob.pk]))
    revoked = admin_client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]),
                                {"post": "yes"})
    # then
    assert "PIM" in listed.content.decode() and "PIM" in user_page.content.decode()
    assert revoked.status_code == 302
    assert not ApiToken.objects.exists()


def test_the_migration_deletes_old_plaintext_drf_tokens(db):
    # given: a database that still has DRF's authtoken table with a key in it
    import importlib

    migration = importlib.import_module("accounts.migrations.0004_revoke_plaintext_drf_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token (key) VALUES ('plain-text-key')")
    # when: the migration function reads only the editor's connection (SQLite refuses a real
    # schema editor inside the test's transaction)
    from types import SimpleNamespace

    migration.delete_plaintext_tokens(None, SimpleNamespace(connection=connection))
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE authtoken_token")

"""Review finding 7: CSP, Permissions-Policy and private, no-store for signed-in callers."""

from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import api_token_create
from portal.headers import cloudinary_directives, cloudinary_origins


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}


def test_pages_send_a_csp_without_inline_script(client_for, bob, alice_asset):
    # when
    response = client_for(bob).get(reverse("assets:catalog"))
    # then
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    nonce = next(v for v in csp["style-src"] if v.startswith("'nonce-"))
    assert f'<style nonce="{nonce[7:-1]}">' in response.content.decode()


def test_no_template_has_inline_script_or_event_handlers(client_for, bob, alice_asset, support,
                                                         bob_case):
    # given: the pages a partner and support see
    pages = [(bob, "/"), (bob, "/catalog/"), (bob, f"/assets/{alice_asset.pk}/"),
             (bob, "/cases/"), (bob, "/me/tokens/"), (support, "/cases/queue/"),
             (support, f"/cases/{bob_case.reference}/")]
    for user, path in pages:
        # when
        html = client_for(user).get(path).content.decode()
        # then
        assert "<script>" not in html and " onclick=" not in html, path
        assert all("src=" in tag.split(">")[0] for tag in html.split("<script")[1:]), path


def test_media_come_from_the_configured_cloudinary_delivery_host(client_for, bob, settings):
    # given
    settings.CLOUDINARY_URL = "cloudinary://k:s@kestrel"
    # when
    csp = _directives(client_for(bob).get("/"))
    # then
    assert "https://res.cloudinary.com" in csp["img-src"]
    assert "https://res.cloudinary.com" in csp["media-src"]
    assert "https://api.cloudinary.com" in csp["form-action"]


def test_the_emulator_and_private_cdn_delivery_hosts_are_derived_from_the_url():
    emulator = ("cloudinary://k:s@demo?upload_prefix=http://127.0.0.1:8701"
                "&cname=127.0.0.1:8701&secure=false&private_cdn=false")
    assert cloudinary_origins(emulator) == (["http://127.0.0.1:8701"],
                                            ["http://127.0.0.1:8701"])
    assert cloudinary_origins("cloudinary://k:s@acme?private_cdn=true&secure=true")[0] == [
        "https://acme-res.cloudinary.com"]
    assert cloudinary_directives("cloudinary://k:s@acme?secure=true",
                                 ("https://media.acme.example",))["img-src"] == [
        "https://media.acme.example", "https://res.cloudinary.com"]


def test_sign_in_providers_may_receive_the_sign_in_form(client_for, bob, settings):
    # given: an OpenID Connect provider as allauth configures it
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{
        "provider_id": "tradinggrid", "settings": {
            "server_url": "https://login.tradinggrid.example/oidc"}}]}}
    # when
    csp = _directives(client_for(bob).get("/"))
    # then
    assert "https://login.tradinggrid.example" in csp["form-action"]


def test_permissions_policy_is_sent_on_every_response(client, db):
    response = client.get(reverse("account_login"))
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_signed_in_pages_are_private_and_not_stored(client_for, bob):
    response = client_for(bob).get(reverse("home"))
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_api_responses_to_a_token_are_private_and_not_stored(bob, alice_asset):
    # given
    key = api_token_create(user=bob, name="PIM").key
    # when
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/assets/")
    # then
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_existing_security_headers_are_kept(client_for, bob):
    response = client_for(bob).get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_load_swagger_from_this_site_with_no_inline_script(client_for, bob):
    # when
    page = client_for(bob).get(reverse("api-docs"))
    script = client_for(bob).get(reverse("api-docs") + "?script=")
    # then
    html = page.content.decode()
    assert page.status_code == 200 and "cdn.jsdelivr" not in html
    assert "<script>" not in html and "/static/drf_spectacular_sidecar/" in html
    assert script.status_code == 200 and script["Content-Type"].startswith(
        "application/javascript")

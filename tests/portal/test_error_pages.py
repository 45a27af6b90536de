"""With DEBUG off (as in the tests), a 404 and a 500 are branded pages with navigation."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def _nav_links(html: str) -> bool:
    return 'aria-label="Main"' in html and 'href="/catalog/"' in html and 'href="/"' in html


def test_a_missing_page_is_the_branded_404_with_navigation(settings, bob, client_for):
    # given
    assert settings.DEBUG is False
    # when
    response = client_for(bob).get("/no-such-page/")
    # then
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and settings.BRAND_NAME in html and _nav_links(html)
    assert "Report a missing asset" in html


def test_an_anonymous_404_is_branded_too(settings, client):
    html = client.get("/no-such-page/").content.decode()
    assert "Page not found" in html and settings.BRAND_NAME in html
    assert 'href="/catalog/"' in html


def test_the_api_404_stays_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
def test_a_failing_page_is_the_branded_500_with_navigation(settings, bob):
    # given
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    # when
    response = client.get("/boom/")
    # then
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and settings.BRAND_NAME in html and _nav_links(html)
    assert response["X-Request-Id"] in html  # support can find the log line


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
def test_the_500_page_survives_a_broken_template(monkeypatch):
    # given: the branded template itself fails (e.g. the database is gone)
    import portal.errors

    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(portal.errors, "render_to_string", broken)
    # when
    response = Client(raise_request_exception=False).get("/boom/")
    # then
    html = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in html
    assert 'href="/catalog/"' in html


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
def test_the_api_500_is_json():
    response = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert response.status_code == 500 and response.json() == {"detail": "Server error."}


def test_the_favicon_is_served_from_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")

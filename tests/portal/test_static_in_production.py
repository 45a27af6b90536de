"""DEBUG off (as in the tests) with the production static storage: after `collectstatic`
(the README's production step), pages render and WhiteNoise serves their hashed CSS."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    call_command("collectstatic", "--noinput", verbosity=0)
    return tmp_path


def test_pages_and_their_css_are_served_after_collectstatic(collected, settings, bob):
    # given
    assert settings.DEBUG is False
    client = Client()
    client.force_login(bob)
    # when
    page = client.get("/catalog/")
    # then
    assert page.status_code == 200
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.content.decode())
    assert css, "the stylesheet is not the hashed, collected one"
    served = Client().get(css.group(1))
    assert served.status_code == 200 and b"--radius" in b"".join(served.streaming_content)


def test_the_404_page_renders_with_collected_static(collected):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and b"Page not found" in response.content

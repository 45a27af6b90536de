"""The invitation, as the invited colleague sees it: an HTML email, a form that asks for a
name and shows the password rules before the first try."""

import re

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(client_for, alice, eu_retailers, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(f"/communities/{eu_retailers.pk}/invite/",
                               {"email": "dora@alpine-outfitters.example"})
    client.logout()
    return mail.outbox[-1]


def _path(email):
    return re.search(r"https?://[^/]+(/communities/invitations/[^/\s]+/)", email.body).group(1)


def test_the_invitation_email_has_an_html_part_with_the_same_link(invited, settings):
    # then
    (html, mimetype), = invited.alternatives
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}{_path(invited)}"' in html
    assert "Accept the invitation" in html and "Alice" in html


def test_the_form_asks_for_a_name_and_shows_the_password_rules_up_front(invited, client):
    # when
    html = client.get(_path(invited)).content.decode()
    # then
    assert 'name="first_name"' in html and 'name="last_name"' in html
    assert 'id="id_password1_rules"' in html and 'aria-describedby="id_password1_rules"' in html
    assert "Your password must contain at least 8 characters." in html


def test_a_missing_name_is_explained_and_nothing_is_created(invited, client):
    # when
    response = client.post(_path(invited), {"first_name": "", "last_name": "",
                                            "password1": "a long enough passphrase 42",
                                            "password2": "a long enough passphrase 42"})
    # then
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not User.objects.filter(email="dora@alpine-outfitters.example").exists()

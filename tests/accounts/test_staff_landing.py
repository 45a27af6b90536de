"""After signing in, support lands on the case queue, the content team on the versions
awaiting review, partners on their home page; an explicit `next` still wins."""

import pytest

from tests import factories as f
from tests.conftest import PASSWORD


def _sign_in(client, user, next_url=None):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": user.email, "password": PASSWORD})


def test_support_lands_on_the_case_queue(client, support):
    response = _sign_in(client, support)
    assert response.status_code == 302 and response["Location"] == "/cases/queue/"


def test_the_content_team_lands_on_the_versions_awaiting_review(client, content):
    response = _sign_in(client, content)
    assert response["Location"] == "/admin/assets/asset/?review=waiting"
    assert client.get(response["Location"]).status_code == 200


def test_a_superuser_lands_on_the_admin(client, db):
    admin = f.UserFactory(email="ada@brand.example", is_staff=True, is_superuser=True)
    assert _sign_in(client, admin)["Location"] == "/admin/"


@pytest.mark.parametrize("next_url", ["/", None])
def test_staff_opening_the_site_root_still_land_on_their_queue(client, support, next_url):
    # `/` sends anyone signed out to /accounts/login/?next=/
    assert _sign_in(client, support, next_url)["Location"] == "/cases/queue/"


def test_an_explicit_next_page_wins_over_the_queue(client, support):
    target = "/catalog/?q=box"
    assert _sign_in(client, support, target)["Location"] == target


def test_partners_still_land_on_their_home(client, bob):
    assert _sign_in(client, bob)["Location"] == "/"

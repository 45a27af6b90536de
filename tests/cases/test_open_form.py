"""The open form: a "missing asset" report without an asset, a sensible category with one,
and a notice when a case on that asset is already open."""

import pytest

from cases.models import Case

pytestmark = pytest.mark.django_db


def test_without_an_asset_the_form_reports_a_missing_asset(bob, client_for, alpine):
    # given
    client = client_for(bob)
    # when
    form = client.get("/cases/new/")
    # then
    html = form.content.decode()
    assert form.status_code == 200 and "Report a missing asset" in html
    assert '<option value="missing_asset" selected>' in html
    assert 'value="incorrect_asset"' not in html  # nothing to be incorrect about
    # when
    response = client.post("/cases/new/", {"category": "missing_asset", "priority": "normal",
                                           "subject": "No German spec sheet",
                                           "body": "We need the de-DE PDF."})
    # then
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    assert (case.asset, case.category, case.partner) == (None, "missing_asset", alpine)


def test_without_an_asset_a_category_about_an_asset_is_refused(bob, client_for):
    response = client_for(bob).post("/cases/new/", {
        "category": "incorrect_asset", "priority": "normal", "subject": "Kept", "body": "x"})
    assert response.status_code == 200 and "Kept" in response.content.decode()
    assert not Case.objects.exists()


def test_a_user_without_a_membership_gets_a_clear_error(client_for, django_user_model):
    loner = django_user_model.objects.create_user(email="loner@example.com", password="x")
    response = client_for(loner).post("/cases/new/", {
        "category": "missing_asset", "priority": "normal", "subject": "Kept", "body": "x"})
    assert response.status_code == 200
    assert "Only members of a partner organisation" in response.content.decode()


def test_with_an_asset_the_form_defaults_to_incorrect_asset(bob, alice_asset, client_for):
    html = client_for(bob).get(f"/cases/new/?asset={alice_asset.pk}").content.decode()
    assert '<option value="incorrect_asset" selected>' in html
    assert 'value="missing_asset"' not in html
    assert "already open" not in html


def test_the_form_says_a_case_on_the_asset_is_already_open(bob_case, alice, alice_asset,
                                                          client_for):
    # when: alice (bob's partner admin) opens the form on the same asset
    html = client_for(alice).get(f"/cases/new/?asset={alice_asset.pk}").content.decode()
    # then
    assert "A case on this asset is already open" in html
    assert f'href="/cases/{bob_case.reference}/"' in html


def test_a_resolved_case_is_not_announced_as_open(bob_case, alice_asset, bob, client_for):
    Case.objects.filter(pk=bob_case.pk).update(status=Case.Status.CLOSED)
    html = client_for(bob).get(f"/cases/new/?asset={alice_asset.pk}").content.decode()
    assert "already open" not in html


def test_the_catalog_links_the_missing_asset_form(bob, client_for):
    assert 'href="/cases/new/"' in client_for(bob).get("/catalog/").content.decode()

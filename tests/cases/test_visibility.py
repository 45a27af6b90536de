"""Who reads which case, and that an internal note never reaches a partner."""

import pytest
from django.core import mail

from cases import services
from cases.models import Case
from tests import factories as f

SECRET = "Vendor contract dispute, do not tell the partner"


@pytest.fixture
def with_internal_note(bob_case, support, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body=SECRET, internal=True)
        services.case_reply(case=bob_case, author=support, body="We are on it.")
    return bob_case


def test_members_see_their_own_cases_and_partner_admins_their_organisations(
        bob_case, bob, alice, alice_asset, open_case):
    # given
    alices = open_case(alice, alice_asset, subject="Banner crop")
    # then
    assert set(Case.objects.for_user(alice)) == {bob_case, alices}
    assert set(Case.objects.for_user(bob)) == {bob_case}


def test_a_former_partner_admin_loses_the_organisations_cases(bob_case, alice):
    # given
    alice.memberships.update(state="suspended")
    # then
    assert not Case.objects.for_user(alice).exists()


def test_charlie_gets_404_for_bobs_case_page(bob_case, charlie, client_for):
    # when
    response = client_for(charlie).get(f"/cases/{bob_case.reference}/")
    # then
    assert response.status_code == 404


def test_charlie_gets_404_for_bobs_case_by_primary_key(bob_case, charlie, client_for):
    assert client_for(charlie).get(f"/cases/{bob_case.pk}/").status_code == 404


@pytest.mark.parametrize("action", ["reply", "close", "reopen"])
def test_charlie_cannot_act_on_bobs_case(bob_case, charlie, client_for, action):
    # when
    response = client_for(charlie).post(f"/cases/{bob_case.reference}/{action}/",
                                        {"body": "hi"})
    # then
    assert response.status_code == 404
    assert bob_case.messages.count() == 1


def test_charlie_gets_404_from_the_api(bob_case, charlie, client_for):
    client = client_for(charlie)
    assert client.get(f"/api/v1/cases/{bob_case.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{bob_case.pk}/messages/").status_code == 404
    assert client.post(f"/api/v1/cases/{bob_case.pk}/messages/", {"body": "x"},
                       content_type="application/json").status_code == 404
    assert client.get("/api/v1/cases/").json()["results"] == []


def test_a_partner_cannot_open_a_case_page_for_an_asset_they_cannot_see(bob, charlie_asset,
                                                                        client_for):
    # when
    client = client_for(bob)
    get = client.get(f"/cases/new/?asset={charlie_asset.pk}")
    post = client.post(f"/cases/new/?asset={charlie_asset.pk}", {
        "category": "other", "subject": "x", "priority": "normal", "body": "y"})
    api = client.post("/api/v1/cases/", {"asset": charlie_asset.pk, "category": "other",
                                         "subject": "x", "body": "y"},
                      content_type="application/json")
    # then
    assert (get.status_code, post.status_code, api.status_code) == (404, 404, 404)
    assert not Case.objects.exists()


def test_a_partner_never_sees_an_internal_note_in_a_page(with_internal_note, bob, alice,
                                                         support, client_for):
    for partner in (bob, alice):
        page = client_for(partner).get(f"/cases/{with_internal_note.reference}/")
        assert page.status_code == 200
        assert "We are on it." in page.content.decode()
        assert SECRET not in page.content.decode()
    staff_page = client_for(support).get(f"/cases/{with_internal_note.reference}/")
    assert SECRET in staff_page.content.decode()


def test_a_partner_never_receives_an_internal_note_from_the_api(with_internal_note, bob,
                                                                support, client_for):
    # when
    thread = client_for(bob).get(f"/api/v1/cases/{with_internal_note.pk}/messages/").json()
    # then
    assert "internal" not in {m["kind"] for m in thread}
    assert SECRET not in str(thread)
    staff_thread = client_for(support).get(f"/api/v1/cases/{with_internal_note.pk}/messages/")
    assert SECRET in staff_thread.content.decode()


def test_a_partner_never_receives_an_internal_note_by_email(with_internal_note, bob):
    # then: the public reply went to bob, the note went nowhere
    assert [m.to for m in mail.outbox if "We are on it." in m.body] == [[bob.email]]
    for message in mail.outbox:
        assert SECRET not in message.body
        assert all(SECRET not in alt for alt, _ in message.alternatives)
    assert not with_internal_note.notifications.filter(message__kind="internal").exists()


def test_a_partner_admin_of_another_organisation_cannot_read_the_case(bob_case, jp_resellers,
                                                                      sakura, client_for):
    # given: a partner admin, but of Sakura
    admin = f.UserFactory(email="admin@sakura.example")
    f.MembershipFactory(user=admin, community=jp_resellers, partner=sakura,
                        role="partner_admin")
    # then
    assert client_for(admin).get(f"/cases/{bob_case.reference}/").status_code == 404


def test_partners_cannot_open_the_staff_queue(bob, client_for):
    assert client_for(bob).get("/cases/queue/").status_code == 403

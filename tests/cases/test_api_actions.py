"""Case workflow actions through the API: same services and rules as the staff pages."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from audit.models import Event
from cases import services
from cases.models import Case
from tests import factories as f
from tests.api.openapi import assert_matches_schema
from tests.helpers import queries_for


def _post(client, case, action, data=None):
    response = client.post(f"/api/v1/cases/{case.pk}/{action}/", data or {},
                           content_type="application/json")
    assert_matches_schema(response)
    return response


def test_staff_assign_a_case_and_it_is_audited(bob_case, support, client_for):
    # when
    response = _post(client_for(support), bob_case, "assign", {"assignee": support.pk})
    # then
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == support.email
    bob_case.refresh_from_db()
    assert bob_case.assignee == support
    assert Event.objects.filter(action="case.assigned", target_id=str(bob_case.pk)).exists()


def test_staff_unassign_a_case_with_null(bob_case, support, client_for):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    # when
    response = _post(client_for(support), bob_case, "assign", {"assignee": None})
    # then
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_a_case_cannot_be_assigned_to_a_partner(bob_case, alice, support, client_for):
    # when
    response = _post(client_for(support), bob_case, "assign", {"assignee": alice.pk})
    # then
    assert response.status_code == 400
    assert response.json() == {"detail": "Cases can only be assigned to support staff."}
    assert Case.objects.get(pk=bob_case.pk).assignee is None


def test_an_unknown_assignee_is_a_field_error(bob_case, support, client_for):
    response = _post(client_for(support), bob_case, "assign", {"assignee": 987654})
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_partners_get_403_for_staff_actions_on_cases_they_can_see(bob_case, bob, alice,
                                                                  support, client_for):
    # given
    version = f.AssetVersionFactory(asset=bob_case.asset)
    attempts = [("assign", {"assignee": support.pk}), ("status", {"status": "closed"}),
                ("resolve", {"resolution_kind": "version", "version": version.pk,
                             "note": "Done"})]
    for partner in (bob, alice):
        client = client_for(partner)
        for action, data in attempts:
            # when
            response = _post(client, bob_case, action, data)
            # then
            assert response.status_code == 403, (partner, action)
            assert response.json() == {"detail": "Only support staff can do that."}
    bob_case.refresh_from_db()
    assert (bob_case.status, bob_case.assignee) == ("new", None)


def test_partners_get_404_for_cases_they_cannot_see(bob_case, charlie, client_for):
    client = client_for(charlie)
    for action in ("assign", "status", "resolve", "close", "reopen"):
        response = _post(client, bob_case, action, {})
        assert response.status_code == 404, action
    assert Case.objects.get(pk=bob_case.pk).status == "new"


def test_staff_change_the_status(bob_case, support, client_for):
    # when
    response = _post(client_for(support), bob_case, "status",
                     {"status": "waiting_on_partner", "note": "Which market?"})
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "waiting_on_partner"
    assert bob_case.messages.filter(kind="system", body__contains="Which market?").exists()


def test_an_invalid_transition_is_a_400_with_the_reason(bob_case, bob, support, client_for):
    # given
    services.case_close(case=bob_case, actor=bob)
    # when
    response = _post(client_for(support), bob_case, "status", {"status": "waiting_on_partner"})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A case cannot move from closed to waiting on partner."}


def test_resolved_is_not_a_status_to_set(bob_case, support, client_for):
    response = _post(client_for(support), bob_case, "status", {"status": "resolved"})
    assert response.status_code == 400
    assert "Resolve a case with" in response.json()["detail"]


def test_staff_resolve_with_a_version_and_the_partner_is_emailed(
        bob_case, bob, support, alice_asset, client_for, django_capture_on_commit_callbacks):
    # given
    corrected = f.AssetVersionFactory(asset=alice_asset)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client_for(support), bob_case, "resolve", {
            "resolution_kind": "version", "version": corrected.pk, "note": "New box photo."})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolution"]["version"] == corrected.version
    assert body["resolution"]["download_version"] == alice_asset.version
    assert bob.email in [m.to[0] for m in mail.outbox]
    assert Event.objects.filter(action="case.resolved", target_id=str(bob_case.pk)).exists()


def test_a_resolution_the_opener_cannot_see_is_refused(bob_case, support, charlie_asset,
                                                       client_for):
    # when
    response = _post(client_for(support), bob_case, "resolve", {
        "resolution_kind": "replacement", "replacement_asset": charlie_asset.pk,
        "note": "Use this"})
    # then
    assert response.status_code == 400
    assert "cannot see that asset" in response.json()["detail"]
    assert Case.objects.get(pk=bob_case.pk).status == "new"


def test_resolution_input_errors_are_clear(bob_case, support, client_for):
    client = client_for(support)
    missing = _post(client, bob_case, "resolve", {"resolution_kind": "version",
                                                  "note": "Fixed"})
    unknown = _post(client, bob_case, "resolve", {"resolution_kind": "version",
                                                  "version": 987654, "note": "Fixed"})
    bad_link = _post(client, bob_case, "resolve", {"resolution_kind": "link",
                                                   "link": "javascript:alert(1)", "note": "x"})
    no_note = _post(client, bob_case, "resolve", {"resolution_kind": "link",
                                                  "link": "https://cdn.example/a.jpg"})
    assert [r.status_code for r in (missing, unknown, bad_link, no_note)] == [400] * 4
    assert missing.json() == {"detail": "Choose the corrected version."}
    assert "version" in unknown.json()
    assert bad_link.json() == {"detail": "Enter a full http(s) link."}
    assert "note" in no_note.json()
    assert Case.objects.get(pk=bob_case.pk).status == "new"


def test_the_opener_closes_and_reopens_their_case(bob_case, bob, client_for):
    client = client_for(bob)
    # when
    closed = _post(client, bob_case, "close")
    reopened = _post(client, bob_case, "reopen")
    # then
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (reopened.status_code, reopened.json()["status"]) == (200, "in_progress")


def test_a_partner_admin_closes_a_case_of_their_organisation(bob_case, alice, client_for):
    response = _post(client_for(alice), bob_case, "close")
    assert (response.status_code, response.json()["status"]) == (200, "closed")


def test_closing_a_closed_case_is_a_400(bob_case, bob, client_for):
    # given
    services.case_close(case=bob_case, actor=bob)
    # when
    response = _post(client_for(bob), bob_case, "close")
    # then
    assert response.status_code == 400
    assert response.json() == {"detail": "A case cannot move from closed to closed."}


def test_reopening_an_open_case_is_a_400(bob_case, bob, client_for):
    response = _post(client_for(bob), bob_case, "reopen")
    assert response.status_code == 400
    assert response.json() == {"detail": "Only a resolved or closed case can be reopened."}


def test_reopening_after_the_window_is_a_400(bob_case, bob, support, client_for, settings):
    # given
    settings.CASE_REOPEN_WINDOW_DAYS = 14
    services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                          link="https://cdn.example/box.jpg", note="Here")
    Case.objects.filter(pk=bob_case.pk).update(
        resolved_at=timezone.now() - timedelta(days=15))
    # when
    response = _post(client_for(bob), bob_case, "reopen")
    # then
    assert response.status_code == 400
    assert "can no longer be reopened" in response.json()["detail"]
    assert Case.objects.get(pk=bob_case.pk).status == "resolved"


def test_anonymous_callers_are_refused(bob_case, client):
    response = client.post(f"/api/v1/cases/{bob_case.pk}/close/")
    assert response.status_code in (401, 403)
    assert Case.objects.get(pk=bob_case.pk).status == "new"


def test_the_list_of_resolved_cases_has_a_fixed_query_count(bob, alice, support, alice_asset,
                                                            open_case, client_for):
    # given: resolved cases show their resolution (version, asset) in the list
    def resolved_case():
        case = open_case(bob, alice_asset)
        services.case_resolve(case=case, actor=support, resolution_kind="version",
                              version=f.AssetVersionFactory(asset=alice_asset), note="Fixed")

    client = client_for(alice)
    resolved_case()
    client.get("/api/v1/cases/")
    few = queries_for(lambda: client.get("/api/v1/cases/"))
    for _ in range(4):
        resolved_case()
    # when
    response = client.get("/api/v1/cases/")
    # then
    assert_matches_schema(response)
    assert response.json()["count"] == 5
    assert queries_for(lambda: client.get("/api/v1/cases/")) == few


# What the partner's case page says about the resolution's download (the catalog, like
# Cloudinary's delivery, always serves the asset's current version).

def _resolution_card(client, case) -> str:
    page = client.get(f"/cases/{case.reference}/").content.decode()
    start = page.index('id="resolution-heading"')
    return page[start:page.index("</div>", start)]


def test_an_older_resolution_version_says_the_current_one_is_downloaded(
        bob_case, bob, support, alice_asset, client_for):
    # given: support resolved with an earlier (approved) version of the asset
    current = alice_asset.approved_version
    older = f.AssetVersionFactory(asset=alice_asset, version=current.version - 100, number=1)
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=older, note="Use the earlier photo.")
    # when
    card = _resolution_card(client_for(bob), bob_case)
    # then
    assert f'#versions-title">{older.label}</a>' in card
    assert "(not the current version)" in card
    assert (f"The download below delivers the current version ({current.label}), "
            f"not {older.label}") in card
    assert "partners always get an asset's newest approved version" in card
    assert f"Download the current version ({current.label})" in card
    assert "Download the corrected version" not in card


def test_the_current_resolution_version_is_labelled_current(bob_case, bob, support,
                                                            alice_asset, client_for):
    # given
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=alice_asset.current_version, note="This one is right.")
    # when
    card = _resolution_card(client_for(bob), bob_case)
    # then
    label = alice_asset.approved_version.label
    assert f"{label}</a>" in card
    assert "current version</span>" in card
    assert "not the current version" not in card and "newest approved" not in card
    assert f"Download {label} (current version)" in card
    assert f'href="/assets/{alice_asset.pk}/download/original/"' in card


def test_a_version_superseded_after_the_resolution_is_flagged(bob_case, bob, support,
                                                              alice_asset, client_for):
    # given: resolved with the current version, then a newer one was approved and released
    resolved_with = alice_asset.version
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=alice_asset.current_version, note="Fixed.")
    newer = f.AssetVersionFactory(asset=alice_asset, version=resolved_with + 5,
                                  delivery_public_id="copy/2", delivery_version=2)
    alice_asset.current_version, alice_asset.version = newer, newer.version
    alice_asset.approved_version, alice_asset.release_public_id = newer, "copy/2"
    alice_asset.save(update_fields=["current_version", "version", "approved_version",
                                    "release_public_id"])
    # when
    card = _resolution_card(client_for(bob), bob_case)
    # then
    assert "A newer version has been approved since support resolved this case." in card
    assert f"Download the current version ({newer.label})" in card

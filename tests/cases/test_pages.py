"""Partner and staff pages: open, reply, close, reopen, queue, staff actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case
from tests import factories as f
from tests.helpers import queries_for


def test_bob_opens_a_case_from_the_form(bob, alice_asset, client_for):
    # given
    client = client_for(bob)
    form = client.get(f"/cases/new/?asset={alice_asset.pk}")
    assert form.status_code == 200 and alice_asset.title in form.content.decode()
    # when
    response = client.post(f"/cases/new/?asset={alice_asset.pk}", {
        "category": "quality", "subject": "Banner loads slowly", "priority": "high",
        "body": "It takes **ten seconds** on mobile."})
    # then
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    assert (case.opener, case.category, case.priority) == (bob, "quality", "high")
    page = client.get(response["Location"]).content.decode()
    assert "<strong>ten seconds</strong>" in page


def test_the_open_form_shows_errors_and_keeps_the_input(bob, alice_asset, client_for):
    # when
    response = client_for(bob).post(f"/cases/new/?asset={alice_asset.pk}", {
        "category": "nonsense", "subject": "Kept subject", "priority": "normal", "body": ""})
    # then
    assert response.status_code == 200
    assert "Kept subject" in response.content.decode()
    assert not Case.objects.exists()


def test_the_open_form_404s_for_an_asset_that_is_not_one(bob, client_for):
    # (without `?asset=` it is the "missing asset" form: tests/cases/test_open_form.py)
    assert client_for(bob).get("/cases/new/?asset=abc").status_code == 404
    assert client_for(bob).get("/cases/new/?asset=999999").status_code == 404


def test_partners_reply_close_and_reopen(bob_case, bob, client_for):
    client = client_for(bob)
    url = f"/cases/{bob_case.reference}/"
    # when
    client.post(url + "reply/", {"body": "More detail"})
    client.post(url + "close/")
    closed = Case.objects.get().status
    client.post(url + "reopen/")
    # then
    assert closed == "closed"
    assert Case.objects.get().status == "in_progress"
    assert bob_case.messages.filter(kind="reply", body="More detail").exists()


def test_the_list_shows_alice_her_organisations_cases(bob_case, alice, client_for):
    page = client_for(alice).get("/cases/")
    assert page.status_code == 200 and bob_case.reference in page.content.decode()


def test_the_partner_list_page_has_a_fixed_query_count(bob, alice, alice_asset, open_case,
                                                       client_for):
    # given
    client = client_for(alice)
    open_case(bob, alice_asset)
    client.get("/cases/")
    few = queries_for(lambda: client.get("/cases/"))
    for _ in range(5):
        open_case(bob, alice_asset)
    # then
    assert queries_for(lambda: client.get("/cases/")) == few


def test_the_queue_filters_and_has_a_fixed_query_count(bob, alice_asset, support, open_case,
                                                       client_for):
    # given
    client = client_for(support)
    urgent = open_case(bob, alice_asset, priority="urgent", subject="Video will not play",
                       category="playback")
    open_case(bob, alice_asset, subject="Crop")
    client.get("/cases/queue/")
    few = queries_for(lambda: client.get("/cases/queue/"))
    for _ in range(5):
        open_case(bob, alice_asset)
    # when
    filtered = client.get("/cases/queue/?category=playback&priority=urgent").content.decode()
    # then
    assert urgent.reference in filtered and "Crop" not in filtered
    assert queries_for(lambda: client.get("/cases/queue/")) == few


def test_the_queue_shows_overdue_cases(bob, alice_asset, support, open_case, client_for):
    # given
    late = open_case(bob, alice_asset, subject="Late one")
    open_case(bob, alice_asset, subject="Punctual one")
    Case.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
    # when
    page = client_for(support).get("/cases/queue/?overdue=true").content.decode()
    # then
    assert "Late one" in page and "Punctual one" not in page and "(overdue)" in page


def test_the_queue_hides_resolved_cases_until_asked(bob_case, support, client_for):
    # given
    services.case_close(case=bob_case, actor=support)
    client = client_for(support)
    # then
    assert bob_case.reference not in client.get("/cases/queue/").content.decode()
    assert bob_case.reference in client.get("/cases/queue/?status=closed").content.decode()


def test_staff_bulk_assign_from_the_queue(bob, alice_asset, support, open_case, client_for):
    # given
    cases = [open_case(bob, alice_asset) for _ in range(2)]
    # when
    response = client_for(support).post("/cases/queue/bulk/", {
        "action": "assign", "assignee": support.pk, "cases": [c.pk for c in cases],
        "next": "/cases/queue/?priority=normal"})
    # then
    assert response["Location"] == "/cases/queue/?priority=normal"
    assert set(Case.objects.values_list("assignee", flat=True)) == {support.pk}


def test_the_bulk_form_does_not_redirect_off_site(bob_case, support, client_for):
    response = client_for(support).post("/cases/queue/bulk/", {
        "action": "close", "cases": [bob_case.pk], "next": "https://evil.example/"})
    assert response["Location"] == "/cases/queue/"


@pytest.mark.parametrize("path,data", [
    ("assign/", {"assignee": ""}), ("status/", {"status": "in_progress"}),
    ("priority/", {"priority": "low"}),
    ("resolve/", {"resolution_kind": "link", "link": "https://x.example", "note": "n"}),
])
def test_partners_cannot_use_staff_actions(bob_case, alice, client_for, path, data):
    # when
    response = client_for(alice).post(f"/cases/{bob_case.reference}/{path}", data)
    # then
    assert response.status_code == 403
    assert Case.objects.get().status == "new"


def test_support_assigns_notes_and_resolves_from_the_case_page(bob_case, support, alice_asset,
                                                               client_for):
    # given
    client = client_for(support)
    url = f"/cases/{bob_case.reference}/"
    corrected = f.AssetVersionFactory(asset=alice_asset)
    # when
    client.post(url + "assign/", {"assignee": support.pk})
    client.post(url + "reply/", {"body": "Check with the studio", "internal": "on"})
    client.post(url + "priority/", {"priority": "high"})
    picker = client.get(url + "?q=Trailblazer").content.decode()
    client.post(url + "resolve/", {"resolution_kind": "version", "version": corrected.pk,
                                   "note": "This year's box."})
    # then
    case = Case.objects.get()
    assert f'value="version:{corrected.pk}"' in picker  # one radio group: kind:pk
    assert (case.assignee, case.priority, case.status) == (support, "high", "resolved")
    assert case.resolution_version == corrected
    assert case.messages.filter(kind="internal").count() == 1


def test_a_refused_action_is_explained_on_the_page(bob_case, support, client_for):
    # when
    response = client_for(support).post(
        f"/cases/{bob_case.reference}/resolve/",
        {"resolution_kind": "version", "note": "n"}, follow=True)
    # then
    assert "Choose the corrected version." in response.content.decode()
    assert Case.objects.get().status == "new"


def test_bob_sees_the_resolution_with_a_download_link(bob_case, bob, support, alice_asset,
                                                      client_for):
    # given
    corrected = f.AssetVersionFactory(asset=alice_asset)
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=corrected, note="Replaced.")
    # when
    page = client_for(bob).get(f"/cases/{bob_case.reference}/").content.decode()
    # then
    assert corrected.label in page
    assert f'href="/assets/{alice_asset.pk}/download/original/"' in page
    assert "Reopen case" in page

"""Support's daily tools: "Assign to me", a queue search that finds a case by its number or
its opener, one radio group to resolve with, the resolution shown once, and the partner's
"This fixed it"."""

import pytest

from audit.models import Event
from cases import services
from cases.models import Case
from tests import factories as f


def test_assign_to_me_takes_the_case_and_is_audited(bob_case, support, client_for):
    # when
    response = client_for(support).post(f"/cases/{bob_case.reference}/take/")
    # then
    assert response.status_code == 302
    assert Case.objects.get().assignee == support
    event = Event.objects.get(action="case.assigned")
    assert (event.actor_user_id, event.payload["to"]) == (support.pk, support.pk)


def test_the_case_page_offers_assign_to_me_until_the_case_is_mine(bob_case, support,
                                                                   client_for):
    client = client_for(support)
    url = f"/cases/{bob_case.reference}/"
    assert "Assign to me" in client.get(url).content.decode()
    client.post(url + "take/")
    assert "Assign to me" not in client.get(url).content.decode()


def test_the_queue_offers_assign_to_me_on_unassigned_cases(bob_case, support, client_for):
    page = client_for(support).get("/cases/queue/").content.decode()
    assert f'formaction="/cases/{bob_case.reference}/take/"' in page


def test_partners_cannot_take_a_case(bob_case, alice, client_for):
    assert client_for(alice).post(f"/cases/{bob_case.reference}/take/").status_code == 403
    assert Case.objects.get().assignee is None


@pytest.fixture
def three_cases(bob, charlie, alice_asset, open_case):
    f.PublicationFactory(community=charlie.memberships.get().community, asset=alice_asset)
    first = open_case(bob, alice_asset, subject="Box photo")
    second = open_case(charlie, alice_asset, subject="Banner crop")
    third = open_case(bob, alice_asset, subject="Label text")
    return first, second, third


def _found(client, query):
    page = client.get("/cases/queue/", {"q": query}).content.decode()
    return {ref for ref in Case.objects.values_list("reference", flat=True) if ref in page}


@pytest.mark.parametrize("query", ["2", "#2", "00002", "case-00002", "# 2"])
def test_queue_search_finds_a_case_by_its_number(three_cases, support, client_for, query):
    # when
    found = _found(client_for(support), query)
    # then
    assert found == {three_cases[1].reference}


def test_queue_search_finds_a_case_by_its_full_reference(three_cases, support, client_for):
    assert _found(client_for(support), three_cases[2].reference.lower()) == {
        three_cases[2].reference}


@pytest.mark.parametrize("query", ["Charlie", "charlie chen", "Chen", "sakura-trading.example"])
def test_queue_search_finds_cases_by_their_opener(three_cases, support, client_for, query):
    assert _found(client_for(support), query) == {three_cases[1].reference}


def test_queue_search_still_finds_subjects(three_cases, support, client_for):
    assert _found(client_for(support), "label") == {three_cases[2].reference}


def test_the_resolve_form_has_one_radio_group(bob_case, support, alice_asset, client_for):
    # given
    f.AssetVersionFactory(asset=alice_asset)
    # when
    page = client_for(support).get(f"/cases/{bob_case.reference}/?q=Trailblazer").content
    # then
    import re

    names = set(re.findall(r'type="radio" name="([^"]+)"', page.decode()))
    assert names == {"resolution"}


def test_support_resolves_with_a_version_chosen_in_the_one_group(bob_case, support,
                                                                alice_asset, client_for):
    corrected = f.AssetVersionFactory(asset=alice_asset)
    client_for(support).post(f"/cases/{bob_case.reference}/resolve/", {
        "resolution": f"version:{corrected.pk}", "note": "This year's box."})
    case = Case.objects.get()
    assert (case.status, case.resolution_kind, case.resolution_version) == (
        "resolved", "version", corrected)


def test_support_resolves_with_a_link_chosen_in_the_one_group(bob_case, support, client_for):
    client_for(support).post(f"/cases/{bob_case.reference}/resolve/", {
        "resolution": "link", "link": "https://brand.example/box.pdf", "note": "Here."})
    case = Case.objects.get()
    assert (case.resolution_kind, case.resolution_link) == ("link",
                                                            "https://brand.example/box.pdf")


def test_resolving_without_a_choice_is_explained(bob_case, support, client_for):
    response = client_for(support).post(f"/cases/{bob_case.reference}/resolve/",
                                        {"note": "n"}, follow=True)
    assert "Choose how the case is resolved" in response.content.decode()
    assert Case.objects.get().status == "new"


@pytest.fixture
def resolved_case(bob_case, support):
    return services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                                 link="https://brand.example/fixed.jpg",
                                 note="The **corrected** photo is here.")


def test_a_resolved_case_shows_its_resolution_once(resolved_case, bob, client_for):
    page = client_for(bob).get(f"/cases/{resolved_case.reference}/").content.decode()
    assert page.count("<strong>corrected</strong>") == 1
    assert "the resolution and its note are shown above" in page


def test_bob_says_this_fixed_it(resolved_case, bob, support, client_for, mailoutbox,
                                django_capture_on_commit_callbacks):
    # given
    client = client_for(bob)
    url = f"/cases/{resolved_case.reference}/"
    assert "This fixed it" in client.get(url).content.decode()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "fixed/")
        client.post(url + "fixed/")  # a second click changes nothing
    # then
    case = Case.objects.get()
    assert (case.status, case.fixed_confirmed_by) == ("resolved", bob)
    assert Event.objects.filter(action="case.fix_confirmed").count() == 1
    assert case.messages.filter(body__contains="confirmed that the resolution fixed").count() == 1
    staff_page = client_for(support).get(url).content.decode()
    assert 'data-testid="fixed-confirmed"' in staff_page
    queue = client_for(support).get("/cases/queue/?status=resolved").content.decode()
    assert "Fixed ✓" in queue
    assert any("confirmed that the resolution fixed" in m.body for m in mailoutbox)


def test_bob_can_reopen_instead(resolved_case, bob, client_for):
    client = client_for(bob)
    url = f"/cases/{resolved_case.reference}/"
    assert "Reopen case" in client.get(url).content.decode()
    client.post(url + "reopen/")
    assert Case.objects.get().status == "in_progress"


def test_only_a_resolved_case_can_be_confirmed_and_only_by_the_partner(bob_case, bob, support,
                                                                      client_for):
    page = client_for(bob).post(f"/cases/{bob_case.reference}/fixed/", follow=True)
    assert "Only a resolved case" in page.content.decode()
    with pytest.raises(services.CaseError):
        services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                              link="https://x.example", note="n")
        services.case_confirm_fixed(case=bob_case, actor=support)
    assert Case.objects.get().fixed_confirmed_at is None


def test_reopening_clears_the_confirmation(resolved_case, bob):
    services.case_confirm_fixed(case=resolved_case, actor=bob)
    services.case_reopen(case=resolved_case, actor=bob)
    assert Case.objects.get().fixed_confirmed_at is None


def test_charlie_cannot_confirm_bob_s_case(resolved_case, charlie, client_for):
    assert client_for(charlie).post(f"/cases/{resolved_case.reference}/fixed/").status_code == 404

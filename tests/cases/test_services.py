from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import Event
from cases import services
from cases.models import Case, CaseCounter, Message
from tests import factories as f


def test_it_opens_a_case_on_the_version_the_partner_saw(bob, alpine, eu_retailers, alice_asset,
                                                        open_case):
    # when
    case = open_case(bob, alice_asset)
    # then
    assert case.reference == f"CASE-{timezone.now().year}-00001"
    assert case.partner == alpine and case.community == eu_retailers
    assert case.asset_version == alice_asset.current_version
    assert case.status == Case.Status.NEW
    assert case.sla_due_at == case.created_at + timedelta(hours=72)
    assert list(case.messages.values_list("kind", "body")) == [
        ("reply", "The photo shows last year's box.")]


def test_references_count_up_within_a_year(bob, alice_asset, open_case):
    # given
    CaseCounter.objects.create(year=timezone.now().year, last=41)
    # when
    first, second = open_case(bob, alice_asset), open_case(bob, alice_asset)
    # then
    year = timezone.now().year
    assert (first.reference, second.reference) == (f"CASE-{year}-00042", f"CASE-{year}-00043")


def test_a_partner_cannot_open_a_case_on_an_asset_they_cannot_see(bob, charlie_asset,
                                                                   open_case):
    # when / then
    with pytest.raises(services.CaseNotFound):
        open_case(bob, charlie_asset)
    assert not Case.objects.exists()


def test_a_partner_cannot_open_a_case_on_an_unapproved_asset(bob, eu_retailers, open_case):
    # given
    pending = f.AssetFactory(approval_state="pending")
    f.PublicationFactory(community=eu_retailers, asset=pending)
    # when / then
    with pytest.raises(services.CaseNotFound):
        open_case(bob, pending)


def test_staff_without_a_membership_cannot_open_a_case(support, alice_asset, open_case):
    with pytest.raises(services.CaseError, match="partner organisation"):
        open_case(support, alice_asset)


def test_opening_is_audited(bob, alice_asset, open_case):
    # when
    case = open_case(bob, alice_asset)
    # then
    event = Event.objects.get(action="case.opened")
    assert event.actor_user_id == bob.pk and event.target_id == str(case.pk)
    assert event.partner_id == case.partner_id and event.asset_id == alice_asset.pk


def test_support_reply_starts_a_new_case_and_is_audited(bob_case, support):
    # when
    services.case_reply(case=bob_case, author=support, body="Looking into it.")
    # then
    bob_case.refresh_from_db()
    assert bob_case.status == Case.Status.IN_PROGRESS
    assert list(Event.objects.filter(target_id=str(bob_case.pk)).order_by("sequence")
                .values_list("action", flat=True)) == [
        "case.opened", "case.replied", "case.status_changed"]
    assert bob_case.messages.filter(kind="system", body__contains="to In progress").exists()


def test_a_partner_reply_hands_a_waiting_case_back(bob_case, bob, support):
    # given
    services.case_set_status(case=bob_case, actor=support, status="waiting_on_partner")
    # when
    services.case_reply(case=bob_case, author=bob, body="Here is the photo.")
    # then
    bob_case.refresh_from_db()
    assert bob_case.status == Case.Status.IN_PROGRESS


def test_partners_cannot_write_internal_notes(bob_case, bob):
    with pytest.raises(services.CaseError, match="internal"):
        services.case_reply(case=bob_case, author=bob, body="psst", internal=True)


def test_charlie_cannot_reply_to_bobs_case(bob_case, charlie):
    with pytest.raises(services.CaseNotFound):
        services.case_reply(case=bob_case, author=charlie, body="hello")


def test_a_reply_cannot_reference_an_asset_the_author_cannot_see(bob_case, bob, charlie_asset):
    with pytest.raises(services.CaseNotFound):
        services.case_reply(case=bob_case, author=bob, body="see this",
                            referenced_assets=[charlie_asset.pk])


def test_invalid_transitions_are_refused(bob_case, support):
    # given
    services.case_close(case=bob_case, actor=support)
    # when / then
    with pytest.raises(services.CaseError, match="cannot move from closed"):
        services.case_set_status(case=bob_case, actor=support, status="waiting_on_partner")


def test_partners_cannot_change_status_directly(bob_case, alice):
    with pytest.raises(services.CaseError, match="support staff"):
        services.case_set_status(case=bob_case, actor=alice, status="in_progress")


def test_resolving_with_a_corrected_version(bob_case, support, alice_asset):
    # given
    corrected = f.AssetVersionFactory(asset=alice_asset)
    # when
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=corrected, note="Replaced with this year's box.")
    # then
    bob_case.refresh_from_db()
    assert bob_case.status == Case.Status.RESOLVED and bob_case.resolved_at
    assert bob_case.resolution_version == corrected
    assert bob_case.resolution_asset == alice_asset
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"case.resolved", "case.status_changed"} <= actions


def test_a_resolution_must_be_visible_to_the_opener(bob_case, support, charlie_asset):
    with pytest.raises(services.CaseNotFound):
        services.case_resolve(case=bob_case, actor=support, resolution_kind="replacement",
                              replacement_asset=charlie_asset, note="Use this")


def test_a_link_resolution_needs_an_http_link(bob_case, support):
    with pytest.raises(services.CaseError, match="link"):
        services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                              link="javascript:alert(1)", note="Here")


def test_a_case_reopens_within_the_window(bob_case, bob, support, settings):
    # given
    settings.CASE_REOPEN_WINDOW_DAYS = 14
    services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                          link="https://cdn.example/box.jpg", note="Here")
    # when
    services.case_reopen(case=bob_case, actor=bob)
    # then
    bob_case.refresh_from_db()
    assert bob_case.status == Case.Status.IN_PROGRESS and bob_case.resolved_at is None


def test_a_case_cannot_reopen_after_the_window(bob_case, bob, support, settings):
    # given
    settings.CASE_REOPEN_WINDOW_DAYS = 14
    services.case_resolve(case=bob_case, actor=support, resolution_kind="link",
                          link="https://cdn.example/box.jpg", note="Here")
    Case.objects.filter(pk=bob_case.pk).update(
        resolved_at=timezone.now() - timedelta(days=15))
    # when / then
    with pytest.raises(services.CaseError, match="no longer be reopened"):
        services.case_reopen(case=bob_case, actor=bob)


def test_bulk_actions_assign_and_close_each_case_with_an_audit_event(bob, alice_asset, support,
                                                                     open_case):
    # given
    cases = [open_case(bob, alice_asset) for _ in range(3)]
    # when
    services.case_bulk_update(actor=support, cases=cases, action="assign", assignee=support)
    services.case_bulk_update(actor=support, cases=cases, action="close")
    # then
    assert set(Case.objects.values_list("status", "assignee")) == {("closed", support.pk)}
    assert Event.objects.filter(action="case.assigned").count() == 3
    assert Event.objects.filter(action="case.status_changed").count() == 3


def test_bulk_priority_moves_the_sla(bob_case, support):
    # when
    services.case_bulk_update(actor=support, cases=[bob_case], action="priority",
                              priority="urgent")
    # then
    bob_case.refresh_from_db()
    assert bob_case.sla_due_at == bob_case.created_at + timedelta(hours=4)


def test_only_staff_can_be_assigned(bob_case, support, alice):
    with pytest.raises(services.CaseError, match="support staff"):
        services.case_assign(case=bob_case, actor=support, assignee=alice)


def test_the_thread_hides_internal_notes_from_partners(bob_case, bob, support):
    # given
    services.case_reply(case=bob_case, author=support, body="Vendor is slow", internal=True)
    # then
    assert not Message.objects.visible_to(bob).filter(kind="internal").exists()
    assert Message.objects.visible_to(support).filter(kind="internal").count() == 1

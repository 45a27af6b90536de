"""Approval in the admin: the content team decides, the audit records it, Cloudinary follows."""

import cloudinary.api
import pytest
from django.core.exceptions import PermissionDenied

from assets import services
from assets.models import ApprovalState, Asset
from assets.sync import sync_full
from audit.models import Event

CHANGELIST = "/admin/assets/asset/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_assets(cloudinary_emulator):
    """Three assets mirrored from the emulator, pending (Cloudinary has not moderated them)."""
    cloudinary_emulator.seed_bulk(3, moderation=False)
    sync_full()
    assets = list(Asset.objects.order_by("public_id"))
    assert {a.approval_state for a in assets} == {ApprovalState.PENDING}
    return assets


def test_approving_in_the_admin_changes_the_catalog_audits_and_reaches_cloudinary(
        pending_assets, content, client_for, django_capture_on_commit_callbacks):
    # given
    asset = pending_assets[0]
    client = client_for(content)
    selection = {"action": "approve_selected", "_selected_action": [asset.pk]}
    # when: the action first asks for confirmation and an optional reason
    confirmation = client.post(CHANGELIST, selection)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(CHANGELIST, {**selection, "confirm": "yes",
                                        "reason": "Matches the spec sheet"})
    # then
    assert confirmation.status_code == 200
    assert b"Reason (optional" in confirmation.content
    assert done.status_code == 302
    asset.refresh_from_db()
    assert asset.approval_state == ApprovalState.APPROVED
    assert (asset.approval_by, asset.approval_reason) == (content, "Matches the spec sheet")
    assert asset.moderation_push_pending is False
    event = Event.objects.get(action="asset.approved")
    assert (event.actor_user_id, event.asset_id, event.asset_version) == (
        content.pk, asset.pk, asset.version)
    assert event.payload["reason"] == "Matches the spec sheet"
    assert cloudinary.api.resource(asset.public_id)["moderation_status"] == "approved"


def test_rejecting_many_at_once_is_one_decision_per_asset(pending_assets, content, client_for,
                                                         django_capture_on_commit_callbacks):
    # given
    client = client_for(content)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "reject_selected", "confirm": "yes",
                                 "_selected_action": [a.pk for a in pending_assets]})
    # then
    assert set(Asset.objects.values_list("approval_state", flat=True)) == {"rejected"}
    assert Event.objects.filter(action="asset.rejected").count() == 3
    for asset in pending_assets:
        assert cloudinary.api.resource(asset.public_id)["moderation_status"] == "rejected"


def test_staff_outside_the_content_team_do_not_see_the_actions(pending_assets, support,
                                                              client_for):
    # given
    support.is_staff = True
    support.save()
    client = client_for(support)
    # when
    page = client.get(CHANGELIST)
    forced = client.post(CHANGELIST, {"action": "approve_selected", "confirm": "yes",
                                      "_selected_action": [pending_assets[0].pk]})
    # then
    assert b"approve_selected" not in page.content
    assert forced.status_code in (200, 302, 403)
    assert not Asset.objects.filter(approval_state=ApprovalState.APPROVED).exists()
    assert not Event.objects.filter(action="asset.approved").exists()


def test_the_service_refuses_anyone_outside_the_content_team(pending_assets, support, alice):
    for user in (support, alice):
        with pytest.raises(PermissionDenied):
            services.asset_set_approval(assets=pending_assets, state="approved", actor=user)
    assert not Event.objects.filter(action="asset.approved").exists()


def test_deciding_twice_the_same_way_records_once(pending_assets, content):
    services.asset_set_approval(assets=pending_assets[:1], state="approved", actor=content)
    again = services.asset_set_approval(assets=pending_assets[:1], state="approved",
                                        actor=content)
    assert again == []
    assert Event.objects.filter(action="asset.approved").count() == 1


def test_a_failed_push_stays_pending_and_lands_on_retry(pending_assets, content, no_waiting,
                                                       cloudinary_emulator):
    # given: Cloudinary is down when the decision is made
    from assets.tasks import push_moderation

    asset = pending_assets[0]
    services.asset_set_approval(assets=[asset], state="approved", actor=content)
    cloudinary_emulator.faults.fail_rate = 1.0
    with pytest.raises(Exception):
        push_moderation.apply(args=[asset.pk], throw=True, retries=12)
    asset.refresh_from_db()
    assert asset.moderation_push_pending is True
    # when: it is back
    cloudinary_emulator.faults.fail_rate = 0.0
    push_moderation.apply(args=[asset.pk], throw=True)
    # then
    asset.refresh_from_db()
    assert asset.moderation_push_pending is False
    assert cloudinary.api.resource(asset.public_id)["moderation_status"] == "approved"


def test_the_sync_page_lists_runs_and_offers_a_full_sync_to_the_content_team(
        pending_assets, content, client_for):
    page = client_for(content).get("/admin/assets/syncrun/")
    assert page.status_code == 200
    assert b"Start full sync" in page.content
    assert b"Succeeded" in page.content

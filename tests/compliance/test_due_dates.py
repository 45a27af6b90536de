"""The reviewer sets the acknowledgement due date of one approval in the admin review form."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from audit.models import Event
from compliance.models import Acknowledgement, ApprovalDueDate
from tests import factories as f
from tests.compliance.conftest import cloudinary_release


def _pending_version(asset):
    asset = Asset.objects.get(pk=asset.pk)
    version = f.AssetVersionFactory(asset=asset, version=asset.version + 1, number=2,
                                    review_state="pending", etag="e2")
    Asset.objects.filter(pk=asset.pk).update(version=version.version, current_version=version)
    return version


def _approve(http, version, due_on, callbacks):
    answer = {"public_id": f"partner-portal/releases/{version.asset.asset_id}/2-copy",
              "version": version.version, "etag": "e2"}
    url = reverse("admin:assets_asset_review", args=[version.asset_id, version.pk])
    with cloudinary_release(answer), callbacks(execute=True):
        return http.post(url, {"decision": "approve", "ack_due_on": due_on})

def test_the_due_date_chosen_in_the_review_form_is_the_requests_due_date(
        bob, alice, content, packaging, presets, download, client_for,
        django_capture_on_commit_callbacks):
    # given: bob downloaded v1; v2 waits for review
    download(bob, packaging)
    version = _pending_version(packaging)
    due_on = timezone.localdate() + timedelta(days=3)
    # when: the reviewer approves with a due date three days out
    response = _approve(client_for(content), version, due_on.isoformat(),
                        django_capture_on_commit_callbacks)
    # then
    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert timezone.localtime(ack.due_at).date() == due_on
    assert Event.objects.filter(action="asset.acknowledgement_due_set").count() == 1


def test_a_due_date_in_the_past_approves_nothing_and_says_why(
        bob, content, packaging, presets, client_for, django_capture_on_commit_callbacks):
    # given
    version = _pending_version(packaging)
    # when
    response = _approve(client_for(content), version,
                        (timezone.localdate() - timedelta(days=1)).isoformat(),
                        django_capture_on_commit_callbacks)
    # then: still pending, no due date, and the page says what to choose
    version.refresh_from_db()
    assert version.review_state == "pending" and not ApprovalDueDate.objects.exists()
    page = client_for(content).get(response.url).content.decode()
    assert "Choose a due date between tomorrow and" in page

"""Reverting a community to the global preset (issue #15), through the real SDK against the
emulator over HTTP: EU Retailers' own Mobile 640 (q_auto/f_auto) is removed from the case;
bob then gets exactly what charlie gets, the override's derivatives are deleted and purged
from the CDN, its named transformation is gone, and it is audited with before/after."""

import io

import cloudinary.api
import cloudinary.exceptions
import pytest
from django.urls import reverse
from PIL import Image

from audit.models import Event
from cases.models import Case, RenderingFix
from cases.rendering_presets import rendering_fix_preset, rendering_revert_override
from cases.services import CaseError
from communities.models import PresetOverride
from emulators.cloudinary import rendering as emulated
from notifications.models import Notice
from tests.cases import test_rendering_preset_fix as preset_fix
from tests.cases.rendering_fixtures import MOBILE_CROP

product = preset_fix.product  # the fixture: the product shot, Mobile 640 synced
_download, _slow_loading = preset_fix._download, preset_fix._slow_loading

pytestmark = pytest.mark.django_db


@pytest.fixture
def overridden(product, bob, alice, charlie, support, client_for,
               django_capture_on_commit_callbacks):
    """EU Retailers got their own Mobile 640 from bob's case; bob and alice downloaded it
    through the override, charlie (Japan Resellers) the preset's own."""
    case = _slow_loading(bob, product)
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_preset(case=case, actor=support, scope="community", quality="auto",
                             fmt="auto")
    _download(client_for(bob), product)
    _download(client_for(alice), product)
    _download(client_for(charlie), product)
    return case


def test_support_reverts_eu_retailers_to_the_global_preset_from_the_case(
        overridden, product, bob, alice, charlie, support, eu_retailers, client_for,
        protected_cloud, django_capture_on_commit_callbacks):
    name = f"portal_mobile_640__c{eu_retailers.pk}"
    bob_url, bob_before = _download(client_for(bob), product)
    assert f"/t_{name}/" in bob_url
    charlie_url, charlie_bytes = _download(client_for(charlie), product)
    staff = client_for(support)
    page = staff.get(reverse("cases:detail", args=[overridden.reference])).content.decode()
    assert "Revert to the global preset for EU Retailers" in page
    seen = len(emulated.state(protected_cloud.store).invalidations)

    # when: support reverts EU Retailers from the (resolved) case page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("cases:rendering_revert", args=[overridden.reference]),
                              {"note": "Back to the brand standard."})
    assert response.status_code == 302

    # then: the override and its named transformation are gone
    assert not PresetOverride.objects.exists()
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.transformation(name)
    derived = cloudinary.api.resource(product.release_public_id, type="authenticated")["derived"]
    assert f"t_{name}" not in {d["transformation"] for d in derived}

    # bob now gets exactly the global preset's derivative, the one charlie gets
    new_url, bob_after = _download(client_for(bob), product)
    assert "/t_portal_mobile_640/" in new_url and f"t_{name}" not in new_url
    assert bob_after == charlie_bytes
    assert Image.open(io.BytesIO(bob_after)).size == (640, 800)
    assert Image.open(io.BytesIO(bob_after)).format == "JPEG"
    assert _download(client_for(charlie), product)[1] == charlie_bytes

    # invalidation was requested for exactly the override's derivative of this copy: each
    # CDN URL it was cached under (the download link's fl_attachment one and the preview's)
    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert {(r["public_id"], r["transformation"], r["format"], r["reason"])
            for r in records} == {
        (product.release_public_id, f"t_{name}", "webp", "delete_derived")}
    assert all(r["path"] and f"/t_{name}/" in r["path"] for r in records)

    # audited with before/after, on the asset and on the preset
    event = Event.objects.filter(action="preset.rendering_updated").latest("pk")
    payload = event.payload
    assert payload["change"] == "override_removed" and event.community_id == eu_retailers.pk
    assert event.actor_user_id == support.pk
    assert payload["before"]["transformation"] == f"{MOBILE_CROP},q_auto,f_auto"
    assert payload["before"]["named_transformation"] == name
    assert payload["after"]["transformation"] == MOBILE_CROP
    assert payload["after"]["named_transformation"] == "portal_mobile_640"
    assert payload["before"]["derivative"]["format"] == "webp"
    assert payload["after"]["derivative"]["bytes"] == len(charlie_bytes)
    assert payload["invalidated"] == [product.release_public_id]
    assert Event.objects.filter(action="asset.rendering_updated").latest("pk").payload == \
        payload

    # the case shows the fix with before/after; bob and alice are told, charlie is not
    fix = RenderingFix.objects.get(kind=RenderingFix.Kind.OVERRIDE_REMOVED)
    assert (fix.before_format, fix.after_format) == ("webp", "jpg")
    assert fix.after_bytes == len(charlie_bytes) and fix.community == eu_retailers
    key = f"rendering-revert:{event.pk}:{product.pk}"
    assert Notice.objects.filter(user=bob, key=key).count() == 1
    assert Notice.objects.filter(user=alice, key=key).count() == 1
    assert not Notice.objects.filter(user=charlie, key__startswith="rendering-revert:").exists()
    page = client_for(bob).get(reverse("cases:detail", args=[overridden.reference]))
    html = page.content.decode()
    assert "Fixed by: community override removed" in html and "back to the global preset" in html
    assert "Revert to the global preset" not in html  # staff only
    page = staff.get(reverse("cases:detail", args=[overridden.reference])).content.decode()
    assert "Revert to the global preset for" not in page  # nothing left to revert


def test_an_open_case_resolves_with_the_revert(
        overridden, product, bob, support, eu_retailers, django_capture_on_commit_callbacks):
    from cases.rendering import rendering_report_open

    case = rendering_report_open(opener=bob, asset=product, preset_slug="mobile-640",
                                 problem="wrong_colours", body="Colours are off.")
    with django_capture_on_commit_callbacks(execute=True):
        rendering_revert_override(case=case, actor=support)

    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert "Fixed by: community override removed" in case.resolution_note
    assert not Notice.objects.filter(user=bob, key__startswith="rendering-revert:").exists()


def test_nothing_to_revert_and_only_staff(overridden, product, bob, support,
                                          django_capture_on_commit_callbacks):
    from cases.services import CaseNotFound

    with pytest.raises(CaseNotFound):
        rendering_revert_override(case=overridden, actor=bob)
    with django_capture_on_commit_callbacks(execute=True):
        rendering_revert_override(case=overridden, actor=support)
    with pytest.raises(CaseError, match="global preset already"):
        rendering_revert_override(case=overridden, actor=support)
    assert RenderingFix.objects.filter(kind="override_removed").count() == 1


def test_a_revert_cloudinary_refuses_records_nothing_and_can_be_retried(
        overridden, product, support, eu_retailers, protected_cloud,
        django_capture_on_commit_callbacks):
    # before measured, derived listed; deleting the derivatives is refused
    protected_cloud.faults._scripted.extend([None, None, 400])

    with pytest.raises(CaseError, match="Cloudinary did not take the change"):
        rendering_revert_override(case=overridden, actor=support)

    assert PresetOverride.objects.filter(community=eu_retailers).exists()
    assert not RenderingFix.objects.filter(kind="override_removed").exists()
    with django_capture_on_commit_callbacks(execute=True):
        rendering_revert_override(case=overridden, actor=support)
    assert not PresetOverride.objects.exists()


def test_the_content_team_reverts_an_override_in_the_admin(
        overridden, product, bob, alice, charlie, content, eu_retailers, client,
        client_for, protected_cloud, django_capture_on_commit_callbacks):
    name = f"portal_mobile_640__c{eu_retailers.pk}"
    override = PresetOverride.objects.get()
    seen = len(emulated.state(protected_cloud.store).invalidations)
    client.force_login(content)
    assert client.get("/admin/communities/presetoverride/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/communities/presetoverride/", {
            "action": "revert_to_global", "_selected_action": [override.pk]}, follow=True)

    assert "EU Retailers gets the global" in response.content.decode()
    assert not PresetOverride.objects.exists()
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.transformation(name)
    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert {(r["public_id"], r["transformation"]) for r in records} == {
        (product.release_public_id, f"t_{name}")}
    event = Event.objects.filter(action="preset.rendering_updated").latest("pk")
    assert event.payload["change"] == "override_removed" and event.actor_user_id == content.pk
    assert event.payload["before"]["transformation"] == f"{MOBILE_CROP},q_auto,f_auto"
    assert event.payload["after"]["transformation"] == MOBILE_CROP
    key = f"rendering-revert:{event.pk}:{product.pk}"
    assert set(Notice.objects.filter(key=key).values_list("user_id", flat=True)) == {
        bob.pk, alice.pk}
    assert _download(client_for(bob), product)[1] == _download(client_for(charlie), product)[1]

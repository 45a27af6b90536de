"""The preset-change fix of a rendering case, through the real SDK against the emulator
(issue #15): "slow loading" → support switches Mobile 640 to q_auto/f_auto for EU Retailers
only; bob's derivative shrinks, charlie's (Japan Resellers) is byte for byte the same."""

import io
import re

import cloudinary.api
import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets.models import DownloadPreset
from assets.preset_changes import changed_transformation
from assets.presets import preset_sync_transformation
from assets.rendering import RenderingError
from audit.models import Event
from cases.models import Case, RenderingFix
from cases.rendering import rendering_report_open
from cases.rendering_presets import rendering_fix_preset
from cases.rendering_selectors import fixes_by_kind
from cases.services import CaseError
from communities.models import PresetOverride
from emulators.cloudinary import rendering as emulated
from notifications.models import Notice
from tests import factories as f
from tests.cases.rendering_fixtures import MOBILE_CROP, mirrored_product

pytestmark = pytest.mark.django_db
BROWSER = "image/avif,image/webp,image/apng,*/*;q=0.8"  # what Chrome sends for images


@pytest.fixture
def product(protected_cloud, eu_retailers, jp_resellers, content,
            django_capture_on_commit_callbacks):
    """The product shot, seen by EU Retailers and Japan Resellers, with Mobile 640 delivered
    through its named transformation."""
    asset = mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)
    f.PublicationFactory(community=jp_resellers, asset=asset)
    preset = DownloadPreset.objects.get(slug="mobile-640")
    assert preset_sync_transformation(preset_id=preset.pk) in ("created", "updated")
    return asset


def _download(client, asset, preset="mobile-640"):
    response = client.get(reverse("assets:download", args=[asset.pk, preset]))
    assert response.status_code == 302, response.status_code
    answer = requests.get(response["Location"], headers={"Accept": BROWSER}, timeout=10)
    assert answer.status_code == 200, answer.headers.get("X-Cld-Error")
    return response["Location"], answer.content


def _derived_bytes(asset) -> int:
    derived = {d["transformation"]: d for d in cloudinary.api.resource(
        asset.release_public_id, type="authenticated")["derived"]}
    return derived["t_portal_mobile_640"]["bytes"]


def _slow_loading(bob, product):
    return rendering_report_open(
        opener=bob, asset=product, preset_slug="mobile-640", problem="slow_loading",
        body="Mobile 640 takes ages on our product pages.", device_class="mobile",
        viewport_width=390, viewport_height=844)


def test_slow_loading_is_fixed_with_q_auto_f_auto_for_eu_retailers_only(
        product, bob, alice, charlie, support, eu_retailers, client_for, protected_cloud,
        django_capture_on_commit_callbacks, capsys):
    # given: bob, alice (EU Retailers) and charlie (Japan Resellers) downloaded Mobile 640
    bob_url, bob_before = _download(client_for(bob), product)
    _download(client_for(alice), product)
    charlie_url, charlie_before = _download(client_for(charlie), product)
    assert "/t_portal_mobile_640/" in bob_url and "/t_portal_mobile_640/" in charlie_url
    case = _slow_loading(bob, product)
    seen = len(emulated.state(protected_cloud.store).invalidations)

    # when: support switches the preset to q_auto/f_auto for EU Retailers only
    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_preset(case=case, actor=support, scope="community",
                                   quality="auto", fmt="auto")

    # then: Cloudinary holds a named transformation of EU Retailers' own; the preset's
    # own is unchanged
    name = f"portal_mobile_640__c{eu_retailers.pk}"
    override = PresetOverride.objects.get(community=eu_retailers)
    assert override.name == name
    assert override.transformation == f"{MOBILE_CROP},q_auto,f_auto"
    held = cloudinary.api.transformation(name)
    assert held["info"][0] == {"crop": "fill", "gravity": "auto", "width": "640",
                               "height": "800", "quality": "auto", "fetch_format": "auto"}
    assert held["allowed_for_strict"] is True
    assert "quality" not in cloudinary.api.transformation("portal_mobile_640")["info"][0]

    # bob's derivative drops in bytes (WebP at q_auto instead of a JPEG) ...
    new_url, bob_after = _download(client_for(bob), product)
    assert f"/t_{name}/" in new_url
    assert Image.open(io.BytesIO(bob_after)).format == "WEBP"
    assert Image.open(io.BytesIO(bob_after)).size == (640, 800)
    assert len(bob_after) < len(bob_before) * 0.7
    with capsys.disabled():
        print(f"\nMobile 640 for bob: {len(bob_before)} -> {len(bob_after)} bytes "
              f"({100 - 100 * len(bob_after) // len(bob_before)}% less); charlie: "
              f"{len(charlie_before)} bytes, unchanged")
    # ... and charlie's is unchanged, byte for byte, through the same URL as before
    again_url, charlie_after = _download(client_for(charlie), product)
    assert again_url.split("?")[0] == charlie_url.split("?")[0]
    assert charlie_after == charlie_before

    # the fix keeps the measured before/after (Cloudinary's own eager answers)
    fix.refresh_from_db()
    assert fix.kind == RenderingFix.Kind.PRESET_CHANGED and fix.community == eu_retailers
    assert (fix.transformation, fix.after_transformation) == (
        MOBILE_CROP, f"{MOBILE_CROP},q_auto,f_auto")
    assert (fix.before_format, fix.after_format) == ("jpg", "webp")
    assert fix.after_bytes == len(bob_after) and fix.before_bytes == len(bob_before)
    assert (fix.after_width, fix.after_height) == (640, 800)

    # invalidation was requested for exactly the affected derivative: EU Retailers' Mobile
    # 640 of this asset's copy (nothing of charlie's t_portal_mobile_640, nothing else)
    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert [(r["public_id"], r["transformation"], r["format"]) for r in records] == [
        (product.release_public_id, f"t_{name}", "jpg")]
    eager = emulated.state(protected_cloud.store).eager_regenerated
    assert (eager[-1]["public_id"], eager[-1]["transformation"]) == (
        product.release_public_id, f"t_{name}")

    # audited with before/after, on the asset and on the preset
    event = Event.objects.get(action="asset.rendering_updated")
    assert event.community_id == eu_retailers.pk and event.actor_user_id == support.pk
    assert event.payload["scope"] == "community"
    assert event.payload["before"]["transformation"] == MOBILE_CROP
    assert event.payload["after"]["transformation"] == f"{MOBILE_CROP},q_auto,f_auto"
    assert event.payload["before"]["derivative"]["bytes"] == len(bob_before)
    assert event.payload["after"]["derivative"]["bytes"] == len(bob_after)
    assert event.payload["invalidated"] == [product.release_public_id]
    assert Event.objects.get(action="preset.rendering_updated").payload == event.payload

    # the case resolves ("fixed by: preset changed"); alice is told, charlie is not
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert case.resolution_version == product.approved_version
    assert "Fixed by: preset changed" in case.resolution_note
    assert "for EU Retailers only" in case.resolution_note
    assert Notice.objects.filter(user=bob, key__startswith="case-message:").exists()
    assert Notice.objects.filter(user=alice, key=f"rendering-fix:{fix.pk}").count() == 1
    assert not Notice.objects.filter(user=charlie, key=f"rendering-fix:{fix.pk}").exists()
    # bob's download is audited as going through EU Retailers' override
    last = Event.objects.filter(action="asset.downloaded", actor_user_id=bob.pk).latest("pk")
    assert last.payload["override_community"] == eu_retailers.pk

    # the staff report counts the preset change with its saving
    [row] = [r for r in fixes_by_kind() if r["kind"] == "preset_changed"]
    assert row["fixes"] == 1 and row["saving"] == len(bob_before) - len(bob_after)


def test_a_change_for_everyone_updates_the_presets_own_named_transformation(
        product, bob, charlie, support, client_for, protected_cloud,
        django_capture_on_commit_callbacks):
    _, charlie_before = _download(client_for(charlie), product)
    case = _slow_loading(bob, product)
    seen = len(emulated.state(protected_cloud.store).invalidations)

    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_preset(case=case, actor=support, scope="everyone",
                                   quality="auto:eco")

    preset = DownloadPreset.objects.get(slug="mobile-640")
    assert preset.transformation == f"{MOBILE_CROP},q_auto:eco" and preset.delivered_through_name
    assert cloudinary.api.transformation("portal_mobile_640")["info"][0]["quality"] == "auto:eco"
    assert not PresetOverride.objects.exists()
    url, charlie_after = _download(client_for(charlie), product)
    assert "/t_portal_mobile_640/" in url and charlie_after != charlie_before
    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert {(r["public_id"], r["transformation"]) for r in records} == {
        (product.release_public_id, "t_portal_mobile_640")}
    assert fix.community is None and "for everyone" in Case.objects.get(
        pk=case.pk).resolution_note
    # the derivative facts shown on the asset page follow
    fact = preset.derivative_facts.get(version=product.approved_version)
    assert (fact.transformation, fact.bytes) == ("t_portal_mobile_640", fix.after_bytes)


def test_a_change_that_changes_nothing_is_refused_and_records_nothing(product, bob, support):
    case = _slow_loading(bob, product)

    with pytest.raises(CaseError, match="already"):
        rendering_fix_preset(case=case, actor=support, scope="community", crop="fill",
                             gravity="auto")

    assert not Event.objects.filter(action="asset.rendering_updated").exists()
    assert Case.objects.get(pk=case.pk).is_open and not RenderingFix.objects.exists()


def test_only_staff_change_a_preset(product, bob):
    from cases.services import CaseNotFound

    case = _slow_loading(bob, product)
    with pytest.raises(CaseNotFound):
        rendering_fix_preset(case=case, actor=bob, scope="everyone", quality="auto")


def test_changed_transformation_sets_crop_gravity_quality_and_format():
    assert changed_transformation("c_limit,w_640", crop="fill", gravity="auto") == \
        "c_fill,w_640,g_auto"
    assert changed_transformation("c_fill,g_auto,w_640", crop="fill") == "c_fill,g_auto,w_640"
    assert changed_transformation("c_fill,w_640,h_800/q_80", quality="auto", fmt="auto") == \
        "c_fill,w_640,h_800,q_auto,f_auto"
    assert changed_transformation("e_sharpen/c_fill,g_center,w_10", gravity="custom") == \
        "e_sharpen/c_fill,g_custom,w_10"
    with pytest.raises(RenderingError, match="cropping mode"):
        changed_transformation("c_limit,w_640", gravity="auto")
    with pytest.raises(RenderingError, match="Quality"):
        changed_transformation("c_limit,w_640", quality="101")
    with pytest.raises(RenderingError, match="crop mode"):
        changed_transformation("c_limit,w_640", crop="c_fill/e_x")


def test_support_changes_the_preset_from_the_case_page_and_bob_sees_before_and_after(
        product, bob, support, client, eu_retailers, django_capture_on_commit_callbacks):
    from cases.rendering import rendering_fix_focal_point
    from tests.cases.rendering_fixtures import PRODUCT_BOX

    client.force_login(bob)
    case = _slow_loading(bob, product)
    client.force_login(support)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Change the preset" in page and "Only EU Retailers" in page
    url = reverse("cases:rendering_preset", args=[case.reference])

    # bad input: a clear error, nothing changed
    refused = client.post(url, {"scope": "somebody", "quality": "auto"}, follow=True)
    assert "Choose who the change is for" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).is_open

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"scope": "community", "quality": "auto",
                                     "format": "auto"})
    assert response.status_code == 302
    fix = RenderingFix.objects.get()

    client.force_login(bob)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Fixed by: preset changed" in page and "for EU Retailers only" in page
    assert f"{round(100 * fix.byte_saving / fix.before_bytes)}% smaller" in page
    for role in ("before-preview", "after-preview"):
        src = re.search(rf'<img src="([^"]+)"[^>]*data-role="{role}"', page).group(1)
        assert requests.get(src.replace("&amp;", "&"), timeout=10).status_code == 200
    assert "Change the preset" not in page  # staff only

    # the staff report lists both kinds of fix, each with its average saving
    other = rendering_report_open(opener=bob, asset=product, preset_slug="mobile-640",
                                  problem="bad_crop", body="Crop.")
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_focal_point(case=other, actor=support, box=PRODUCT_BOX)
    client.force_login(support)
    html = client.get(reverse("cases:rendering_fixes")).content.decode()
    assert "Preset changed" in html and "Focal point moved" in html
    assert f"{fix.byte_saving / 1024:+.1f} KB" in html
    assert "Preset changed (EU Retailers only: <code>c_fill,g_auto,w_640,h_800,q_auto,f_auto" \
        in html


def test_eu_retailers_get_their_override_in_zips_and_no_stale_facts_in_the_api(
        product, bob, charlie, support, client_for, eu_retailers,
        django_capture_on_commit_callbacks):
    from urllib.parse import unquote

    case = _slow_loading(bob, product)
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_preset(case=case, actor=support, scope="community", quality="auto",
                             fmt="auto")
    name = f"portal_mobile_640__c{eu_retailers.pk}"

    def zip_location(user):
        answer = client_for(user).post(reverse("assets:download_zip"),
                                       {"asset": [product.pk], "preset": "mobile-640"})
        assert answer.status_code == 302
        return unquote(answer["Location"])

    # each ZIP holds a copy made through its community's rendering (assets.zip_copies):
    # bob's through EU retailers' named override, charlie's through the global preset
    bob_zip, charlie_zip = zip_location(bob), zip_location(charlie)
    product.approved_version.refresh_from_db()
    copies = {c["public_id"]: c for c in product.approved_version.zip_copies.values()}
    bob_copy = next(c for pid, c in copies.items() if pid in bob_zip)
    charlie_copy = next(c for pid, c in copies.items() if pid in charlie_zip)
    assert bob_copy["public_id"] != charlie_copy["public_id"]
    assert bob_copy["rendering"].endswith(f"|{name}")
    assert charlie_copy["rendering"].endswith("|portal_mobile_640")
    assert bob_copy["public_id"] not in charlie_zip and charlie_copy["public_id"] not in bob_zip
    zip_location(bob)  # asked again: bob's copy is reused, charlie's is not remade as his
    product.approved_version.refresh_from_db()
    assert {c["public_id"] for c in product.approved_version.zip_copies.values()} == set(copies)

    def offered(user):
        body = client_for(user).get(f"/api/v1/assets/{product.pk}/").json()
        return {p["slug"]: p for p in body["presets"]}["mobile-640"]

    # the stored facts are of the preset's own derivative: shown to charlie, not to bob
    from assets.models import DerivativeFact

    DerivativeFact.objects.filter(version=product.approved_version).update(
        state="ready", format="jpg", width=640, height=800, bytes=25_000)
    assert offered(charlie)["facts"]["label"] == "JPG · 640 × 800 · ~25 KB"
    assert offered(bob)["facts"] is None


def test_a_change_for_everyone_regenerates_every_released_copy_of_the_preset(
        product, bob, support, eu_retailers, content, protected_cloud,
        django_capture_on_commit_callbacks):
    import cloudinary.uploader

    from assets import services
    from assets.models import ApprovalState, Asset
    from assets.sync import sync_full
    from tests.cases.rendering_fixtures import product_shot

    # given: a second product shot, released with Mobile 640 generated ahead
    cloudinary.uploader.upload(io.BytesIO(product_shot()), public_id="kestrel/shots/other",
                               type="upload", context={"kind": "product-shot", "title": "B"})
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    other = Asset.objects.get(public_id="kestrel/shots/other")
    f.PublicationFactory(community=eu_retailers, asset=other)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_set_approval(assets=[other], state=ApprovalState.APPROVED, actor=content)
    other.refresh_from_db()
    assert protected_cloud.wait_for_eager()
    other_before = _derived_bytes(other)
    case = _slow_loading(bob, product)
    seen = len(emulated.state(protected_cloud.store).invalidations)

    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_preset(case=case, actor=support, scope="everyone", quality="auto:eco")

    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert sorted((r["public_id"], r["transformation"]) for r in records) == sorted([
        (product.release_public_id, "t_portal_mobile_640"),
        (other.release_public_id, "t_portal_mobile_640")])
    event = Event.objects.get(action="asset.rendering_updated")
    assert event.payload["regenerated"] == [product.release_public_id,
                                            other.release_public_id]
    # the other copy is regenerated by a task (async eager, like the derivatives at release)
    fact = DownloadPreset.objects.get(slug="mobile-640").derivative_facts.get(
        version=other.approved_version)
    assert (fact.state, fact.transformation) == ("pending", "t_portal_mobile_640")
    request = protected_cloud.eager_requests[-1]
    assert (request["public_id"], request["eager"], request["eager_async"]) == (
        other.release_public_id, ["t_portal_mobile_640/jpg"], True)
    assert fact.batch_id == request["batch_id"]
    assert protected_cloud.wait_for_eager()
    assert _derived_bytes(other) < other_before  # q_auto:eco


def test_a_change_cloudinary_refuses_halfway_records_nothing_and_can_be_retried(
        product, bob, support, eu_retailers, protected_cloud,
        django_capture_on_commit_callbacks):
    case = _slow_loading(bob, product)
    # the named transformation is written (look-up, create, allow), then deleting the stale
    # derivatives is refused
    protected_cloud.faults._scripted.extend([None, None, None, 400])

    with pytest.raises(CaseError, match="Cloudinary did not take the change"):
        rendering_fix_preset(case=case, actor=support, scope="community", quality="auto")

    assert not PresetOverride.objects.exists() and not RenderingFix.objects.exists()
    assert not Event.objects.filter(action="asset.rendering_updated").exists()
    assert Case.objects.get(pk=case.pk).is_open
    held = cloudinary.api.transformation(f"portal_mobile_640__c{eu_retailers.pk}")
    assert held["info"][0]["quality"] == "auto"  # Cloudinary was half changed
    # retried: the same change goes through (the named transformation is updated in place)
    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_preset(case=case, actor=support, scope="community",
                                   quality="auto")
    assert fix.after_transformation == f"{MOBILE_CROP},q_auto"
    assert PresetOverride.objects.get().transformation == f"{MOBILE_CROP},q_auto"
    assert Event.objects.filter(action="asset.rendering_updated").count() == 1


def test_the_api_shows_the_preset_change_to_the_opener(
        product, bob, support, eu_retailers, client_for, django_capture_on_commit_callbacks):
    from tests.api.openapi import assert_matches_schema

    case = _slow_loading(bob, product)
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_preset(case=case, actor=support, scope="community", quality="auto",
                             fmt="auto")

    response = client_for(bob).get(f"/api/v1/cases/{case.pk}/rendering-report/")

    assert response.status_code == 200
    assert_matches_schema(response)
    [fix] = response.json()["fixes"]
    assert (fix["kind"], fix["community"], fix["transformation"], fix["after_transformation"]) \
        == ("preset_changed", eu_retailers.pk, MOBILE_CROP, f"{MOBILE_CROP},q_auto,f_auto")
    assert fix["after_bytes"] < fix["before_bytes"] and fix["after_format"] == "webp"

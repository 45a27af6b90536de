"""Rendering-quality feedback, through the real SDK against the emulator (issue #15).

Bob reports a bad crop on the Mobile 640 size; support moves the focal point; Cloudinary (the
emulator) stores the custom coordinates and serves a Mobile 640 derivative cropped around
them — checked in its pixels — and the case resolves with before/after facts.
"""

import io

import cloudinary.api
import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets.cloudinary.delivery import DELIVERY_TYPE
from audit.models import Event
from cases.models import Case, RenderingFix, RenderingReport
from cases.rendering import rendering_fix_focal_point, rendering_report_open
from cases.services import CaseError
from emulators.cloudinary import rendering as emulated
from notifications.models import Notice
from tests.cases.rendering_fixtures import PRODUCT_BOX, is_red, mirrored_product, red_fraction

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(protected_cloud, eu_retailers, content, django_capture_on_commit_callbacks):
    return mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)


def _download(client, asset, preset="mobile-640"):
    response = client.get(reverse("assets:download", args=[asset.pk, preset]))
    assert response.status_code == 302, response.status_code
    answer = requests.get(response["Location"], timeout=10)
    assert answer.status_code == 200, answer.headers.get("X-Cld-Error")
    return response["Location"], Image.open(io.BytesIO(answer.content))


def _report(bob, product):
    return rendering_report_open(
        opener=bob, asset=product, preset_slug="mobile-640", problem="bad_crop",
        body="The Mobile 640 size cuts the backpack off.", device_class="mobile",
        viewport_width=390, viewport_height=844, page_url="https://shop.example/trail-pack")


def test_bad_crop_on_mobile_640_is_fixed_by_moving_the_focal_point(
        product, bob, alice, support, client_for, protected_cloud,
        django_capture_on_commit_callbacks):
    # given: bob and alice got a Mobile 640 that misses the product
    client = client_for(alice)
    _download(client, product)
    client = client_for(bob)
    old_url, before = _download(client, product)
    assert before.size == (640, 800)
    assert red_fraction(before) == 0
    case = _report(bob, product)

    # when: support sets the focal point on the product
    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)

    # then: Cloudinary holds the custom coordinates, on the partners' copy and the master
    copy = cloudinary.api.resource(product.release_public_id, type=DELIVERY_TYPE,
                                   coordinates=True)
    assert copy["coordinates"]["custom"] == [PRODUCT_BOX]
    master = cloudinary.api.resource(product.public_id, coordinates=True)
    assert master["coordinates"]["custom"] == [PRODUCT_BOX]
    # ... and the Mobile 640 derivative is cropped around them: the product fills the middle
    _, after = _download(client_for(bob), product)
    assert after.size == (640, 800)
    assert is_red(after.getpixel((320, 400)))
    x, y, w, h = PRODUCT_BOX  # the crop keeps the whole product: 1600-640=960 is its left edge
    assert is_red(after.getpixel((x - 960 + 5, y + 5)))
    assert is_red(after.getpixel((x - 960 + w - 5, y + h - 5)))
    assert red_fraction(after) == pytest.approx(w * h / (640 * 800), abs=0.01)
    # the link bob was given before now serves the new crop too (the cache was invalidated)
    stale = Image.open(io.BytesIO(requests.get(old_url, timeout=10).content))
    assert is_red(stale.getpixel((320, 400)))

    # the case resolves with before/after, on the version bob already had
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert case.resolution_version == product.approved_version
    assert "Fixed by: focal point moved" in case.resolution_note
    fix.refresh_from_db()
    assert fix.kind == RenderingFix.Kind.FOCAL_POINT
    assert (fix.before_width, fix.before_height) == (fix.after_width, fix.after_height) == (
        640, 800)
    assert fix.before_bytes > 0 and fix.after_bytes > 0 and fix.before_bytes != fix.after_bytes
    assert fix.before_coordinates is None and fix.after_coordinates == PRODUCT_BOX
    # bob hears through his case, alice because she downloaded the affected size
    assert Notice.objects.filter(user=bob, key__startswith="case-message:").exists()
    assert Notice.objects.filter(user=alice, key=f"rendering-fix:{fix.pk}").count() == 1
    assert not Notice.objects.filter(user=bob, key=f"rendering-fix:{fix.pk}").exists()


def test_the_focal_point_fix_is_audited_and_invalidates_exactly_its_derivatives(
        product, bob, support, client_for, protected_cloud, eu_retailers, content,
        django_capture_on_commit_callbacks):
    # given: bob downloaded two sizes of the product; another asset was downloaded too
    client = client_for(bob)
    _download(client, product)
    _download(client, product, "web-1200-webp")
    case = _report(bob, product)
    seen = len(emulated.state(protected_cloud.store).invalidations)
    cached = emulated.state(protected_cloud.store).cache
    copy_id = protected_cloud.store.get(
        "image", "authenticated", product.release_public_id).asset_id
    cached_before = sorted(key[1] for key in cached.get(copy_id, {}))
    others_before = {owner: dict(entries) for owner, entries in cached.items() if owner != copy_id}

    # when
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)

    # then: one audited change with before/after, naming the regenerated preset
    event = Event.objects.get(action="asset.rendering_updated")
    assert event.asset_id == product.pk and event.actor_user_id == support.pk
    assert event.payload["before"] == {"custom_coordinates": None}
    assert event.payload["after"] == {"custom_coordinates": PRODUCT_BOX}
    assert event.payload["presets"] == ["mobile-640"]
    assert event.payload["derivatives"]["mobile-640"]["width"] == 640
    assert Event.objects.filter(action="case.resolved", target_id=str(case.pk)).count() == 1
    # the emulator purged the cached derivatives of the partners' copy and nothing else,
    # and regenerated exactly the preset that follows the focal point
    answer = requests.get(f"{protected_cloud.url}/_emulator/invalidations",
                          params={"public_id": product.release_public_id}, timeout=10).json()
    records = emulated.state(protected_cloud.store).invalidations[seen:]
    assert {r["public_id"] for r in records} == {product.release_public_id}
    # exactly what was cached for that copy: both of bob's downloads (with their attachment
    # names) and the derivatives generated ahead at release
    assert sorted(r["transformation"] for r in records) == cached_before
    assert {"c_fill,g_auto,w_640,h_800", "c_limit,w_1200"} <= set(cached_before)
    assert {owner: entries for owner, entries in cached.items()
            if owner in others_before} == others_before
    assert [r["path"] for r in answer["invalidations"][-len(records):]] == [
        r["path"] for r in records]
    regenerated = [(e["public_id"], e["transformation"]) for e in answer["eager"]]
    assert regenerated[-1] == (product.release_public_id, "c_fill,g_auto,w_640,h_800")


def test_a_preset_that_does_not_crop_cannot_be_fixed_by_a_focal_point(
        product, bob, support):
    case = rendering_report_open(opener=bob, asset=product, preset_slug="web-1200-webp",
                                 problem="slow_loading", body="Slow on my phone.")

    with pytest.raises(CaseError, match="does not crop"):
        rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)

    assert not Event.objects.filter(action="asset.rendering_updated").exists()


def test_a_focal_point_outside_the_image_is_refused_and_changes_nothing(
        product, bob, support, protected_cloud):
    case = _report(bob, product)

    with pytest.raises(CaseError, match="inside the image"):
        rendering_fix_focal_point(case=case, actor=support, box=[1500, 700, 300, 300])

    copy = cloudinary.api.resource(product.release_public_id, type=DELIVERY_TYPE,
                                   coordinates=True)
    assert copy["coordinates"]["custom"] == []
    case.refresh_from_db()
    assert case.is_open


def test_the_report_records_what_the_partner_saw(product, bob):
    case = _report(bob, product)

    report = RenderingReport.objects.get(case=case)
    assert case.category == Case.Category.QUALITY and case.asset == product
    assert (report.problem, report.preset_slug, report.asset_version) == (
        "bad_crop", "mobile-640", product.approved_version)
    assert report.delivered_transformation == "c_fill,g_auto,w_640,h_800"
    assert (report.device_class, report.viewport_width, report.viewport_height) == (
        "mobile", 390, 844)


def test_charlie_cannot_report_on_an_asset_he_cannot_see(product, charlie):
    from cases.services import CaseNotFound

    with pytest.raises(CaseNotFound):
        rendering_report_open(opener=charlie, asset=product, preset_slug="mobile-640",
                              problem="bad_crop", body="?")

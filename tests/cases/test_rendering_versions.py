"""A focal point set from a case survives the next version (issue #15): the portal makes a
new protected delivery copy for it (assets.releases), and the copy carries the custom
coordinates, so Mobile 640 stays cropped around the product. Real SDK against the emulator."""

import io

import cloudinary.api
import cloudinary.uploader
import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets import services
from assets.cloudinary.delivery import DELIVERY_TYPE
from assets.models import ApprovalState
from assets.sync import sync_full
from cases.rendering import rendering_fix_focal_point, rendering_report_open
from tests.cases.rendering_fixtures import PRODUCT_BOX, is_red, mirrored_product, product_shot

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(protected_cloud, eu_retailers, content, django_capture_on_commit_callbacks):
    return mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)


def _mobile(client, asset) -> Image.Image:
    response = client.get(reverse("assets:download", args=[asset.pk, "mobile-640"]))
    assert response.status_code == 302
    answer = requests.get(response["Location"], timeout=10)
    assert answer.status_code == 200, answer.headers.get("X-Cld-Error")
    return Image.open(io.BytesIO(answer.content))


def _release_new_version(asset, content, capture, data: bytes):
    cloudinary.uploader.upload(io.BytesIO(data), public_id=asset.public_id, type="upload",
                               context={"kind": "product-shot", "title": "Trail pack"})
    with capture(execute=True):
        sync_full()
    asset.refresh_from_db()
    proposed = asset.current_version
    with capture(execute=True):
        services.version_set_approval(version=proposed, state=ApprovalState.APPROVED,
                                      actor=content)
    asset.refresh_from_db()
    assert asset.approved_version == proposed
    return asset


def test_the_focal_point_carries_over_to_the_next_versions_delivery_copy(
        product, bob, support, content, client_for, django_capture_on_commit_callbacks):
    # given: support moved the focal point onto the product from bob's case
    case = rendering_report_open(opener=bob, asset=product, preset_slug="mobile-640",
                                 problem="bad_crop", body="The crop cuts the pack off.")
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)
    first_copy = product.release_public_id

    # when: the brand uploads version 2 and the content team approves it
    product = _release_new_version(product, content, django_capture_on_commit_callbacks,
                                   product_shot())

    # then: partners are served a new copy, and it holds the same custom coordinates
    assert product.release_public_id != first_copy
    copy = cloudinary.api.resource(product.release_public_id, type=DELIVERY_TYPE,
                                   coordinates=True)
    assert copy["coordinates"]["custom"] == [PRODUCT_BOX]
    # ... so bob's Mobile 640 of version 2 is still cropped around the product (pixels)
    mobile = _mobile(client_for(bob), product)
    assert mobile.size == (640, 800)
    assert is_red(mobile.getpixel((320, 400)))


def test_a_focal_point_outside_the_new_versions_pixels_is_not_carried_over(
        product, bob, support, content, django_capture_on_commit_callbacks):
    case = rendering_report_open(opener=bob, asset=product, preset_slug="mobile-640",
                                 problem="bad_crop", body="The crop cuts the pack off.")
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)
    small = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 200, 200)).save(small, "PNG")

    product = _release_new_version(product, content, django_capture_on_commit_callbacks,
                                   small.getvalue())

    copy = cloudinary.api.resource(product.release_public_id, type=DELIVERY_TYPE,
                                   coordinates=True)
    assert copy["coordinates"]["custom"] == []


def test_mobile_640_crops_around_the_focal_point_by_default(db):
    """The default Mobile 640 (migration 0007) is a crop that follows g_auto and custom
    coordinates, so a bad-crop report on it can be fixed with a focal point."""
    from assets.models import DownloadPreset
    from assets.rendering import follows_focal_point
    from tests.catalog.fixtures import ensure_default_presets

    ensure_default_presets()
    mobile = DownloadPreset.objects.get(slug="mobile-640")
    assert mobile.transformation == "c_fill,g_auto,w_640,h_800"
    assert follows_focal_point(mobile.transformation)
    assert not follows_focal_point("c_limit,w_640")


def test_the_migration_changes_only_an_untouched_mobile_640(db):
    import importlib

    from django.apps import apps

    from assets.models import DownloadPreset
    from tests import factories as f

    migration = importlib.import_module(
        "assets.migrations.0007_mobile_640_crops_around_the_focus")
    DownloadPreset.objects.filter(slug="mobile-640").delete()
    f.DownloadPresetFactory(slug="mobile-640", transformation="c_limit,w_640")
    migration.crop_around_the_focus(apps, None)
    assert DownloadPreset.objects.get(slug="mobile-640").transformation == migration.MOBILE_640
    DownloadPreset.objects.filter(slug="mobile-640").update(transformation="c_scale,w_500")
    migration.crop_around_the_focus(apps, None)
    assert DownloadPreset.objects.get(slug="mobile-640").transformation == "c_scale,w_500"

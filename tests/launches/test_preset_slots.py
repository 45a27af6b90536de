"""A slot that names a preset is judged by the derivative Cloudinary really generates."""

import pytest

from launches.models import CellState, DerivativeFacts, Slot
from launches.tasks import recompute_kit
from tests import factories as f
from tests.catalog.media import asset_from_upload, upload_image
from tests.launches.conftest import cell


@pytest.fixture
def shot_in_cloud(campaign_published, cloudinary_emulator, spring, product_shot, germany):
    """A 2400×2400 product shot of the campaign, released for real in the emulated cloud."""
    return asset_from_upload(upload_image("kestrel/spring/hero-shot", 2400, 2400,
                                          delivery_type="upload"),
                             campaign=spring, kind=product_shot, markets=[germany])


def test_a_preset_slot_is_judged_by_the_derivatives_real_facts(kit, germany, product_shot,
                                                               shot_in_cloud):
    # given two slots on the same 2400 px original: one judged on a 1000 px web preset, one
    # on a 2000 px square print preset
    web = f.DownloadPresetFactory(slug="web-1000", transformation="c_limit,w_1000",
                                  format="jpg")
    square = f.DownloadPresetFactory(slug="square-2000",
                                     transformation="c_fill,w_2000,h_2000", format="png")
    web_slot = Slot.objects.create(kit=kit, name="Web image", kind=product_shot,
                                   min_width=2000, formats=["jpg"], preset=web)
    print_slot = Slot.objects.create(kit=kit, name="Print image", kind=product_shot,
                                     min_width=2000, aspect_ratio="1:1", formats=["png"],
                                     max_bytes=10_000_000, preset=square)
    # when the task measures the derivatives through the SDK and recomputes
    recompute_kit.run(kit.pk)
    # then the web slot fails on the derivative's real width (the original would pass)
    web_cell = cell(kit, web_slot, germany)
    assert web_cell.state == CellState.FAILING
    assert web_cell.reasons == ["1000×1000, needs ≥ 2000 px wide"]
    assert cell(kit, print_slot, germany).state == CellState.READY
    # and the facts are Cloudinary's answer (eager entries of `explicit`), not computed
    measured = DerivativeFacts.objects.get(version=shot_in_cloud.approved_version,
                                           preset=square)
    assert (measured.width, measured.height, measured.format) == (2000, 2000, "png")
    stored = cloudinary_derived(shot_in_cloud.release_public_id)
    assert measured.bytes == stored["c_fill,w_2000,h_2000"] > 0


def cloudinary_derived(public_id) -> dict:
    import cloudinary.api

    resource = cloudinary.api.resource(public_id, type="authenticated")
    return {d["transformation"]: d["bytes"] for d in resource.get("derived", [])}


def test_a_preset_whose_transformation_changed_is_measured_again(kit, germany, product_shot,
                                                                 shot_in_cloud, on_commit):
    # given a slot judged on a 1000 px web preset, measured and failing
    web = f.DownloadPresetFactory(slug="web-1000", transformation="c_limit,w_1000",
                                  format="jpg")
    slot = Slot.objects.create(kit=kit, name="Web image", kind=product_shot, min_width=2000,
                               formats=["jpg"], preset=web)
    recompute_kit.run(kit.pk)
    assert cell(kit, slot, germany).reasons == ["1000×1000, needs ≥ 2000 px wide"]
    # when the content team widens the preset (nothing else changes)
    with on_commit():
        web.transformation = "c_limit,w_2400"
        web.save()
    # then the kit was recomputed and the new derivative measured from Cloudinary: the old
    # facts (of another transformation) no longer count
    assert cell(kit, slot, germany).state == CellState.READY
    measured = DerivativeFacts.objects.get(version=shot_in_cloud.approved_version, preset=web,
                                           transformation="c_limit,w_2400")
    assert (measured.width, measured.height) == (2400, 2400)
    assert "c_limit,w_2400" in cloudinary_derived(shot_in_cloud.release_public_id)


def test_a_preset_whose_format_changed_is_measured_again(kit, germany, product_shot,
                                                         shot_in_cloud, on_commit):
    # given a slot wanting a JPG judged on a 2400 px JPG preset, measured and ready
    web = f.DownloadPresetFactory(slug="web-2400", transformation="c_limit,w_2400",
                                  format="jpg")
    slot = Slot.objects.create(kit=kit, name="Web image", kind=product_shot, min_width=2000,
                               formats=["jpg"], preset=web)
    recompute_kit.run(kit.pk)
    assert cell(kit, slot, germany).state == CellState.READY
    # when the content team switches the preset to PNG (same transformation)
    with on_commit():
        web.format = "png"
        web.save()
    # then the derivative was measured again from Cloudinary and the slot fails on it: the
    # JPG facts of the same transformation no longer count
    assert cell(kit, slot, germany).reasons == ["PNG, needs JPG"]
    measured = DerivativeFacts.objects.get(version=shot_in_cloud.approved_version, preset=web)
    assert (measured.requested_format, measured.format) == ("png", "png")

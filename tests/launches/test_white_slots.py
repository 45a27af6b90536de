"""A slot "on white" is judged by Cloudinary's colour analysis of the approved version."""

import io
from unittest import mock

import cloudinary.uploader
import pytest
from PIL import Image

from launches import checks, readiness
from launches.models import CellState, ColourFacts, Slot, SlotFill, SlotMarketRule
from launches.tasks import recompute_kit
from tests import factories as f
from tests.catalog.media import asset_from_upload
from tests.launches.conftest import cell

ON_WHITE = {"resource_type": "image", "formats": ["png", "jpg"], "min_width": 2000,
            "aspect_ratio": "1:1", "min_white_percent": 60}


def _shot(public_id, background, *, size=2400, **fields):
    """A square product shot (a red block, a quarter of the picture) on `background`,
    uploaded through the SDK and released for real in the emulated cloud."""
    image = Image.new("RGB", (size, size), background)
    image.paste((200, 20, 20), (size // 4, size // 4, size * 3 // 4, size * 3 // 4))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = cloudinary.uploader.upload(io.BytesIO(buffer.getvalue()), public_id=public_id,
                                        type="upload", resource_type="image")
    return asset_from_upload(result, **fields)


@pytest.fixture
def shots(campaign_published, cloudinary_emulator, spring, product_shot, germany):
    def _make(public_id, background, **fields):
        return _shot(public_id, background, **{"campaign": spring, "kind": product_shot,
                                                "markets": [germany], **fields})
    return _make


def test_a_shot_on_white_meets_the_slot_and_one_on_grey_says_why_not(kit, germany,
                                                                      product_shot, shots):
    # given a 2400 px square shot on grey (the lower id: the rule must pass it over) and one
    # on white, and a hand-filled slot holding the one on grey
    on_grey = shots("kestrel/spring/on-grey", (190, 190, 190))
    on_white = shots("kestrel/spring/on-white", (255, 255, 255))
    by_rule = Slot.objects.create(kit=kit, name="Main product image on white",
                                  kind=product_shot, **ON_WHITE)
    by_hand = Slot.objects.create(kit=kit, name="Packshot on white", **ON_WHITE)
    SlotFill.objects.create(slot=by_hand, market=None, asset=on_grey)
    # when the task asks Cloudinary for the candidates' colours and recomputes
    answer = recompute_kit.run(kit.pk)
    # then the rule slot is met by the shot on white; the one on grey fails, saying why
    assert answer["colours"] == 2
    ready = cell(kit, by_rule, germany)
    assert (ready.state, ready.asset_id) == (CellState.READY, on_white.pk)
    failing = cell(kit, by_hand, germany)
    assert failing.state == CellState.FAILING
    assert failing.reasons == ["0% white, needs ≥ 60% (on white)"]
    # and the facts are Cloudinary's answer to `explicit` with colors=true, per version
    facts = ColourFacts.objects.get(version=on_white.approved_version)
    assert facts.colors[:2] == [["#FFFFFF", 75.0], ["#C81414", 25.0]]
    assert facts.predominant["google"][0] == ["white", 75.0]
    assert facts.white_percent == 75.0
    # a second recompute asks Cloudinary nothing again (the versions did not change)
    assert recompute_kit.run(kit.pk)["colours"] == 0


def test_an_image_not_analysed_yet_is_pending_and_the_rule_ignores_other_shots(kit, germany,
                                                                               product_shot,
                                                                               shots):
    # given a shot on white whose colours nobody asked Cloudinary for yet
    shots("kestrel/spring/on-white", (255, 255, 255))
    slot = Slot.objects.create(kit=kit, name="Main product image on white", kind=product_shot,
                               **ON_WHITE)
    # when the matrix is recomputed without the task's measuring step
    readiness.kit_recompute(kit.pk)
    # then the cell waits for the analysis: it is neither ready nor failing
    pending = cell(kit, slot, germany)
    assert pending.state == CellState.PENDING
    assert pending.reasons == ["its colours are not analysed yet"]


def test_a_market_that_needs_more_white_fails_where_the_others_pass(kit, germany, product_shot,
                                                                    shots, eu_retailers):
    # given a second market (France) that wants 80 % white, and a shot 75 % white
    france = f.MarketFactory(slug="fr", name="France")
    kit.markets.add(france)
    eu_retailers.markets.add(france)
    shots("kestrel/spring/on-white", (255, 255, 255), markets=[germany, france])
    slot = Slot.objects.create(kit=kit, name="Main product image on white", kind=product_shot,
                               **ON_WHITE)
    SlotMarketRule.objects.create(slot=slot, market=france, min_white_percent=80)
    # when the kit is recomputed
    recompute_kit.run(kit.pk)
    # then Germany is ready and France fails with the share it needs
    assert cell(kit, slot, germany).state == CellState.READY
    french = cell(kit, slot, france)
    assert french.state == CellState.FAILING
    assert french.reasons == ["75% white, needs ≥ 80% (on white)"]


def test_a_video_cannot_be_on_white(kit, germany, spring):
    # given a slot on white filled by hand with a video (no colours to analyse)
    video = f.AssetFactory(title="Teaser", campaign=spring, resource_type="video",
                           markets=[germany])
    slot = Slot.objects.create(kit=kit, name="Hero on white", min_white_percent=50)
    SlotFill.objects.create(slot=slot, market=None, asset=video)
    # when the kit is recomputed: Cloudinary is not asked about a video
    with mock.patch("assets.cloudinary.rendering.colours") as colours:
        recompute_kit.run(kit.pk)
    colours.assert_not_called()
    # then the cell fails and says why
    failed = cell(kit, slot, germany)
    assert failed.state == CellState.FAILING
    assert failed.reasons == ["no colour analysis of a video, needs an image on white"]


def test_cloudinary_down_leaves_the_cell_pending_and_the_next_run_analyses(kit, germany,
                                                                          product_shot,
                                                                          shots):
    from assets.cloudinary import client

    shots("kestrel/spring/on-white", (255, 255, 255))
    slot = Slot.objects.create(kit=kit, name="Main product image on white", kind=product_shot,
                               **ON_WHITE)
    with mock.patch("assets.cloudinary.rendering.colours",
                    side_effect=client.CloudinaryError("unavailable")):
        assert recompute_kit.run(kit.pk)["colours"] == 0
    assert cell(kit, slot, germany).state == CellState.PENDING
    assert not ColourFacts.objects.exists()
    # once Cloudinary answers again, the retry analyses and the cell is ready
    assert recompute_kit.run(kit.pk)["colours"] == 1
    assert cell(kit, slot, germany).state == CellState.READY


@pytest.mark.parametrize(("colors", "white"), [
    ([["#FFFFFF", 60.0], ["#F0F5FA", 10.5], ["#EFFFFF", 5.0], ["#123456", 24.5]], 70.5),
    ([["#ffffff", 40]], 40.0),
    ([["white", 50.0], ["#FFFFFF", "x"], ["#FFF", 20.0], [], None, ["#FFFFFF"]], 0.0),
    (None, 0.0),
])
def test_the_white_share_counts_near_white_colours_and_ignores_bad_entries(colors, white):
    assert checks.white_share(colors) == white

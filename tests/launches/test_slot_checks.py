"""A slot is met only by an approved, current version whose real facts meet the rule."""

from assets import services as asset_services
from launches.models import CellState
from launches.readiness import kit_recompute
from tests import factories as f
from tests.launches.conftest import cell


def test_a_square_slot_follows_the_versions_of_its_asset(kit, square_slot, germany, spring,
                                                        product_shot, eu_retailers, content,
                                                        new_version, approve, on_commit,
                                                        campaign_published):
    # given a 1600×1600 product shot of the campaign
    with on_commit():
        asset = f.AssetFactory(campaign=spring, kind=product_shot, width=1600, height=1600,
                               markets=[germany])
    # then the change alone recomputed the kit (signals → debounced task), and the rule says why
    first = cell(kit, square_slot, germany)
    assert first.state == CellState.FAILING
    assert first.reasons == ["1600×1600, needs ≥ 2000 px wide", "1600×1600, needs ≥ 2000 px high"]

    # when a 2400×2400 version arrives, it is not enough while it waits for review
    bigger = new_version(asset, 2400, 2400)
    waiting = cell(kit, square_slot, germany)
    assert waiting.state == CellState.FAILING  # the approved 1600 px one is what counts
    # once approved, the slot is met by that version
    approve(bigger)
    met = cell(kit, square_slot, germany)
    assert (met.state, met.version_id, met.reasons) == (CellState.READY, bigger.pk, [])
    kit.refresh_from_db()
    assert kit.readiness == 100

    # when a newer version is pending, the slot is unmet again (pending approval), while the
    # approved 2400 px version still counts for partners
    newest = new_version(asset, 3000, 3000)
    pending = cell(kit, square_slot, germany)
    assert pending.state == CellState.PENDING
    assert pending.version_id == bigger.pk
    assert pending.reasons == [f"version {newest.number} awaits approval; partners get "
                               f"version {bigger.number}"]

    # when the asset is retired, nothing fills the slot
    with on_commit():
        asset_services.asset_retire(asset=asset, actor=content, reason="withdrawn")
    gone = cell(kit, square_slot, germany)
    assert gone.state == CellState.MISSING
    kit.refresh_from_db()
    assert kit.readiness == 0


def test_a_market_rule_overrides_the_slot_in_that_market(kit, square_slot, germany, spring,
                                                         product_shot, campaign_published):
    # given France accepts 1500 px squares, Germany keeps 2000
    from launches.models import SlotMarketRule

    france = f.MarketFactory(slug="fr", name="France")
    kit.markets.add(france)
    SlotMarketRule.objects.create(slot=square_slot, market=france, min_width=1500,
                                  min_height=1500)
    f.AssetFactory(campaign=spring, kind=product_shot, width=1600, height=1600)
    # when
    kit_recompute(kit.pk)
    # then
    assert cell(kit, square_slot, france).state == CellState.READY
    assert cell(kit, square_slot, germany).state == CellState.FAILING


def test_each_unmet_rule_says_why():
    from launches.checks import Facts, unmet

    rules = dict.fromkeys(("resource_type", "min_width", "min_height", "exact_width",
                           "exact_height", "aspect_ratio", "max_bytes", "min_duration",
                           "max_duration", "min_pages", "max_pages", "preset_id"))
    rules.update(formats=["jpg", "png"], max_bytes=5_000_000, aspect_ratio="1:1",
                 min_duration=15, max_duration=15)
    facts = Facts(resource_type="image", format="webp", width=2000, height=1000,
                  bytes=6_200_000, duration=12.5)
    assert unmet(rules, facts) == ["WEBP, needs JPG or PNG", "2000×1000, needs 1:1 (square)",
                                   "6.2 MB, needs ≤ 5.0 MB", "12.5s, needs ≥ 15s"]

"""A hand-filled asset is judged in the cell's market: one for other markets says so."""

from launches.models import CellState, Slot, SlotFill
from launches.readiness import kit_recompute
from tests import factories as f
from tests.launches.conftest import cell


def test_a_hand_filled_asset_for_another_market_fails_naming_the_market(
        kit, germany, spring, product_shot, eu_retailers):
    # given a hand slot filled with a French-market banner that otherwise meets it
    france = f.MarketFactory(slug="fr", name="France")
    slot = Slot.objects.create(kit=kit, name="Hero banner", resource_type="image")
    banner = f.AssetFactory(campaign=spring, kind=product_shot, width=1920, height=600,
                            markets=[france])
    f.PublicationFactory(community=eu_retailers, asset=banner)
    SlotFill.objects.create(slot=slot, asset=banner)
    # when
    kit_recompute(kit.pk)
    # then the German cell fails and says why
    de = cell(kit, slot, germany)
    assert (de.state, de.asset_id) == (CellState.FAILING, banner.pk)
    assert de.reasons == ["not in market DE"]


def test_a_hand_filled_asset_for_the_market_or_for_all_markets_is_ready(
        kit, germany, spring, product_shot, eu_retailers):
    slot = Slot.objects.create(kit=kit, name="Hero banner", resource_type="image")
    other = Slot.objects.create(kit=kit, name="Spec sheet", resource_type="image")
    german = f.AssetFactory(campaign=spring, kind=product_shot, markets=[germany])
    everywhere = f.AssetFactory(campaign=spring, kind=product_shot)
    for asset in (german, everywhere):
        f.PublicationFactory(community=eu_retailers, asset=asset)
    SlotFill.objects.create(slot=slot, asset=german)
    SlotFill.objects.create(slot=other, asset=everywhere)
    kit_recompute(kit.pk)
    assert cell(kit, slot, germany).state == CellState.READY
    assert cell(kit, other, germany).state == CellState.READY

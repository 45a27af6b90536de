"""A cell is ready only when the kit's communities in that market would see its asset."""

from datetime import timedelta

from django.utils import timezone

from assets.models import Asset
from communities import services as community_services
from communities.models import Embargo
from launches.models import CellState
from launches.readiness import kit_recompute
from tests import factories as f
from tests.launches.conftest import cell


def test_an_asset_published_nowhere_is_not_ready_until_published(
        kit, square_slot, germany, spring, product_shot, eu_retailers, content, bob,
        on_commit):
    # given a 2400 px shot that meets the slot but is published to no community
    with on_commit():
        asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                               markets=[germany])
    # then the cell says partners of EU Retailers cannot get it
    first = cell(kit, square_slot, germany)
    assert (first.state, first.asset_id) == (CellState.UNPUBLISHED, asset.pk)
    assert first.reasons == ["not published to EU Retailers"]
    kit.refresh_from_db()
    assert kit.readiness == 0
    assert kit.matrix["rows"][0]["cells"][0][0] == "unpublished"

    # when the content team publishes it to EU Retailers
    with on_commit():
        community_services.publication_create(community=eu_retailers, asset=asset,
                                              actor=content)
    # then the cell is ready: the embargo until go-live hides it from bob today, which is
    # what the kit wants, not a missing publication
    assert cell(kit, square_slot, germany).state == CellState.READY
    assert Embargo.objects.filter(asset=asset).exists()
    assert not Asset.objects.visible_to(bob).filter(pk=asset.pk).exists()
    kit.refresh_from_db()
    assert kit.readiness == 100


def test_each_community_serving_the_market_must_have_it(kit, square_slot, germany, spring,
                                                        product_shot, eu_retailers):
    # given the kit is also for DACH Dealers (Germany) and Nordic Shops (Sweden only)
    dach = f.CommunityFactory(name="DACH Dealers")
    dach.markets.add(germany)
    sweden = f.MarketFactory(slug="se", name="Sweden")
    nordic = f.CommunityFactory(name="Nordic Shops")
    nordic.markets.add(sweden)
    kit.communities.add(dach, nordic)
    kit.markets.add(sweden)
    # and the shot is published to EU Retailers and Nordic Shops only
    asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    f.PublicationFactory(community=nordic, asset=asset)
    # when
    kit_recompute(kit.pk)
    # then Germany lacks DACH Dealers; Sweden is served by Nordic Shops alone and is ready
    de = cell(kit, square_slot, germany)
    assert (de.state, de.reasons) == (CellState.UNPUBLISHED, ["not published to DACH Dealers"])
    assert cell(kit, square_slot, sweden).state == CellState.READY


def test_an_embargo_past_the_kits_go_live_is_reported(kit, square_slot, germany, spring,
                                                      product_shot, eu_retailers):
    # given a published shot that a later launch (in 40 days) embargoes until its go-live
    from launches.models import LaunchKit, Slot

    asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    later = LaunchKit.objects.create(name="Summer launch kit", campaign=spring,
                                     go_live_at=timezone.now() + timedelta(days=40))
    later.markets.set([germany])
    Slot.objects.create(kit=later, name="Teaser image", kind=product_shot)
    kit_recompute(later.pk)
    assert Embargo.objects.get(asset=asset, market=None).go_live_at == later.go_live_at
    # when this kit (go-live in 10 days) is recomputed
    kit_recompute(kit.pk)
    # then partners would not have the shot on its launch day
    de = cell(kit, square_slot, germany)
    assert (de.state, de.reasons) == (
        CellState.UNPUBLISHED, ["published to EU Retailers, but embargoed there past go-live"])


def test_a_rule_slot_prefers_a_candidate_the_markets_communities_see(
        kit, square_slot, germany, spring, product_shot, eu_retailers):
    # given two shots that both meet the slot: the first (lower id) is published nowhere,
    # the second is published to EU Retailers
    hidden = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                            markets=[germany])
    published = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                               markets=[germany])
    f.PublicationFactory(community=eu_retailers, asset=published)
    assert hidden.pk < published.pk
    # when
    kit_recompute(kit.pk)
    # then the cell is filled by the published one and is ready, not "not published"
    de = cell(kit, square_slot, germany)
    assert (de.state, de.asset_id, de.reasons) == (CellState.READY, published.pk, [])
    kit.refresh_from_db()
    assert kit.readiness == 100


def test_without_a_seen_candidate_the_first_one_still_says_not_published(
        kit, square_slot, germany, spring, product_shot, eu_retailers):
    # given two shots meeting the slot, neither published, and a third published one that
    # fails the slot (too small)
    first = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    small = f.AssetFactory(campaign=spring, kind=product_shot, width=1600, height=1600)
    f.PublicationFactory(community=eu_retailers, asset=small)
    kit_recompute(kit.pk)
    de = cell(kit, square_slot, germany)
    assert (de.state, de.asset_id) == (CellState.UNPUBLISHED, first.pk)
    assert de.reasons == ["not published to EU Retailers"]


def test_a_membership_change_cannot_alter_a_cell(ready_kit, square_slot, germany, eu_retailers,
                                                  alice, bob, charlie, sakura, on_commit):
    """Cells are judged per kit community (what EU Retailers is given), never per member:
    who belongs to the community today changes no cell."""
    from communities.models import Membership
    from launches.models import SlotStatus

    def matrix():
        ready_kit.refresh_from_db()
        return (ready_kit.readiness, ready_kit.matrix,
                list(SlotStatus.objects.filter(kit=ready_kit).order_by("pk")
                     .values_list("slot_id", "market_id", "state", "asset_id", "version_id",
                                  "reasons")))

    before = matrix()
    assert before[0] == 100
    # when every member leaves EU Retailers (alice and bob revoked) and charlie joins it
    with on_commit():
        Membership.objects.filter(community=eu_retailers).delete()
        f.MembershipFactory(user=charlie, community=eu_retailers, partner=sakura)
    kit_recompute(ready_kit.pk)
    # then the matrix is the same, cell for cell
    assert matrix() == before
    assert cell(ready_kit, square_slot, germany).state == CellState.READY

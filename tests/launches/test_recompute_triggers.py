"""Each change that can alter a cell recomputes the kits it affects (a task after commit):
nothing here calls the recompute itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets import services as asset_services
from communities import services as community_services
from launches import services
from launches.models import CellState, LaunchKit, Slot
from tests import factories as f
from tests.launches.conftest import cell


@pytest.fixture
def shot(kit, square_slot, spring, product_shot, germany, on_commit):
    """A 2400 px shot of the campaign that meets the square slot, published nowhere yet."""
    with on_commit():
        asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                               markets=[germany])
    assert cell(kit, square_slot, germany).state == CellState.UNPUBLISHED
    return asset


def test_publishing_a_rule_and_withdrawing_it_recompute(kit, square_slot, germany, spring,
                                                       eu_retailers, content, shot, on_commit):
    # when the campaign is published to EU Retailers by a rule (no asset named)
    with on_commit():
        rule = community_services.publication_create(community=eu_retailers, campaign=spring,
                                                     actor=content)
    # then the cell is ready
    assert cell(kit, square_slot, germany).state == CellState.READY
    # and when the rule is withdrawn, it is not published again
    with on_commit():
        community_services.publication_delete(publication=rule, actor=content)
    assert cell(kit, square_slot, germany).state == CellState.UNPUBLISHED


def _never_delivered(asset) -> None:
    """No CDN copy yet: withdrawing or retiring it revokes no link, so no version row is
    saved on the way (which would recompute by accident)."""
    from assets.models import AssetVersion

    AssetVersion.objects.filter(asset=asset).update(delivery_public_id="")


def test_withdrawing_an_assets_publication_recomputes(kit, square_slot, germany, eu_retailers,
                                                      content, shot, on_commit):
    _never_delivered(shot)
    with on_commit():
        publication = community_services.publication_create(community=eu_retailers,
                                                            asset=shot, actor=content)
    assert cell(kit, square_slot, germany).state == CellState.READY
    with on_commit():
        community_services.publication_delete(publication=publication, actor=content)
    assert cell(kit, square_slot, germany).state == CellState.UNPUBLISHED


def test_retiring_the_asset_recomputes(kit, square_slot, germany, content, shot,
                                       campaign_published, on_commit):
    # given the kit was recomputed since the campaign's publication
    with on_commit():
        services.request_recompute([kit.pk])
    assert cell(kit, square_slot, germany).state == CellState.READY
    _never_delivered(shot)
    # when the asset is retired (a queryset update: no model save)
    with on_commit():
        asset_services.asset_retire(asset=shot, actor=content, reason="withdrawn")
    # then
    assert cell(kit, square_slot, germany).state == CellState.MISSING


def test_an_asset_change_and_an_approval_recompute(kit, square_slot, germany, spring,
                                                   product_shot, content, campaign_published,
                                                   new_version, approve, on_commit):
    # an asset's own fields: moved into the kit's kind, it fills the slot
    with on_commit():
        asset = f.AssetFactory(campaign=spring, width=2400, height=2400, markets=[germany])
    assert cell(kit, square_slot, germany).state == CellState.MISSING
    with on_commit():
        asset.kind = product_shot
        asset.save()
    assert cell(kit, square_slot, germany).state == CellState.READY
    # a new version (pending), then its approval
    newer = new_version(asset, 1600, 1600)
    assert cell(kit, square_slot, germany).state == CellState.PENDING
    approve(newer)
    assert cell(kit, square_slot, germany).state == CellState.FAILING


def test_another_kits_embargo_moving_past_go_live_recomputes(kit, square_slot, germany,
                                                             spring, product_shot, content,
                                                             shot, campaign_published,
                                                             on_commit):
    # given a second kit of the campaign holds the shot and goes live before this one
    later = LaunchKit.objects.create(name="Summer launch kit", campaign=spring,
                                     go_live_at=timezone.now() + timedelta(days=5))
    later.markets.set([germany])
    with on_commit():
        Slot.objects.create(kit=later, name="Teaser image", kind=product_shot)
        services.request_recompute([kit.pk, later.pk])
    assert cell(kit, square_slot, germany).state == CellState.READY
    # when the second kit's go-live moves a month past this one's
    with on_commit():
        services.kit_set_go_live(kit=later, go_live_at=timezone.now() + timedelta(days=40),
                                 actor=content)
    # then the shot's embargo moved, and this kit learnt partners will not have it in time
    de = cell(kit, square_slot, germany)
    assert (de.state, de.reasons) == (
        CellState.UNPUBLISHED, ["published to EU Retailers, but embargoed there past go-live"])


def test_a_kit_communitys_markets_changing_recomputes(kit, square_slot, germany, spring,
                                                      product_shot, eu_retailers, on_commit):
    # given DACH Dealers (Sweden only) is also a kit community; the shot is published to EU
    # Retailers only, so Germany is ready
    sweden = f.MarketFactory(slug="se", name="Sweden")
    dach = f.CommunityFactory(name="DACH Dealers")
    dach.markets.add(sweden)
    asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    with on_commit():
        kit.communities.add(dach)
    assert cell(kit, square_slot, germany).state == CellState.READY
    # when DACH Dealers starts serving Germany (no asset, publication or kit change)
    with on_commit():
        dach.markets.add(germany)
    # then the kit was recomputed: Germany lacks DACH Dealers
    de = cell(kit, square_slot, germany)
    assert (de.state, de.reasons) == (CellState.UNPUBLISHED, ["not published to DACH Dealers"])



def test_a_community_cleared_of_its_kits_recomputes_them(
        kit, square_slot, germany, spring, product_shot, eu_retailers, on_commit):
    # given DACH Dealers serves Germany and sits in the kit, the shot is published to EU
    # Retailers only: Germany lacks DACH Dealers
    dach = f.CommunityFactory(name="DACH Dealers")
    dach.markets.add(germany)
    asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    with on_commit():
        kit.communities.add(dach)
    assert cell(kit, square_slot, germany).state == CellState.UNPUBLISHED
    # when DACH Dealers is cleared of its kits from the community's side (after the clear
    # nothing links it to the kit any more, so the kits must be read before)
    with on_commit():
        dach.launch_kits.clear()
    # then the kit was recomputed: only EU Retailers serves Germany, and it has the shot
    assert cell(kit, square_slot, germany).state == CellState.READY

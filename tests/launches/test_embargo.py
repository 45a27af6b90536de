"""An embargoed kit asset is invisible to partners until go-live, through the one rule."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Embargo
from launches import services
from tests import factories as f
from tests.catalog.fixtures import indexed


@pytest.fixture
def embargoed(kit, square_slot, spring, product_shot, germany, eu_retailers, content, on_commit):
    """A 2400 px launch shot published to EU Retailers and placed in the kit (go-live in 10
    days): the recompute writes its embargo."""
    with on_commit():
        asset = f.AssetFactory(title="Summit jacket launch shot", campaign=spring,
                               kind=product_shot, width=2400, height=2400, markets=[germany])
        f.PublicationFactory(community=eu_retailers, asset=asset)
        services.slot_fill(slot=square_slot, asset=asset, actor=content)
    return indexed(asset)


def _sees(client, asset) -> dict:
    """Every way a partner can reach an asset, and what each answered."""
    search = client.get(reverse("assets:catalog"), {"q": "Summit jacket"})
    zip_post = client.post(reverse("assets:download_zip"),
                           {"asset": [asset.pk], "preset": "original"})
    api_list = client.get("/api/v1/assets/", {"q": "Summit jacket"})
    return {
        "page": client.get(reverse("assets:detail", args=[asset.pk])).status_code,
        "download": client.get(reverse("assets:download", args=[asset.pk, "original"]))
        .status_code,
        "search_count": search.context["page"].paginator.count,
        "zip": "generate_archive" in zip_post.get("Location", ""),
        "api": client.get(f"/api/v1/assets/{asset.pk}/").status_code,
        "api_count": api_list.json().get("count"),
    }


def test_an_embargoed_asset_is_hidden_from_bob_until_go_live_and_from_charlie_always(
        embargoed, kit, bob, charlie, content, client_for, presets, on_commit, germany):
    # given the kit embargoes the asset until go-live, in Germany and everywhere else
    rows = dict(Embargo.objects.filter(asset=embargoed).values_list("market_id", "go_live_at"))
    assert rows == {germany.pk: kit.go_live_at, None: kit.go_live_at}
    hidden = {"page": 404, "download": 404, "search_count": 0, "zip": False, "api": 404,
              "api_count": 0}
    # then bob sees nothing of it before go-live, not even a search count
    assert _sees(client_for(bob), embargoed) == hidden
    # nor does the kit's own ZIP include it
    kit_zip = client_for(bob).post(reverse("launches:download-zip", args=[kit.pk]),
                                   follow=True)
    assert "Select at least one asset" in kit_zip.content.decode()

    # when go-live passes
    with on_commit():
        services.kit_set_go_live(kit=kit, go_live_at=timezone.now() - timedelta(minutes=1),
                                 actor=content)
    # then bob sees it everywhere
    assert _sees(client_for(bob), embargoed) == {
        "page": 200, "download": 302, "search_count": 1, "zip": True, "api": 200,
        "api_count": 1}
    # and charlie, outside EU Retailers, never does
    assert _sees(client_for(charlie), embargoed) == hidden


def test_a_market_that_goes_live_later_stays_embargoed(embargoed, kit, bob, germany, content,
                                                       on_commit):
    # given Germany goes live in 20 days while the kit's date passed
    from assets.models import Asset
    from launches.models import KitMarketDate

    KitMarketDate.objects.create(kit=kit, market=germany,
                                 go_live_at=timezone.now() + timedelta(days=20))
    with on_commit():
        services.kit_set_go_live(kit=kit, go_live_at=timezone.now() - timedelta(days=1),
                                 actor=content)
    # then bob (EU Retailers serves Germany) still does not see it
    assert not Asset.objects.visible_to(bob).filter(pk=embargoed.pk).exists()


def test_a_launch_asset_is_embargoed_from_its_approval_not_from_a_later_recompute(
        kit, square_slot, spring, product_shot, germany, campaign_published, bob, approve,
        on_commit):
    # given the recompute queue is behind (the debounced task has not run yet)
    from unittest import mock

    from assets.models import Asset
    from launches.tasks import recompute_kit

    with mock.patch.object(recompute_kit, "apply_async") as queued, on_commit():
        # a launch shot of the campaign (published to EU Retailers) awaits its first approval
        asset = f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                               markets=[germany])
        first = asset.approved_version
        first.review_state = "pending"
        first.save()
        Asset.objects.filter(pk=asset.pk).update(approval_state="pending",
                                                 approved_version=None)
        assert not Embargo.objects.filter(asset=asset).exists()
        # when the content team approves it
        approve(first)
        assert queued.called  # a recompute is queued, but has not run
        # then from the approval's commit on, bob (EU Retailers, Germany) does not see it
        # before go-live: the embargo was written with the approval
        assert Asset.objects.filter(pk=asset.pk, approval_state="approved").exists()
        assert not Asset.objects.visible_to(bob).filter(pk=asset.pk).exists()
        assert Embargo.objects.get(asset=asset, market=germany).go_live_at == kit.go_live_at

"""Launch-kit fixtures: a spring kit for EU Retailers (Germany) and helpers that move versions
through review the way the catalog does (commit callbacks run, as after a real commit)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.catalog.fixtures import presets  # noqa: F401


@pytest.fixture
def germany(db):
    from tests import factories as f

    return f.MarketFactory(slug="de", name="Germany")


@pytest.fixture
def spring(db):
    from tests import factories as f

    return f.CampaignFactory(slug="spring-launch", name="Spring launch")


@pytest.fixture
def product_shot(db):
    from tests import factories as f

    return f.AssetKindFactory(slug="product-shot", name="Product shot")


@pytest.fixture
def kit(eu_retailers, germany, spring, content):
    """A published kit for EU Retailers in Germany, going live in 10 days, owned by content."""
    from launches.models import LaunchKit

    eu_retailers.markets.add(germany)
    kit = LaunchKit.objects.create(name="Spring launch kit", campaign=spring, published=True,
                                   go_live_at=timezone.now() + timedelta(days=10))
    kit.markets.set([germany])
    kit.communities.set([eu_retailers])
    kit.owners.set([content])
    return kit


@pytest.fixture
def square_slot(kit, product_shot):
    """"Main product image ≥ 2000 px square, JPG", filled by rule (product shots)."""
    from launches.models import Slot

    return Slot.objects.create(kit=kit, name="Main product image", kind=product_shot,
                               resource_type="image", formats=["jpg"], min_width=2000,
                               min_height=2000, aspect_ratio="1:1")


@pytest.fixture
def campaign_published(eu_retailers, spring):
    """EU Retailers receives the spring campaign (a publication rule): the campaign's assets
    are published to the kit's community, as a ready cell needs."""
    from tests import factories as f

    return f.PublicationFactory(community=eu_retailers, asset=None, campaign=spring)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run a block and then its commit callbacks (recursively), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def new_version(on_commit):
    """`new_version(asset, width, height)`: Cloudinary holds a newer version, pending review."""
    from assets.models import Asset
    from tests import factories as f

    def _new(asset, width, height, **fields):
        asset = Asset.objects.get(pk=asset.pk)
        number = asset.versions.count() + 1
        with on_commit():
            version = f.AssetVersionFactory(asset=asset, version=asset.version + 1,
                                            number=number, review_state="pending",
                                            width=width, height=height, etag=f"e{number}",
                                            **fields)
            Asset.objects.filter(pk=asset.pk).update(version=version.version,
                                                     current_version=version)
        return version

    return _new


@pytest.fixture
def approve(content, on_commit):
    """`approve(version)`: the content team approves it and Cloudinary releases its copy."""
    from assets import services
    from assets.cloudinary import client

    def _approve(version):
        answer = {"public_id": f"partner-portal/releases/{version.asset.asset_id}/"
                               f"{version.number}-copy",
                  "version": version.version, "etag": version.etag}
        with mock.patch.object(client, "copy_to_delivery", autospec=True,
                               return_value=answer), \
                mock.patch.object(client, "focal_point", autospec=True, return_value=None), \
                mock.patch.object(client, "update_moderation", autospec=True), on_commit():
            services.version_set_approval(version=version, state="approved", actor=content)
        version.refresh_from_db()
        return version

    return _approve


@pytest.fixture
def ready_kit(kit, square_slot, spring, product_shot, germany, eu_retailers, on_commit):
    """The kit with its square slot met by a published 2400 px shot, past go-live."""
    from launches.models import CellState
    from tests import factories as f

    kit.go_live_at = timezone.now() - timedelta(hours=1)
    kit.save()
    with on_commit():
        asset = f.AssetFactory(title="Summit jacket square", campaign=spring, kind=product_shot,
                               width=2400, height=2400, markets=[germany])
        f.PublicationFactory(community=eu_retailers, asset=asset)
    assert cell(kit, square_slot, germany).state == CellState.READY
    return kit


def cell(kit, slot, market):
    from launches.models import SlotStatus

    return SlotStatus.objects.get(kit=kit, slot=slot, market=market)

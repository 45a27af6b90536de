"""Demo launch kits: one complete (Winter 2026), one with gaps (Spring 2027).

`seed(stdout)` is called by `manage.py seed_demo` after the catalog and communities exist.
Slots take their rules from the campaign's own approved images, so the complete kit is met
whatever the demo cloud holds; the Spring kit misses its hero banner in the United Kingdom.
Idempotent. Demo kits do not embargo (their assets are already in the partners' catalog:
they are chosen among those published to EU Retailers).
"""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, Campaign, Market
from communities.models import AssetGrant, Community
from launches.models import LaunchKit, Slot, SlotFill
from launches.readiness import kit_recompute

MARKETS = ["de", "fr", "gb"]
COMMUNITY = "COMM-EU-RETAIL"


def _images(campaign, n: int) -> list[Asset]:
    """The campaign's approved images published to the kits' community (a cell is ready only
    when its partners get the asset)."""
    granted = AssetGrant.objects.filter(community__tg_id=COMMUNITY).values("asset_id")
    return list(Asset.objects.filter(campaign=campaign, approval_state="approved", retired=False,
                                     resource_type="image", width__gt=0, pk__in=granted)
                .select_related("approved_version").order_by("pk")[:n])


def _go_live(campaign) -> datetime:
    day = campaign.launch_date or timezone.localdate()
    return timezone.make_aware(datetime.combine(day, time(9)))


def _kit(name, campaign) -> LaunchKit:
    kit, _ = LaunchKit.objects.get_or_create(
        name=name, defaults={"campaign": campaign, "go_live_at": _go_live(campaign),
                             "published": True, "embargo": False})
    kit.markets.set(Market.objects.filter(slug__in=MARKETS))
    kit.communities.set(Community.objects.filter(tg_id=COMMUNITY))
    kit.owners.set(User.objects.filter(email="content@brand.example"))
    return kit


def _slot(kit, position, name, asset) -> Slot:
    version = asset.approved_version or asset
    slot, _ = Slot.objects.get_or_create(kit=kit, name=name, defaults={
        "position": position, "resource_type": "image", "formats": [asset.format],
        "min_width": version.width})
    return slot


@transaction.atomic
def _complete(stdout) -> None:
    campaign = Campaign.objects.filter(slug="winter-2026").first()
    images = _images(campaign, 3) if campaign else []
    if len(images) < 2:
        stdout.write("Launch kits: no Winter 2026 images; complete demo kit skipped.")
        return
    kit = _kit("Winter 2026 launch kit", campaign)
    for position, asset in enumerate(images):
        slot = _slot(kit, position, f"Product image {position + 1}", asset)
        SlotFill.objects.get_or_create(slot=slot, market=None, defaults={"asset": asset})
    kit = kit_recompute(kit.pk)
    stdout.write(f"Launch kits: {kit.name} ({kit.readiness}% ready).")


@transaction.atomic
def _with_gaps(stdout) -> None:
    campaign = Campaign.objects.filter(slug="spring-2027").first()
    images = _images(campaign, 2) if campaign else []
    if len(images) < 2:
        stdout.write("Launch kits: no Spring 2027 images; demo kit with gaps skipped.")
        return
    kit = _kit("Spring 2027 launch kit", campaign)
    lifestyle, banner = images
    slot = _slot(kit, 0, "Lifestyle image", lifestyle)
    SlotFill.objects.get_or_create(slot=slot, market=None, defaults={"asset": lifestyle})
    hero = _slot(kit, 1, "Hero banner", banner)
    for market in Market.objects.filter(slug__in=["de", "fr"]):  # the UK banner is missing
        SlotFill.objects.get_or_create(slot=hero, market=market, defaults={"asset": banner})
    Slot.objects.get_or_create(kit=kit, name="Spec sheet PDF", defaults={
        "position": 2, "resource_type": "raw", "formats": ["pdf"], "required": False})
    kit = kit_recompute(kit.pk)
    stdout.write(f"Launch kits: {kit.name} ({kit.readiness}% ready, gaps to fill).")


def seed(stdout) -> None:
    _complete(stdout)
    _with_gaps(stdout)

"""The SQL that picks each cell's candidate (launches.candidates) agrees with judging every
candidate in Python, over facts chosen to sit on each rule's edge."""

from datetime import timedelta

import pytest
from django.utils import timezone

from launches.checks import effective_rules
from launches.models import DerivativeFacts, Slot, SlotMarketRule
from launches.readiness import RANK, compute_cells, judge
from tests import factories as f

FACTS = [  # (resource type, format, width, height, bytes, duration, pages)
    ("image", "jpg", 2400, 2400, 4_000_000, None, None),
    ("image", "JPEG", 2000, 2000, 5_000_000, None, None),  # alias, upper case, on the limits
    ("image", "png", 2000, 1990, 100, None, None),  # 1.005: within 0.01 of square
    ("image", "png", 2000, 1900, 100, None, None),  # not square
    ("image", "webp", 3000, 3000, 1_000, None, None),
    ("image", "jpg", 1999, 2400, 1_000, None, None),
    ("image", "jpg", None, None, 1_000, None, None),
    ("image", "jpg", 2400, 2400, 5_000_001, None, None),
    ("video", "mp4", 1920, 1080, 9_000_000, 15.0, None),
    ("video", "mp4", 1920, 1080, 9_000_000, None, None),
    ("raw", "pdf", None, None, 200_000, None, 4),
    ("raw", "pdf", None, None, 200_000, None, 1),
]
RULES = [
    {"resource_type": "image", "formats": ["jpg", "png"], "min_width": 2000, "min_height": 2000,
     "aspect_ratio": "1:1", "max_bytes": 5_000_000},
    {"formats": ["jpeg"], "exact_width": 2400},
    {"resource_type": "video", "min_duration": 15, "max_duration": 15},
    {"formats": ["pdf"], "min_pages": 2, "max_pages": 10},
    {"aspect_ratio": "16:9"},
    {"aspect_ratio": "1:1", "formats": ["png"]},  # only the near-square PNG
    {"max_bytes": 150},
    {},
]


@pytest.fixture
def catalog(campaign_published, kit, spring, product_shot, germany):
    """Every fact line three times: approved; approved with a bigger version pending; only a
    pending version. Some in Germany, some in France, some everywhere; one retired."""
    france = f.MarketFactory(slug="fr", name="France")
    kit.markets.add(france)
    assets = []
    for n, (kind, fmt, width, height, size, duration, pages) in enumerate(FACTS * 3):
        markets = [[germany], [france], []][n % 3]
        asset = f.AssetFactory(campaign=spring, kind=product_shot, resource_type=kind,
                               format=fmt, width=width, height=height, bytes=size,
                               duration=duration, pages=pages, markets=markets,
                               retired=n == 7)
        approved = asset.approved_version
        approved.format, approved.width, approved.height = fmt, width, height
        approved.bytes, approved.duration, approved.pages = size, duration, pages
        approved.save()
        if n >= len(FACTS):  # a newer version waits for review
            pending = f.AssetVersionFactory(asset=asset, version=asset.version + 1, number=2,
                                            review_state="pending", width=4000, height=4000)
            asset.current_version = pending
            if n >= 2 * len(FACTS):  # and nothing was ever approved
                asset.approval_state, asset.approved_version = "pending", None
            asset.save()
        assets.append(asset)
    return assets


def _python_best(kit, slot, market_id, derivatives):
    """The reference: judge every candidate, keep the best state, the lowest id on ties."""
    from assets.models import Asset

    rules = effective_rules(slot, slot.market_rules.filter(market_id=market_id).first())
    best = None
    for asset in (Asset.objects.filter(campaign=kit.campaign, kind=slot.kind, retired=False)
                  .select_related("approved_version", "current_version").order_by("pk")):
        markets = set(asset.markets.values_list("pk", flat=True))
        if markets and market_id not in markets:
            continue
        state, reasons, _ = judge(asset, rules, derivatives)
        if best is None or RANK[state] < RANK[best[0]]:
            best = (state, asset.pk, reasons)
    return best


@pytest.mark.parametrize("rules", RULES, ids=lambda r: ",".join(sorted(r)) or "any")
def test_sql_picks_what_judging_every_candidate_would(kit, product_shot, catalog, germany,
                                                      rules):
    slot = Slot.objects.create(kit=kit, name="Slot", kind=product_shot, **rules)
    SlotMarketRule.objects.create(slot=slot, market=germany, min_width=2400)
    cells = {c.market_id: c for c in compute_cells(kit) if c.slot_id == slot.pk}
    for market_id, cell in cells.items():
        state, asset_id, reasons = _python_best(kit, slot, market_id, {})
        assert (cell.state, cell.asset_id, cell.reasons) == (state, asset_id, reasons), market_id


def test_a_preset_slot_uses_the_measured_derivative_or_waits_for_it(kit, product_shot,
                                                                    catalog, germany):
    preset = f.DownloadPresetFactory(slug="web-2000", transformation="c_limit,w_2000",
                                     format="jpg")
    slot = Slot.objects.create(kit=kit, name="Web", kind=product_shot, min_width=2000,
                               formats=["jpg"], preset=preset)
    measured = [a for a in catalog if a.approved_version_id][:6]
    for n, asset in enumerate(measured):
        DerivativeFacts.objects.create(version=asset.approved_version, preset=preset,
                                       transformation=preset.transformation,
                                       requested_format=preset.format,
                                       width=1000 + 500 * n, height=1000, bytes=1000,
                                       format="jpg" if n % 2 else "png",
                                       fetched_at=timezone.now() - timedelta(minutes=n))
    derivatives = {(d.version_id, d.preset_id): d for d in DerivativeFacts.objects.all()}
    for cell in (c for c in compute_cells(kit) if c.slot_id == slot.pk):
        state, asset_id, reasons = _python_best(kit, slot, cell.market_id, derivatives)
        assert (cell.state, cell.asset_id, cell.reasons) == (state, asset_id, reasons)

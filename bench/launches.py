"""Launch-kit benchmark: recomputing a kit's readiness, and its readiness page, at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h13b \
        .venv/bin/python bench/launches.py [--assets 100000] [--runs 20] [--reseed]

Use a database of its own: reseeding empties the catalog (TRUNCATE of the assets and what
refers to them). Seeds (once, with INSERT ... SELECT over generate_series; reused unless
--reseed) 100,000 assets over 10 campaigns and 30 markets (images, videos, PDFs of varied
sizes; 90 % approved, 5 % approved with a newer version pending, 5 % waiting for a first
approval, 1 % retired), then a kit on one campaign (10,000 of the assets) with 10 markets
and 40 slots: 30 filled by rule (kind, sometimes a tag; dimension, format, size, duration
and page rules; 3 with a market override, 4 judged on a preset's measured derivative) and 10
hand-picked (3 of them per market, 2 left empty). Three communities with 50 organisations,
20 of which confirmed the kit.

Measured, interleaved in one loop with their floors:

- recompute: what the task does after a change (`derivatives_to_measure`,
  `colours_to_measure` + `kit_recompute`:
  the candidate queries, judging, writing the changed cells, snapshot, stale confirmations,
  embargoes). Between runs one candidate's approved version flips between 1600 and 2400 px,
  so each run really changes cells. Floor: the bare SQL of its candidate statement (the
  UNION ALL of the rule slots' grouped SELECTs).
- the readiness page (content team, full middleware and template) from the matrix the
  recompute stored on the kit. Floor: the bare SQL of reading the kit (its main query).
- the kit list (sorted by risk).
"""

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import CONTENT_TEAM  # noqa: E402
from assets.models import Asset, AssetKind, AssetVersion, Campaign, DownloadPreset, Market  # noqa: E402
from bench.seed import bare_sql, check, id_array, terms  # noqa: E402
from communities.models import Community, Membership, Partner, Publication  # noqa: E402
from launches import readiness, selectors  # noqa: E402
from launches.models import (  # noqa: E402
    KitConfirmation,
    LaunchKit,
    Slot,
    SlotFill,
    SlotMarketRule,
)

KIT = "Bench launch kit"
STAFF_EMAIL = "bench.content@brand.example"
CAMPAIGNS, MARKETS, KINDS = 10, 30, 10
SIZES = "ARRAY[[1600,1600],[2400,2400],[1920,600],[2000,2000],[3000,2000]]"


def seed_assets(n: int, campaigns, markets, kinds) -> None:
    """Assets, their versions and markets in a handful of INSERT ... SELECT statements."""
    print(f"seeding {n} assets ...", flush=True)
    started = time.perf_counter()
    kind_of = f"({id_array(kinds)})[1 + (i / 20) % {len(kinds)}]"
    with connection.cursor() as cursor:
        cursor.execute(f"""
        INSERT INTO assets_asset (asset_id, public_id, resource_type, delivery_type, asset_folder,
            title, description, format, bytes, width, height, duration, pages, locale, tags,
            context, metadata, approval_state, approval_reason, moderation_push_pending, retired,
            version, search_document, created_at, updated_at, sync_fingerprint, access_mode,
            delivery_pending, release_public_id, release_version, master_source, campaign_id,
            kind_id)
        SELECT 'bench-' || lpad(i::text, 9, '0'), 'bench/asset-' || i,
            CASE WHEN i % 20 < 17 THEN 'image' WHEN i % 20 < 19 THEN 'video' ELSE 'raw' END,
            'upload', '', 'Bench asset ' || i, '',
            CASE WHEN i % 20 >= 19 THEN 'pdf' WHEN i % 20 >= 17 THEN 'mp4'
                 ELSE (ARRAY['jpg','png','webp'])[1 + i % 3] END,
            50000 + (i * 7919) % 9000000,
            ({SIZES})[1 + (i * 13) % 5][1], ({SIZES})[1 + (i * 13) % 5][2],
            CASE WHEN i % 20 IN (17, 18) THEN 5 + i % 40 END,
            CASE WHEN i % 20 = 19 THEN 1 + i % 12 END,
            '', jsonb_build_array('tag-' || ((i / 3) % 20)), '{{}}', '{{}}',
            CASE WHEN i % 20 = 5 THEN 'pending' ELSE 'approved' END, '', false, i % 97 = 0,
            1700000000 + i, '', now(), now(), '', '', false,
            CASE WHEN i % 20 = 5 THEN '' ELSE 'partner-portal/releases/bench-' || i END,
            1700000000 + i, '',
            ({id_array(campaigns)})[1 + (i / 200) % {len(campaigns)}], {kind_of}
        FROM generate_series(1, {int(n)}) AS i""")
        number = "substring(a.asset_id from 7)::int"
        cursor.execute("""
        INSERT INTO assets_assetversion (asset_id, version, number, bytes, etag, format, width,
            height, duration, pages, created_at, seen_at, delivery_public_id, delivery_version,
            metadata, release_error, review_reason, review_state, revoke_to, tags)
        SELECT a.id, a.version, 1, a.bytes, 'e1', a.format, a.width, a.height, a.duration,
            a.pages, now(), now(), a.release_public_id, a.version, '{}', '', '',
            CASE WHEN a.approval_state = 'approved' THEN 'approved' ELSE 'pending' END, '', '[]'
        FROM assets_asset a WHERE a.asset_id LIKE 'bench-%'""")
        # 5 %: a bigger version 2 waits for review while version 1 stays approved.
        cursor.execute(f"""
        INSERT INTO assets_assetversion (asset_id, version, number, bytes, etag, format, width,
            height, duration, pages, created_at, seen_at, delivery_public_id, delivery_version,
            metadata, release_error, review_reason, review_state, revoke_to, tags)
        SELECT a.id, a.version + 1, 2, a.bytes, 'e2', a.format, 3000, 3000, a.duration,
            a.pages, now(), now(), '', 0, '{{}}', '', '', 'pending', '', '[]'
        FROM assets_asset a WHERE a.asset_id LIKE 'bench-%' AND {number} % 20 = 6""")
        cursor.execute("""
        UPDATE assets_asset a SET
            approved_version_id = CASE WHEN a.approval_state = 'approved' THEN v1.id END,
            current_version_id = COALESCE(v2.id, v1.id)
        FROM assets_assetversion v1
        LEFT JOIN assets_assetversion v2 ON v2.asset_id = v1.asset_id AND v2.number = 2
        WHERE v1.asset_id = a.id AND v1.number = 1 AND a.asset_id LIKE 'bench-%'""")
        # A quarter of the assets are global (no market), the rest in one or two markets.
        cursor.execute(f"""
        INSERT INTO assets_asset_markets (asset_id, market_id)
        SELECT a.id, ({id_array(markets)})[1 + {number} % {len(markets)}] FROM assets_asset a
        WHERE a.asset_id LIKE 'bench-%' AND {number} % 4 <> 0
        UNION
        SELECT a.id, ({id_array(markets)})[1 + ({number} + 7) % {len(markets)}] FROM assets_asset a
        WHERE a.asset_id LIKE 'bench-%' AND {number} % 4 <> 0 AND {number} % 3 = 0""")
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)


def seed_kit(campaign, markets, kinds, staff) -> LaunchKit:
    """The 40-slot, 10-market kit, its communities, organisations and measured derivatives."""
    kit = LaunchKit.objects.create(name=KIT, campaign=campaign, embargo=True, published=True,
                                   go_live_at=timezone.now() + timedelta(days=12))
    kit_markets = markets[:10]
    kit.markets.set(kit_markets)
    kit.owners.set([staff])
    presets = [DownloadPreset.objects.get_or_create(
        slug=f"bench-preset-{i}", defaults={"name": f"Bench preset {i}",
                                            "transformation": f"c_limit,w_{1000 * (i + 1)}",
                                            "format": "jpg"})[0] for i in range(2)]
    rules = [
        {"resource_type": "image", "formats": ["jpg", "png"], "min_width": 2000,
         "min_height": 2000, "aspect_ratio": "1:1", "max_bytes": 5_000_000},
        {"resource_type": "image", "formats": ["jpg"], "exact_width": 1920,
         "exact_height": 600},
        {"resource_type": "video", "min_duration": 10, "max_duration": 30},
        {"resource_type": "raw", "formats": ["pdf"], "min_pages": 2},
        {"resource_type": "image", "min_width": 2400, "aspect_ratio": "3:2"},
    ]
    slots = []
    for s in range(30):
        slot = Slot(kit=kit, name=f"Rule slot {s + 1}", position=s, kind=kinds[s % len(kinds)],
                    match_tag=f"tag-{s % 20}" if s % 7 == 0 else "", **rules[s % len(rules)])
        if s in (4, 9, 14, 19):
            slot.preset = presets[s % 2]
        slots.append(slot)
    for s in range(10):
        slots.append(Slot(kit=kit, name=f"Hand-picked slot {s + 1}", position=30 + s,
                          required=s != 9, resource_type="image", min_width=1500))
    Slot.objects.bulk_create(slots)
    for s in (0, 1, 10):
        SlotMarketRule.objects.create(slot=slots[s], market=kit_markets[s % 10], min_width=1000,
                                      min_height=None, formats=["webp", "jpg", "png"])
    picks = list(Asset.objects.filter(campaign=campaign, resource_type="image")
                 .order_by("pk").values_list("pk", flat=True)[:200])
    fills = []
    for s, slot in enumerate(slots[30:38]):
        if s < 5:
            fills.append(SlotFill(slot=slot, market=None, asset_id=picks[s]))
        else:  # per market, two markets left open
            fills += [SlotFill(slot=slot, market=m, asset_id=picks[20 + s * 10 + i])
                      for i, m in enumerate(kit_markets[:8])]
    SlotFill.objects.bulk_create(fills)
    with connection.cursor() as cursor:  # Cloudinary's facts of the presets' derivatives
        for preset in presets:
            cursor.execute("""
            INSERT INTO launches_derivativefacts (version_id, preset_id, transformation,
                requested_format, width, height, bytes, format, fetched_at)
            SELECT a.approved_version_id, %s, %s, %s, LEAST(a.width, %s), LEAST(a.height, %s),
                a.bytes / 3, 'jpg', now()
            FROM assets_asset a WHERE a.campaign_id = %s AND a.approved_version_id IS NOT NULL
              AND a.kind_id IN (SELECT kind_id FROM launches_slot WHERE preset_id = %s
                                AND kit_id = %s)""",
                           [preset.pk, preset.transformation, preset.format,
                            1000 * (preset.pk % 2 + 1),
                            1000 * (preset.pk % 2 + 1), campaign.pk, preset.pk, kit.pk])
    communities = Community.objects.bulk_create([
        Community(tg_id=f"BENCH-KIT-{i}", name=f"Bench community {i}") for i in range(3)])
    for community in communities:
        community.markets.set(kit_markets[:5] if community.tg_id.endswith("0") else kit_markets)
    kit.communities.set(communities)
    for community in communities:  # the campaign reaches them (a ready cell needs it)
        Publication.objects.create(community=community, campaign=campaign)
    partners = Partner.objects.bulk_create([Partner(tg_company_id=f"BENCH-KIT-P{i}",
                                                    name=f"Bench partner {i}")
                                            for i in range(50)])
    users = User.objects.bulk_create([User(email=f"bench-kit{i}@partner.example")
                                      for i in range(100)])
    Membership.objects.bulk_create([
        Membership(user=user, partner=partners[i // 2], community=communities[i % 3])
        for i, user in enumerate(users)])
    return kit, partners


def seed(n_assets: int) -> None:
    campaigns = terms(Campaign, "bench-campaign", CAMPAIGNS)
    markets = terms(Market, "bench-market", MARKETS)
    kinds = terms(AssetKind, "bench-kind", KINDS)
    with connection.cursor() as cursor:  # like bench/catalog.py, the bench owns the catalog
        cursor.execute("TRUNCATE assets_asset, assets_assetversion CASCADE")
    seed_assets(n_assets, campaigns, markets, kinds)
    staff, _ = User.objects.get_or_create(email=STAFF_EMAIL)
    staff.groups.add(Group.objects.get_or_create(name=CONTENT_TEAM)[0])
    kit, partners = seed_kit(campaigns[0], markets, kinds, staff)
    print("first compute of the kit ...", flush=True)
    started = time.perf_counter()
    readiness.kit_recompute(kit.pk)
    print(f"  {time.perf_counter() - started:.2f} s (writes every cell)", flush=True)
    cells = list(kit.cells.all())
    for partner in partners[:20]:
        KitConfirmation.objects.create(kit=kit, partner=partner,
                                       contents=readiness.contents_for(kit, cells, partner.pk))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(cases, runs: int) -> list[tuple]:
    """Each case's (request, floor), interleaved in one loop; p50 and p95 in ms."""
    timings = {name: ([], []) for name, *_ in cases}
    for _name, request, floor, before in cases:  # warm caches and connections
        before()
        request()
        floor()
    for _ in range(runs):
        for name, request, floor, before in cases:
            before()
            for fn, bucket in ((request, timings[name][0]), (floor, timings[name][1])):
                start = time.perf_counter()
                fn()
                bucket.append((time.perf_counter() - start) * 1000)
    rows = []
    for name, (req, flo) in timings.items():
        req.sort()
        flo.sort()
        p95 = max(0, round(0.95 * len(req)) - 1)
        rows.append((name, statistics.median(req), req[p95], statistics.median(flo), flo[p95]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/launches.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    setup_test_environment()
    logging.disable(logging.INFO)  # the eager notification tasks' log lines
    call_command("migrate", verbosity=0)
    if args.reseed or not LaunchKit.objects.filter(name=KIT).exists() or (
            Asset.objects.filter(asset_id__startswith="bench-").count() != args.assets):
        with transaction.atomic():
            LaunchKit.objects.filter(name=KIT).delete()
            Community.objects.filter(tg_id__startswith="BENCH-KIT-").delete()
            Partner.objects.filter(tg_company_id__startswith="BENCH-KIT-P").delete()
            User.objects.filter(email__startswith="bench-kit").delete()
            seed(args.assets)
    kit = LaunchKit.objects.get(name=KIT)
    staff = User.objects.get(email=STAFF_EMAIL)
    client = Client()
    client.force_login(staff)
    # The asset of a ready cell whose slot sets a width: at 1600 px it fails, at 2400 it is
    # back, so each recompute rewrites cells (and another candidate is chosen meanwhile).
    sized = kit.cells.filter(state="ready", slot__preset__isnull=True, slot__position__lt=30,
                             slot__min_width__gte=2000).order_by("slot__position", "pk").first()
    flip = Asset.objects.get(pk=sized.asset_id)
    widths = iter([1600, 2400] * (args.runs + 2))

    def change():
        width = next(widths)
        AssetVersion.objects.filter(pk=flip.approved_version_id).update(width=width,
                                                                        height=width)

    def recompute():
        readiness.derivatives_to_measure(kit)
        readiness.colours_to_measure(kit)
        readiness.kit_recompute(kit.pk)

    page = f"/staff/launches/{kit.pk}/"
    kit_row = LaunchKit.objects.select_related("campaign", "product_line").filter(pk=kit.pk)
    states = dict(kit.cells.values_list("state").annotate(n=django.db.models.Count("pk")))
    print(f"\n{Asset.objects.count()} assets ({Asset.objects.filter(campaign=kit.campaign).count()}"
          f" in the kit's campaign); kit: {kit.slots.count()} slots × {kit.markets.count()} "
          f"markets = {kit.cells.count()} cells {states}; readiness {kit.readiness}%\n")
    cases = [
        ("recompute (task, after a change)", recompute,
         bare_sql([readiness.candidate_statement(kit)]), change),
        ("readiness page", lambda: check(client.get(page)), bare_sql([kit_row]), lambda: None),
        ("kit list", lambda: check(client.get("/staff/launches/")),
         bare_sql([selectors.kits_by_risk()]), lambda: None),
    ]
    print(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8}   {'floor p50':>9} {'floor p95':>9}"
          f"   {'ratio p50':>9}")
    for name, p50, p95, f50, f95 in measure(cases, args.runs):
        print(f"{name:34} {p50:8.1f} {p95:8.1f}   {f50:9.1f} {f95:9.1f}   "
              f"{p50 / f50 if f50 else 0:8.1f}×", flush=True)
    size = len(check(client.get(page)).content)
    print(f"\nreadiness page: {size // 1024} KiB of HTML")


if __name__ == "__main__":
    main()

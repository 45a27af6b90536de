"""Catalog benchmark: p50/p95 of the partner's everyday requests at production size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalog_dev \
        .venv/bin/python bench/catalog.py [--assets 100000] [--communities 500] \
        [--users 5000] [--runs 30] [--reseed]

Seeds (once; reused on the next run unless --reseed) 100,000 approved assets with
taxonomy and markets, 500 communities with direct and rule publications and 5,000
partner users, then measures, for a partner who is a member of 5 communities and
through Django's in-process test client (no network, full middleware, templates and
serialisation):

- the catalog page (facet counts included), a search, the API list, the download
  redirect (visibility check, audit event, signed URL);
- beside each, the "floor": the bare SQL of its main query run on a cursor, interleaved
  with the request in one loop (a round runs the request, then its floor);
- the catalog page once more with the visibility rule evaluated from the publications
  (`communities.visibility.USE_GRANTS = False`, the reference), against its own floor.
"""

import argparse
import os
import random
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from assets.filters import AssetFilter  # noqa: E402
from assets.models import (  # noqa: E402
    ApprovalState,
    Asset,
    AssetKind,
    AssetVersion,
    Campaign,
    DownloadPreset,
    Market,
    ProductLine,
)
from assets.search import build_search_document  # noqa: E402
from communities.models import Community, Membership, Partner, Publication  # noqa: E402

BENCH_EMAIL = "bench.partner@example.com"
WORDS = ["trail", "summit", "ridge", "alpine", "storm", "glacier", "canyon", "harbor", "meadow",
         "forest", "river", "boot", "jacket", "tent", "pack", "glove", "helmet", "lantern",
         "stove", "bottle", "rope"]
BATCH = 5000


def _terms(model, prefix, count):
    model.objects.bulk_create([model(slug=f"{prefix}-{i}", name=f"{prefix.title()} {i}")
                               for i in range(count)], ignore_conflicts=True)
    return list(model.objects.filter(slug__startswith=f"{prefix}-"))


def seed(n_assets: int, n_communities: int, n_users: int) -> None:
    rnd = random.Random(7)
    lines, campaigns = _terms(ProductLine, "line", 20), _terms(Campaign, "campaign", 60)
    markets, kinds = _terms(Market, "market", 30), _terms(AssetKind, "kind", 10)
    now = timezone.now()
    if Asset.objects.count() == n_assets:
        print(f"reusing the {n_assets} seeded assets", flush=True)
    else:
        Asset.objects.all().delete()
        _seed_assets(rnd, n_assets, lines, campaigns, markets, kinds, now)
    _seed_people(rnd, n_communities, n_users, lines, campaigns, markets)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _seed_assets(rnd, n_assets, lines, campaigns, markets, kinds, now) -> None:
    print(f"seeding {n_assets} assets ...", flush=True)
    for start in range(0, n_assets, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, n_assets)):
            words = rnd.sample(WORDS, 3)
            width, height = rnd.choice([(1920, 1080), (1080, 1920), (1200, 1200), (2400, 1600)])
            asset = Asset(
                asset_id=f"{i:032x}", public_id=f"kestrel/{words[0]}/{words[1]}-{i}",
                title=f"{words[0].title()} {words[1]} {i}",
                description=f"{' '.join(rnd.sample(WORDS, 6))} shot for partners",
                tags=[f"line:{words[2]}", words[2]], format=rnd.choice(["jpg", "png", "pdf"]),
                width=width, height=height, bytes=rnd.randint(50_000, 9_000_000),
                version=1_700_000_000 + i, approval_state=ApprovalState.APPROVED,
                product_line=rnd.choice(lines), campaign=rnd.choice(campaigns),
                kind=rnd.choice(kinds), updated_at=now - timedelta(minutes=i),
                release_public_id=f"partner-portal/releases/{i:032x}/1-bench",
                release_version=1_700_000_000 + i)
            asset.search_document = build_search_document(asset)
            batch.append(asset)
        created = Asset.objects.bulk_create(batch)
        # Each asset's approved version, released: what partners are served.
        versions = AssetVersion.objects.bulk_create([
            AssetVersion(asset=a, version=a.version, number=1, format=a.format, width=a.width,
                         height=a.height, bytes=a.bytes, created_at=a.updated_at,
                         review_state="approved", delivery_public_id=a.release_public_id,
                         delivery_version=a.release_version) for a in created])
        for asset, version in zip(created, versions, strict=True):
            asset.approved_version = asset.current_version = version
        Asset.objects.bulk_update(created, ["approved_version", "current_version"])
        Asset.markets.through.objects.bulk_create([
            Asset.markets.through(asset_id=a.pk, market_id=m.pk)
            for a in created for m in rnd.sample(markets, rnd.randint(1, 2))])
        print(f"  {start + len(batch)}", flush=True)


def _seed_people(rnd, n_communities, n_users, lines, campaigns, markets) -> None:
    asset_ids = list(Asset.objects.values_list("pk", flat=True))
    print(f"seeding {n_communities} communities, publications, {n_users} users ...", flush=True)
    communities = Community.objects.bulk_create([
        Community(tg_id=f"BENCH-{i}", name=f"Community {i}") for i in range(n_communities)])
    publications = []
    for community in communities:
        for asset_id in rnd.sample(asset_ids, 40):
            publications.append(Publication(community=community, asset_id=asset_id))
        publications.append(Publication(community=community, product_line=rnd.choice(lines),
                                        market=rnd.choice(markets)))
        publications.append(Publication(community=community, campaign=rnd.choice(campaigns)))
    Publication.objects.bulk_create(publications, batch_size=BATCH, ignore_conflicts=True)
    partners = Partner.objects.bulk_create([Partner(tg_company_id=f"BENCH-P{i}", name=f"P {i}")
                                            for i in range(n_communities)])
    users = User.objects.bulk_create([User(email=f"bench{i}@partner.example")
                                      for i in range(n_users - 1)]
                                     + [User(email=BENCH_EMAIL)])
    memberships = []
    for user in users:
        count = 5 if user.email == BENCH_EMAIL else rnd.randint(1, 3)
        for community in rnd.sample(communities, count):
            memberships.append(Membership(user=user, community=community,
                                          partner=rnd.choice(partners)))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)


def _p50_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def measure_interleaved(fns, runs: int) -> list[tuple[float, float]]:
    """p50/p95 (ms) of each of `fns`, run one after the other in every round of one loop, so
    a burst of load on this shared machine hits a request and its floors alike."""
    for fn in fns:
        fn()  # warm caches and connections
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, bucket in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            bucket.append((time.perf_counter() - start) * 1000)
    return [_p50_p95(bucket) for bucket in times]


def grants_off(fn):
    """`fn` with the visibility rule evaluated from the publications (the reference path)."""
    from communities import visibility

    def run():
        visibility.USE_GRANTS = False
        try:
            return fn()
        finally:
            visibility.USE_GRANTS = True
    return run


def bare_sql(queryset):
    sql, params = queryset.query.sql_with_params()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    return run


def check(response, status=200):
    if response.status_code != status:
        raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/catalog.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    setup_test_environment()
    call_command("migrate", verbosity=0)
    if args.reseed or not User.objects.filter(email=BENCH_EMAIL).exists():
        with transaction.atomic():
            Community.objects.filter(tg_id__startswith="BENCH-").delete()
            Partner.objects.filter(tg_company_id__startswith="BENCH-").delete()
            User.objects.filter(email__endswith="partner.example").delete()
            User.objects.filter(email=BENCH_EMAIL).delete()
        seed(args.assets, args.communities, args.users)
    from communities import grants

    if not grants.check().clean:  # seeded in bulk (no model signals): fill the grant table
        print("filling the grant table ...", flush=True)
        grants.rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = User.objects.get(email=BENCH_EMAIL)
    client = Client()
    client.force_login(user)
    visible = Asset.objects.visible_to(user)
    one = visible.order_by("-updated_at").first()
    preset = DownloadPreset.objects.get(slug="web-1200-webp")
    print(f"\n{Asset.objects.count()} assets, {Community.objects.count()} communities, "
          f"{User.objects.count()} users; the partner is in "
          f"{Membership.objects.filter(user=user).count()} communities and sees "
          f"{visible.count()} assets\n")
    page_rows = AssetFilter({}, queryset=visible).qs[:24]
    search_rows = AssetFilter({"q": "ridge boot"}, queryset=visible).qs[:24]
    catalog = lambda: check(client.get("/catalog/"))  # noqa: E731
    with grants_off_now():
        reference_rows = AssetFilter({}, queryset=Asset.objects.visible_to(user)).qs[:24]
    cases = [
        ("catalog page (+facet counts)", catalog, bare_sql(page_rows)),
        ("catalog page, reference rule", grants_off(catalog), bare_sql(reference_rows)),
        ("search 'ridge boot' (page)", lambda: check(client.get("/catalog/?q=ridge+boot")),
         bare_sql(search_rows)),
        ("API list (50)", lambda: check(client.get("/api/v1/assets/")),
         bare_sql(AssetFilter({}, queryset=visible).qs[:50])),
        ("download redirect", lambda: check(
            client.get(f"/assets/{one.pk}/download/{preset.slug}/"), 302),
         bare_sql(visible.filter(pk=one.pk))),
    ]
    print(f"{'request':32} {'p50 ms':>8} {'p95 ms':>8}   {'floor p50':>9} {'floor p95':>9}"
          f"   {'ratio p95':>9}")
    for name, request, floor in cases:
        (p50, p95), (f50, f95) = measure_interleaved([request, floor], args.runs)
        print(f"{name:32} {p50:8.1f} {p95:8.1f}   {f50:9.1f} {f95:9.1f}   {p95 / f95:8.1f}x",
              flush=True)


class grants_off_now:
    """Context manager: build querysets with the reference rule."""

    def __enter__(self):
        from communities import visibility

        visibility.USE_GRANTS = False

    def __exit__(self, *exc):
        from communities import visibility

        visibility.USE_GRANTS = True


if __name__ == "__main__":
    main()

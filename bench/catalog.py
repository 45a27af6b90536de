"""Catalog benchmark: p50/p95 of the partner's everyday requests at production size.

    createdb -h 127.0.0.1 -U postgres bench_100k    # a database of its own (reseeding
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \\   # empties its catalog)
        .venv/bin/python bench/catalog.py [--assets 100000] [--communities 500] \
        [--users 5000] [--runs 30] [--reseed]

Seeds (once; reused on the next run unless --reseed or the sizes differ) with bulk SQL
(bench/seed.py: INSERT ... SELECT over generate_series; ~1 minute at 100,000) approved
assets with their released approved version, taxonomy, markets and search documents, 500
communities with direct and rule publications, 5,000 users and the grant table. Per 100,000
assets: 20 product lines, 60 campaigns, 30 markets, 10 kinds; past 100,000 the lines and
campaigns grow with the catalog, so a community's publications reach ~1,950 assets at
100,000 and at 1,000,000. Two bench partners: bench.partner (5 communities, sees ~9,700)
and bench.small (1 community, sees ~1,950). Then measures, through Django's in-process
test client (no network, full middleware, templates and serialisation):

- the catalog page (facet counts included), a search, the API list, the download
  redirect (visibility check, audit event, signed URL), and the catalog page of bench.small;
- beside each, the "floor": the bare SQL of its main query run on a cursor, interleaved
  with the request in one loop (a round runs the request, then its floor);
- the catalog page once more with the visibility rule evaluated from the publications
  (`communities.visibility.USE_GRANTS = False`, the reference), against its own floor.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from assets.filters import AssetFilter  # noqa: E402
from assets.models import Asset, DownloadPreset  # noqa: E402
from bench.seed import BENCH_EMAIL, SMALL_EMAIL, World, seed_catalog, world_is_seeded  # noqa: E402
from communities.models import Community, Membership  # noqa: E402


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
    world = World(args.assets, args.communities, args.users)
    if args.reseed or not world_is_seeded(world):
        seed_catalog(world)
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
    small = User.objects.get(email=SMALL_EMAIL)
    small_client = Client()
    small_client.force_login(small)
    small_visible = Asset.objects.visible_to(small)
    print(f"bench.small is in {Membership.objects.filter(user=small).count()} community and "
          f"sees {small_visible.count()} assets\n")
    cases.append(("catalog page, bench.small", lambda: check(small_client.get("/catalog/")),
                  bare_sql(AssetFilter({}, queryset=small_visible).qs[:24])))
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

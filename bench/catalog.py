"""Catalog benchmark: p50/p95 of the partner's everyday requests at production size.

    createdb -h 127.0.0.1 -U postgres bench_100k    # a database of its own (reseeding
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \\   # empties its catalog)
        .venv/bin/python bench/catalog.py [--assets 100000] [--communities 500] \
        [--users 5000] [--runs 30] [--repeats 3] [--reference] [--explain DIR] \
        [--reseed] [--seed-only] [--only WORD]

Seeds (once; reused on the next run unless --reseed or the sizes differ) with bulk SQL
(bench/seed.py: INSERT ... SELECT over generate_series; ~1 minute at 100,000) approved
assets with their released approved version, taxonomy, markets and search documents, 500
communities with direct and rule publications, 5,000 users and the grant table. Per 100,000
assets: 20 product lines, 60 campaigns, 30 markets, 10 kinds; past 100,000 the lines and
campaigns grow with the catalog, so a community's publications reach ~1,950 assets at
100,000 and at 1,000,000 (below 100,000 the per-100,000 taxonomy stays, so they reach
fewer). Two bench partners: bench.partner (5 communities, ~9,650 visible at 100,000 and
1,000,000) and bench.small (1 community, ~1,950). Then measures, through Django's
in-process test client (no network, full middleware, templates and serialisation):

- the catalog page of bench.partner (facet counts included), a search, the API list, the
  download redirect (visibility check, audit event, signed URL), and the catalog page of
  bench.small;
- beside each, two floors, interleaved with the request in one loop (a round runs the
  request, then each floor): "page", the bare SQL of its main query on a cursor; "SQL",
  every statement the request sent (captured with their parameters during a warm request),
  replayed on a cursor in a transaction that is rolled back. The request's time minus the
  SQL floor is its Python (and the commit);
- 3 repeats of that loop (--repeats): each repeat's table, then the median of the repeats;
- with --reference, the catalog page once more with the visibility rule evaluated from the
  publications (`communities.visibility.USE_GRANTS = False`).

--explain DIR writes EXPLAIN (ANALYZE, BUFFERS) of every statement of the catalog page and
of the search that reads the asset table (page query, facet statement, ...) into DIR, with
an index file saying which scan the asset table sequentially, and stops.
"""

import argparse
import logging
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from assets.filters import AssetFilter  # noqa: E402
from assets.models import Asset, DownloadPreset  # noqa: E402
from bench.seed import (  # noqa: E402
    BENCH_EMAIL,
    SMALL_EMAIL,
    World,
    bare_sql,
    check,
    p50_p95,
    seed_catalog,
    world_is_seeded,
)
from communities.models import Community, Membership  # noqa: E402

Statement = tuple[str, object, bool]  # sql, params, executemany


def capture(fn) -> list[Statement]:
    """Every statement `fn` sends, with its parameters, as the database driver gets them.

    (An execute wrapper rather than CaptureQueriesContext: that one keeps only the SQL
    with the parameters interpolated as text; this keeps the exact string and values.)
    """
    statements: list[Statement] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        fn()
    return statements


def _is_write(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


def replay(statements: list[Statement]):
    """A function that replays `statements` on one cursor, fetching every row, inside a
    transaction rolled back at the end: the SQL floor of the request.

    The request's savepoints are in the list, so the replay runs in a transaction; its
    writes (the user's catalog visit, a download's audit event) run but are not kept, and
    the commit is not part of the floor. A write that fails on replay (the audit event's
    sequence: the request has committed it since) runs under a savepoint of its own and
    is counted in `replay.failed` (its work up to the unique check is in the floor).
    """
    failing: set[int] = set()

    def run_all(cursor, learn=False):
        for index, (sql, params, many) in enumerate(statements):
            guarded = index in failing or (learn and _is_write(sql))
            if guarded:
                cursor.execute("SAVEPOINT bench_replay")
            try:
                (cursor.executemany if many else cursor.execute)(sql, params)
            except DatabaseError:
                if not guarded:
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT bench_replay")
                failing.add(index)
                continue
            if guarded:
                cursor.execute("RELEASE SAVEPOINT bench_replay")
            if cursor.description is not None:
                cursor.fetchall()

    def run(learn=False):
        with transaction.atomic(), connection.cursor() as cursor:
            try:
                run_all(cursor, learn)
            finally:
                transaction.set_rollback(True)

    run(learn=True)  # which writes fail on replay
    run.failed = failing
    run.statements = statements
    return run


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
    return [p50_p95(bucket) for bucket in times]


class reference_rule:
    """Context manager: the visibility rule evaluated from the publications
    (`communities.visibility.USE_GRANTS = False`, the reference path)."""

    def __enter__(self):
        from communities import visibility

        if not hasattr(visibility, "USE_GRANTS"):
            raise SystemExit("--reference: communities.visibility has no USE_GRANTS switch")
        visibility.USE_GRANTS = False

    def __exit__(self, *exc):
        from communities import visibility

        visibility.USE_GRANTS = True


def under_reference(fn):
    def run():
        with reference_rule():
            return fn()
    return run


@dataclass
class Case:
    name: str
    request: object
    page_floor: object  # the bare SQL of the page's main query
    replay: object = None  # every statement of the request, replayed (filled in main)


COLUMNS = ("p50", "p95", "page p50", "page p95", "SQL p50", "SQL p95", "p95/page",
           "p95/SQL", "queries")


def print_table(title: str, rows: list[tuple]) -> None:
    print(f"\n{title}\n\n| request | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, *values in rows:
        cells = [f"{v:.1f}" for v in values[:6]] + [f"{v:.1f}×" for v in values[6:8]]
        print(f"| {name} | " + " | ".join(cells) + f" | {values[8]} |", flush=True)


def measure_cases(cases: list[Case], runs: int, repeats: int) -> None:
    per_repeat: dict[str, list[tuple]] = {case.name: [] for case in cases}
    for repeat in range(1, repeats + 1):
        rows = []
        for case in cases:
            (p50, p95), (a50, a95), (s50, s95) = measure_interleaved(
                [case.request, case.page_floor, case.replay], runs)
            row = (p50, p95, a50, a95, s50, s95, p95 / a95, p95 / s95,
                   len(case.replay.statements))
            per_repeat[case.name].append(row)
            rows.append((case.name, *row))
        print_table(f"repeat {repeat} of {repeats} ({runs} rounds; ms)", rows)
    medians = [(name, *[statistics.median(column) for column in zip(*rows, strict=True)])
               for name, rows in per_repeat.items()]
    print_table(f"median of the {repeats} repeats (ms)",
                [(name, *values[:8], round(values[8])) for name, *values in medians])


def explain(directory: Path, label: str, statements: list[Statement]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT of the request that reads the asset table,
    one file each, and an index saying which of them scan the asset table sequentially."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"{label}-*.txt"):  # a previous run's statements
        stale.unlink()
    index, seen = [], set()
    with connection.cursor() as cursor:
        for number, (sql, params, many) in enumerate(statements, start=1):
            if many or not sql.lstrip().upper().startswith(("SELECT", "WITH")) \
                    or '"assets_asset"' not in sql:
                continue
            kind = ("facets" if "facet" in sql.lower() else
                    "page" if re.search(r"LIMIT 24\b|LIMIT 50\b", sql) else "")
            kind = kind if kind and kind not in seen else f"q{number:02d}"
            seen.add(kind)
            cursor.execute(sql, params)  # warm
            cursor.fetchall()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            name = f"{label}-{kind}.txt"
            (directory / name).write_text(
                f"-- statement {number} of the request ({label}); parameters: {params!r}\n"
                f"{sql}\n\n{plan}\n")
            took = re.search(r"Execution Time: ([\d.]+) ms", plan)
            # the asset table itself, not assets_assetkind or assets_asset_markets
            seq = ("SEQ SCAN of assets_asset" if re.search(r"Seq Scan on assets_asset\b", plan)
                   else "no seq scan of assets_asset")
            index.append(f"{name}: {took.group(1) if took else '?'} ms, {seq}")
    (directory / f"{label}-index.txt").write_text("\n".join(index) + "\n")
    print(f"\nplans of {label} in {directory}:\n  " + "\n  ".join(index))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30, help="rounds per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference", action="store_true",
                        help="also measure the catalog with the reference rule (USE_GRANTS=False)")
    parser.add_argument("--explain", type=Path, metavar="DIR",
                        help="write EXPLAIN (ANALYZE, BUFFERS) of the catalog and search "
                             "statements into DIR and stop")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--only", metavar="WORD",
                        help="measure only the requests whose name contains WORD "
                             "(e.g. --only download)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/catalog.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    setup_test_environment()
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0)
    world = World(args.assets, args.communities, args.users)
    if args.reseed or not world_is_seeded(world):
        seed_catalog(world)
    if args.seed_only:
        return
    user = User.objects.get(email=BENCH_EMAIL)
    small = User.objects.get(email=SMALL_EMAIL)
    client, small_client = Client(), Client()
    client.force_login(user)
    small_client.force_login(small)
    visible = Asset.objects.visible_to(user)
    small_visible = Asset.objects.visible_to(small)
    one = visible.order_by("-updated_at").first()
    preset = DownloadPreset.objects.get(slug="web-1200-webp")
    print(f"\n{Asset.objects.count()} assets, {Community.objects.count()} communities, "
          f"{User.objects.count()} users; bench.partner is in "
          f"{Membership.objects.filter(user=user).count()} communities and sees "
          f"{visible.count()} assets; bench.small is in "
          f"{Membership.objects.filter(user=small).count()} and sees {small_visible.count()}")
    catalog = lambda: check(client.get("/catalog/"))  # noqa: E731
    search = lambda: check(client.get("/catalog/?q=ridge+boot"))  # noqa: E731
    if args.explain:
        label = f"{round(args.assets / 1000)}k" if args.assets < 1_000_000 else \
            f"{args.assets // 1_000_000}m"
        for name, fn in (("catalog", catalog), ("search", search)):
            fn()
            explain(args.explain, f"{name}-{label}", capture(fn))
        return
    cases = [
        Case("catalog page (+facet counts)", catalog,
             bare_sql([AssetFilter({}, queryset=visible).qs[:24]])),
        Case("search 'ridge boot' (page)", search,
             bare_sql([AssetFilter({"q": "ridge boot"}, queryset=visible).qs[:24]])),
        Case("API list (50)", lambda: check(client.get("/api/v1/assets/")),
             bare_sql([AssetFilter({}, queryset=visible).qs[:50]])),
        Case("download redirect", lambda: check(
            client.get(f"/assets/{one.pk}/download/{preset.slug}/"), 302),
             bare_sql([visible.filter(pk=one.pk)])),
        Case("catalog page, bench.small", lambda: check(small_client.get("/catalog/")),
             bare_sql([AssetFilter({}, queryset=small_visible).qs[:24]])),
    ]
    if args.reference:
        with reference_rule():
            reference_rows = AssetFilter({}, queryset=Asset.objects.visible_to(user)).qs[:24]
        cases.insert(1, Case("catalog page, reference rule", under_reference(catalog),
                             bare_sql([reference_rows])))
    if args.only:
        cases = [case for case in cases if args.only in case.name]
        if not cases:
            raise SystemExit(f"--only {args.only}: no request of that name")
    for case in cases:
        case.request()  # warm: the first request fills caches the next ones reuse
        case.replay = replay(capture(case.request))
        if case.replay.failed:
            print(f"{case.name}: {len(case.replay.failed)} write(s) fail on replay (a unique "
                  "key the request has committed since) and are rolled back to a savepoint")
    print("\nEach round runs the request, then the page query alone (page), then every "
          "statement the request sends, replayed on a cursor (SQL).")
    measure_cases(cases, args.runs, args.repeats)


if __name__ == "__main__":
    main()

"""Bulk seeding shared by the benchmarks: INSERT ... SELECT over generate_series.

Import after `django.setup()`. What is here:

- `terms`, `id_array`, `hashed`: taxonomy rows, SQL arrays of ids, and a deterministic
  pseudo-random integer per row (the seed is the same on every run, without Python loops);
- `insert_select`: an INSERT ... SELECT that fills every column the caller does not name
  from the model field's default (so a column added to the model later does not break the
  seed: NOT NULL columns get their default, nullable ones NULL);
- `seed_catalog` / `catalog_world`: the catalog world of bench/catalog.py and bench/load.py
  (100,000 approved assets, 500 communities with direct and rule publications, 5,000 users,
  the bench partners), in minutes at 1,000,000;
- small helpers for the measuring scripts (`check`, `p50_p95`).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

# --- generic helpers --------------------------------------------------------------------


def terms(model, prefix: str, count: int) -> list:
    """`count` taxonomy rows `<prefix>-<i>` named "<Prefix> <i>" (created if missing),
    ordered by slug (as text: line-0, line-1, line-10, ...)."""
    slugs = [f"{prefix}-{i}" for i in range(count)]
    model.objects.bulk_create([model(slug=slug, name=f"{prefix.title()} {i}")
                               for i, slug in enumerate(slugs)], ignore_conflicts=True)
    return list(model.objects.filter(slug__in=slugs).order_by("slug"))


def id_array(objects) -> str:
    """A PostgreSQL array literal of the objects' primary keys (1-based in SQL)."""
    return "ARRAY[" + ",".join(str(int(o.pk)) for o in objects) + "]::bigint[]"


def hashed(expr: str, salt: int) -> str:
    """SQL: a non-negative pseudo-random integer, a pure function of `expr` (an integer
    expression) and `salt` — the same on every run, independent between salts."""
    return f"(hashint8(({expr})::bigint * 1009 + {int(salt)}) & 2147483647)"


def _default_sql(field, now) -> tuple[str, list]:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "%s", [now]
    if field.has_db_default():
        return "DEFAULT", []
    value = field.get_default()
    if value is None:
        raise ValueError(f"{field.model.__name__}.{field.name} is NOT NULL without a default: "
                         "the seed must give it a value")
    if field.get_internal_type() == "JSONField":
        return "%s::jsonb", [json.dumps(value)]
    return "%s", [field.get_db_prep_save(value, connection)]


def insert_select(cursor, model: type[Model], values: dict[str, str], source: str,
                  params=(), suffix: str = "") -> int:
    """INSERT INTO <model's table> (columns) SELECT <expressions> <source> [suffix].

    `values` maps column names to SQL expressions over `source` (a FROM clause with its
    WHERE). Every other NOT NULL column gets its field's default as a parameter (an
    auto_now(_add) field: the seed's time); nullable columns stay NULL. Returns the row count.
    Without `params`, a `%` in `values` or `source` is SQL's modulo; with `params`, write
    it `%%` in `source` (the expressions in `values` never take parameters).
    """
    now = timezone.now()
    columns, default_params = list(values), []
    expressions = [sql.replace("%", "%%") for sql in values.values()]
    if not params:
        source, suffix = source.replace("%", "%%"), suffix.replace("%", "%%")
    for field in model._meta.concrete_fields:
        if field.column in values or field.primary_key or field.null:
            continue
        sql, field_params = _default_sql(field, now)
        if sql == "DEFAULT":
            continue  # the database fills it
        columns.append(field.column)
        expressions.append(sql)
        default_params += field_params
    qn = connection.ops.quote_name
    statement = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}) "
                 f"SELECT {', '.join(expressions)} {source} {suffix}")
    # the defaults come after the named expressions in the SELECT list, before `source`
    cursor.execute(statement, [*default_params, *params])
    return cursor.rowcount


@dataclass
class DeferredIndexes:
    """Drop a table's secondary indexes (not the ones backing constraints) and `create()`
    them again: bulk loading 1,000,000 rows into GIN and trigram indexes row by row is
    several times slower than building them once."""

    table: str
    definitions: list[str] | None = None

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = %s AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""", [self.table])
            rows = cursor.fetchall()
            self.definitions = [definition for _, definition in rows]
            for name, _ in rows:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return self

    def create(self):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for definition in self.definitions or []:
                cursor.execute(definition)


def bare_sql(statements):
    """A function that runs `statements` (querysets, or (sql, params) pairs) on a cursor and
    fetches every row: a floor for the request that runs them."""
    statements = [s if isinstance(s, tuple) else s.query.sql_with_params() for s in statements]

    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
    return run


def check(response, status=200):
    if response.status_code != status:
        raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def p50_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


class Stopwatch:
    """Prints what is being seeded and how long it took."""

    def __init__(self):
        self.started = time.perf_counter()
        self.steps: list[tuple[str, float]] = []

    def step(self, label: str):
        watch = self

        class _Step:
            def __enter__(self):
                print(f"  {label} ...", end="", flush=True)
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                took = time.perf_counter() - self.t
                watch.steps.append((label, took))
                print(f" {took:.1f} s", flush=True)
        return _Step()

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started


# --- the catalog world (bench/catalog.py, bench/load.py) --------------------------------

WORDS = ["trail", "summit", "ridge", "alpine", "storm", "glacier", "canyon", "harbor", "meadow",
         "forest", "river", "boot", "jacket", "tent", "pack", "glove", "helmet", "lantern",
         "stove", "bottle", "rope"]
# strides coprime with len(WORDS) = 21: six steps of one of them visit six distinct words
STRIDES = [1, 2, 4, 5, 8, 10, 11, 13, 16, 17, 19, 20]
SIZES = "ARRAY[[1920,1080],[1080,1920],[1200,1200],[2400,1600]]"
VERSION_BASE = 1_700_000_000

BENCH_EMAIL = "bench.partner@example.com"  # in 5 communities (sees ~9,750)
SMALL_EMAIL = "bench.small@example.com"  # in 1 community (sees ~1,950) at every size
DIRECT_PER_COMMUNITY = 40
# Taxonomy per 100,000 assets. Past 100,000 the product lines and campaigns grow with the
# catalog, so a community's rules match the same number of assets (~1,950 per community:
# 40 direct, ~1,667 by campaign, ~250 by product line + market) at 100,000 and 1,000,000.
LINES, CAMPAIGNS, MARKETS, KINDS = 20, 60, 30, 10


@dataclass
class World:
    assets: int
    communities: int
    users: int

    @property
    def scale(self) -> float:
        return max(1.0, self.assets / 100_000)


def catalog_world(world: World):
    """The taxonomy of the world, created if missing: (lines, campaigns, markets, kinds)."""
    from assets.models import AssetKind, Campaign, Market, ProductLine

    return (terms(ProductLine, "line", round(LINES * world.scale)),
            terms(Campaign, "campaign", round(CAMPAIGNS * world.scale)),
            terms(Market, "market", MARKETS), terms(AssetKind, "kind", KINDS))


def _word(index_sql: str) -> str:
    return f"(ARRAY[{','.join(repr(w) for w in WORDS)}])[1 + ({index_sql}) % {len(WORDS)}]"


def _markets_of(i: str) -> tuple[str, str, str]:
    """SQL of asset i's markets (0-based indexes into the 30): the first, a distinct second,
    and whether it has the second (half of the assets)."""
    first = f"{hashed(i, 9)} % {MARKETS}"
    second = f"({first} + 1 + {hashed(i, 10)} % {MARKETS - 1}) % {MARKETS}"
    return first, second, f"{hashed(i, 8)} % 2 = 1"


def seed_catalog(world: World) -> Stopwatch:
    """Empty the catalog and seed the world: assets with their released approved version,
    markets and search documents; communities, publications, partners, users; the grant
    table (`communities.grants.rebuild()`); VACUUM ANALYZE. Uses a database of its own."""
    from accounts.models import User
    from assets.models import Asset, AssetVersion
    from communities import grants
    from communities.models import Community, Membership, Partner, Publication

    watch = Stopwatch()
    print(f"seeding {world.assets} assets, {world.communities} communities, {world.users} "
          f"users ...", flush=True)
    lines, campaigns, markets, kinds = catalog_world(world)
    n = int(world.assets)
    with connection.cursor() as cursor, watch.step("emptying the catalog"):
        cursor.execute("TRUNCATE assets_asset, assets_assetversion RESTART IDENTITY CASCADE")
        Community.objects.filter(tg_id__startswith="BENCH-").delete()
        Partner.objects.filter(tg_company_id__startswith="BENCH-").delete()
        User.objects.filter(email__endswith="partner.example").delete()
        User.objects.filter(email__in=[BENCH_EMAIL, SMALL_EMAIL]).delete()

    # Asset i (0-based) has id i + 1 and its version 1 has id i + 1: the pointers are
    # written with the rows (the foreign keys are checked at commit), no UPDATE pass.
    i = "s.i"
    w_a = hashed(i, 1) + " % 21"
    w_b = f"(({w_a}) + 1 + {hashed(i, 2)} % 20)"
    d1 = f"(1 + {hashed(i, 2)} % 20)"
    w_c = f"(({w_a}) + 1 + ({d1} + {hashed(i, 3)} % 19) % 20)"
    stride = f"(ARRAY{STRIDES})[1 + {hashed(i, 4)} % {len(STRIDES)}]"
    start = hashed(i, 5)
    description = " || ' ' || ".join(_word(f"{start} + {k} * {stride}") for k in range(6))
    m1, m2, two_markets = _markets_of(i)
    line_i, campaign_i, kind_i = (f"{hashed(i, 6)} % {len(lines)}",
                                  f"{hashed(i, 7)} % {len(campaigns)}",
                                  f"{hashed(i, 11)} % {len(kinds)}")
    names_sql = lambda objects: "ARRAY[" + ",".join(  # noqa: E731
        "'" + o.name.replace("'", "''") + "'" for o in objects) + "]::text[]"
    m1_name = f"({names_sql(markets)})[1 + {m1}]"
    m2_name = f"({names_sql(markets)})[1 + {m2}]"
    # The four lines of assets.search.compose_search_document (checked below on a sample
    # against build_search_document): title; tag words + line, campaign, kind, market names
    # (markets ordered by name, like Market.Meta.ordering); description; public id words.
    market_names = (f"CASE WHEN {two_markets} THEN LEAST({m1_name}, {m2_name}) || ' ' || "
                    f"GREATEST({m1_name}, {m2_name}) ELSE {m1_name} END")
    document = (
        "t.title || E'\\n' || t.w_c || ' ' || t.w_c || ' ' || "
        f"({names_sql(lines)})[1 + {line_i}] || ' ' || "
        f"({names_sql(campaigns)})[1 + {campaign_i}] || ' ' || "
        f"({names_sql(kinds)})[1 + {kind_i}] || ' ' || {market_names} || E'\\n' || "
        "t.description || E'\\n' || 'kestrel ' || t.w_a || ' ' || t.w_b || ' ' || s.i")
    words = (f"CROSS JOIN LATERAL (SELECT {_word(w_a)} AS w_a, {_word(w_b)} AS w_b, "
             f"{_word(w_c)} AS w_c) w CROSS JOIN LATERAL (SELECT "
             f"initcap(w.w_a) || ' ' || w.w_b || ' ' || s.i AS title, "
             f"{description} || ' shot for partners' AS description, w.w_a, w.w_b, w.w_c) t")
    with transaction.atomic(), connection.cursor() as cursor:
        indexes = DeferredIndexes(Asset._meta.db_table)
        indexes.drop()
        with watch.step(f"{n} assets (search vector generated)"):
            insert_select(cursor, Asset, {
                "id": "s.i + 1",
                "asset_id": "lpad(to_hex(s.i), 32, '0')",
                "public_id": "'kestrel/' || t.w_a || '/' || t.w_b || '-' || s.i",
                "title": "t.title",
                "description": "t.description",
                "tags": "jsonb_build_array('line:' || t.w_c, t.w_c)",
                "format": f"(ARRAY['jpg','png','pdf'])[1 + {hashed(i, 12)} % 3]",
                "width": f"({SIZES})[1 + {hashed(i, 13)} % 4][1]",
                "height": f"({SIZES})[1 + {hashed(i, 13)} % 4][2]",
                "bytes": f"50000 + {hashed(i, 14)} % 8950001",
                "version": f"{VERSION_BASE} + s.i",
                "approval_state": "'approved'",
                "product_line_id": f"({id_array(lines)})[1 + {line_i}]",
                "campaign_id": f"({id_array(campaigns)})[1 + {campaign_i}]",
                "kind_id": f"({id_array(kinds)})[1 + {kind_i}]",
                "updated_at": "now() - s.i * interval '1 minute'",
                "release_public_id": "'partner-portal/releases/' || lpad(to_hex(s.i), 32, '0')"
                                     " || '/1-bench'",
                "release_version": f"{VERSION_BASE} + s.i",
                "approved_version_id": "s.i + 1",
                "current_version_id": "s.i + 1",
                "search_document": document,
            }, f"FROM generate_series(0, {n - 1}) AS s(i) {words}")
        with watch.step("their approved, released versions"):
            insert_select(cursor, AssetVersion, {
                "id": "a.id", "asset_id": "a.id", "version": "a.version", "number": "1",
                "format": "a.format", "width": "a.width", "height": "a.height",
                "bytes": "a.bytes", "created_at": "a.updated_at", "review_state": "'approved'",
                "delivery_public_id": "a.release_public_id",
                "delivery_version": "a.release_version",
            }, "FROM assets_asset a")
        with watch.step("markets (1 or 2 per asset)"):
            m1, m2, two_markets = _markets_of("(a.id - 1)")
            cursor.execute(f"""
                INSERT INTO {Asset.markets.through._meta.db_table} (asset_id, market_id)
                SELECT a.id, ({id_array(markets)})[1 + {m1}] FROM assets_asset a
                UNION ALL
                SELECT a.id, ({id_array(markets)})[1 + {m2}] FROM assets_asset a
                 WHERE {two_markets}""")
        with watch.step("checking the foreign keys"):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the pointers: now both exist
        with watch.step(f"the asset table's {len(indexes.definitions)} secondary indexes"):
            indexes.create()
        for model in (Asset, AssetVersion):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
    _check_search_documents()

    with transaction.atomic(), watch.step("communities, partners, users, memberships"):
        communities = Community.objects.bulk_create([
            Community(tg_id=f"BENCH-{c}", name=f"Community {c}")
            for c in range(world.communities)])
        partners = Partner.objects.bulk_create([
            Partner(tg_company_id=f"BENCH-P{c}", name=f"P {c}")
            for c in range(world.communities)])
        users = User.objects.bulk_create(
            [User(email=f"bench{u}@partner.example") for u in range(world.users - 2)])
        users += User.objects.bulk_create([User(email=BENCH_EMAIL), User(email=SMALL_EMAIL)])
        memberships = []
        c_count = len(communities)
        for u, user in enumerate(users):
            if user.email == BENCH_EMAIL:  # five communities spread over the range
                picked = [c_count * k // 5 for k in range(5)]
            elif user.email == SMALL_EMAIL:
                picked = [c_count // 2 + 1]
            else:  # 1 to 3 distinct communities
                first, step = (u * 7919) % c_count, 1 + (u * 104729) % max(1, c_count - 1)
                picked = sorted({(first + k * step) % c_count for k in range(1 + u % 3)})
            memberships += [Membership(user=user, community=communities[c],
                                       partner=partners[(u + c) % len(partners)])
                            for c in picked]
        Membership.objects.bulk_create(memberships, batch_size=5000)

    with transaction.atomic(), connection.cursor() as cursor, watch.step(
            f"publications ({DIRECT_PER_COMMUNITY} direct and 2 rules per community)"):
        ids = id_array(communities)
        c = "(c.k - 1)"
        insert_select(cursor, Publication, {
            "community_id": "c.id",
            "asset_id": f"1 + {hashed(f'{c} * {DIRECT_PER_COMMUNITY} + d.j', 15)} % {n}",
        }, f"FROM unnest({ids}) WITH ORDINALITY AS c(id, k) "
           f"CROSS JOIN generate_series(1, {DIRECT_PER_COMMUNITY}) AS d(j)",
            suffix="ON CONFLICT DO NOTHING")
        insert_select(cursor, Publication, {
            "community_id": "c.id",
            "product_line_id": f"({id_array(lines)})[1 + {hashed(c, 16)} % {len(lines)}]",
            "market_id": f"({id_array(markets)})[1 + {hashed(c, 17)} % {MARKETS}]",
        }, f"FROM unnest({ids}) WITH ORDINALITY AS c(id, k)")
        insert_select(cursor, Publication, {
            "community_id": "c.id",
            "campaign_id": f"({id_array(campaigns)})[1 + {hashed(c, 18)} % {len(campaigns)}]",
        }, f"FROM unnest({ids}) WITH ORDINALITY AS c(id, k)")

    with watch.step("the grant table (communities.grants.rebuild)"):
        grants.rebuild()
    # VACUUM too: index-only scans (the facet statement's covering index) need the
    # visibility map, which a fresh bulk insert has not set.
    with connection.cursor() as cursor, watch.step("VACUUM ANALYZE"):
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded in {watch.total:.1f} s", flush=True)
    return watch


def _check_search_documents(sample: int = 50) -> None:
    """The SQL documents must be what the app writes (assets.search.build_search_document)."""
    from assets.models import Asset
    from assets.search import build_search_document

    count = Asset.objects.count()
    pks = sorted({1 + (k * 7919) % count for k in range(sample)} | {1, count})
    assets = Asset.objects.filter(pk__in=pks).select_related(
        "product_line", "campaign", "kind").prefetch_related("markets")
    for asset in assets:
        expected = build_search_document(asset)
        if asset.search_document != expected:
            raise SystemExit(f"seeded search document of asset {asset.pk} differs from "
                             f"build_search_document:\n{asset.search_document!r}\n{expected!r}")


def world_is_seeded(world: World) -> bool:
    from accounts.models import User
    from assets.models import Asset
    from communities.models import Community

    return (User.objects.filter(email__in=[BENCH_EMAIL, SMALL_EMAIL]).count() == 2
            and Asset.objects.count() == world.assets
            and Community.objects.filter(tg_id__startswith="BENCH-").count() == world.communities)

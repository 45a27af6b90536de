"""The grant table (`AssetGrant`): which community each asset is published to (issue #17).

An asset is granted to a community when the community has a direct publication of it, a
direct publication of its master (it is a locale variant), or a publication rule it
matches (it agrees on every field the rule names). That is the publication half of the
visibility rule (communities/visibility.py); approval, retirement and embargoes stay
conditions of the rule itself, so decisions never rewrite grants.

Kept current in the same transaction as whatever changes its inputs:

- a publication created or deleted (communities.receivers: its asset and variants, or its
  whole community for a rule);
- an asset created, or its product line, campaign, kind, markets or master changed (model
  signals for single saves; the sync calls `refresh_assets` for each page it writes, and the
  relations code for the variants it moves).

Each refresh deletes the rows of the assets (or community) concerned and inserts what the
publications say, as two statements: the grants are derived data, never edited by hand.
`check()` compares the whole table with a fresh computation and `rebuild()` repairs it
(`manage.py asset_grants --check / --repair`, and nightly in beat).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

CHUNK = 500


def _tables() -> dict[str, str]:
    from assets.models import Asset
    from communities.models import AssetGrant, Publication

    qn = connection.ops.quote_name
    return {"asset": qn(Asset._meta.db_table),
            "markets": qn(Asset.markets.through._meta.db_table),
            "pub": qn(Publication._meta.db_table),
            "grant": qn(AssetGrant._meta.db_table)}


def expected_sql(where_asset: str = "", where_community: str = "") -> str:
    """SELECT (asset_id, community_id) of every grant the publications make, optionally
    restricted by a condition on the asset id (`a.id ...`) or the community id
    (`p.community_id ...`). Only identifiers are formatted in; values are parameters."""
    t = _tables()
    direct_asset = where_asset.replace("a.id", "p.asset_id")
    return f"""
        SELECT p.asset_id AS asset_id, p.community_id AS community_id FROM {t['pub']} p
         WHERE p.asset_id IS NOT NULL {direct_asset} {where_community}
        UNION
        SELECT a.id, p.community_id FROM {t['pub']} p JOIN {t['asset']} a
            ON a.master_id = p.asset_id
         WHERE p.asset_id IS NOT NULL {where_asset} {where_community}
        UNION
        SELECT a.id, p.community_id FROM {t['pub']} p JOIN {t['asset']} a
            ON (p.product_line_id IS NULL OR p.product_line_id = a.product_line_id)
           AND (p.campaign_id IS NULL OR p.campaign_id = a.campaign_id)
           AND (p.kind_id IS NULL OR p.kind_id = a.kind_id)
           AND (p.market_id IS NULL OR EXISTS (
                SELECT 1 FROM {t['markets']} am
                 WHERE am.asset_id = a.id AND am.market_id = p.market_id))
         WHERE p.asset_id IS NULL {where_asset} {where_community}"""  # noqa: S608


def _insert(select: str) -> str:
    t = _tables()
    # "WHERE true": SQLite needs it to tell the upsert clause from a join's ON
    return (f"INSERT INTO {t['grant']} (asset_id, community_id) "  # noqa: S608
            f"SELECT asset_id, community_id FROM ({select}) expected WHERE true "
            f"ON CONFLICT DO NOTHING")


def refresh_assets(asset_ids) -> None:
    """Recompute the grants of these assets (ids), in the caller's transaction."""
    ids = sorted({int(pk) for pk in asset_ids if pk is not None})
    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {t['grant']} WHERE asset_id IN ({marks})",  # noqa: S608
                           chunk)
            # the condition appears three times (direct, master, rule branches)
            cursor.execute(_insert(expected_sql(where_asset=f"AND a.id IN ({marks})")),
                           chunk * 3)


def refresh_community(community_id: int) -> None:
    """Recompute every grant of one community (a rule was published or withdrawn)."""
    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['grant']} WHERE community_id = %s",  # noqa: S608
                       [community_id])
        cursor.execute(_insert(expected_sql(where_community="AND p.community_id = %s")),
                       [community_id] * 3)


@dataclass
class Drift:
    missing: int  # grants the publications make that the table lacks
    extra: int  # rows the publications no longer make

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra)


def check() -> Drift:
    """Compare the table with a fresh computation (two counting statements)."""
    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({expected_sql()}) e WHERE NOT EXISTS ("  # noqa: S608
                       f"SELECT 1 FROM {t['grant']} g WHERE g.asset_id = e.asset_id "
                       f"AND g.community_id = e.community_id)")
        missing = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {t['grant']} g WHERE NOT EXISTS ("  # noqa: S608
                       f"SELECT 1 FROM ({expected_sql()}) e WHERE e.asset_id = g.asset_id "
                       f"AND e.community_id = g.community_id)")
        return Drift(missing, cursor.fetchone()[0])


def rebuild() -> Drift:
    """Repair: replace the whole table with what the publications say; returns the drift
    that was found."""
    t = _tables()
    with transaction.atomic():
        drift = check()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {t['grant']}")  # noqa: S608
            cursor.execute(_insert(expected_sql()))
    return drift

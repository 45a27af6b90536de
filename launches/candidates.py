"""Which asset each rule-filled cell should be judged on, in one SQL statement per kit.

For every rule slot (and every set of markets sharing its effective rules) one grouped
SELECT over the kit's campaign, narrowed by indexed filters (campaign, kind; tag
containment), classifies each candidate as `judge` would (0 ready, 1 pending, 2 failing,
3 missing) from the fact columns of its approved version, or of the preset's measured
derivative (and, "on white", of the version's colour analysis), and keeps per market
(NULL: assets without markets, valid everywhere) and per class the lowest asset id. All
the SELECTs go to the database as one UNION ALL: one round trip, no ORM compilation per
slot, and the rows that come back are a few per cell, never the campaign's assets.

The SQL is the rules of checks.unmet; the chosen asset is judged again in Python, which
words the reasons (and has the last word, should a float comparison differ).
"""

from __future__ import annotations

import json

from django.db import connection

from assets.models import ApprovalState, Asset, AssetVersion, DownloadPreset, ReviewState
from launches import checks
from launches.models import ColourFacts, DerivativeFacts

ASSET = Asset._meta.db_table
VERSION = AssetVersion._meta.db_table
MARKETS = Asset.markets.through._meta.db_table
FACTS = DerivativeFacts._meta.db_table
COLOURS = ColourFacts._meta.db_table
PRESET = DownloadPreset._meta.db_table


def _formats(rules) -> list[str]:
    """Every spelling (lower case) of the formats a rule accepts."""
    wanted = {checks._fmt(f) for f in rules["formats"] or []}
    return sorted(wanted | {alias for alias, name in checks.FORMAT_ALIASES.items()
                            if name in wanted})


def _want_ratio(ratio: str) -> float:
    a, _, b = ratio.partition(":")
    try:
        return float(a) / float(b or 1)
    except (ValueError, ZeroDivisionError):
        return -1.0  # matches nothing; checks.unmet says why


def _passes(rules, col: dict) -> tuple[str, list]:
    """checks.unmet as a SQL condition on the fact columns `col` (a NULL fact fails)."""
    parts, params = [], []
    if rules["resource_type"]:
        parts.append("b.resource_type = %s")
        params.append(rules["resource_type"])
    if rules["formats"]:
        formats = _formats(rules)
        parts.append(f"LOWER({col['format']}) IN ({', '.join(['%s'] * len(formats))})")
        params += formats
    for rule, field, op in (("min_width", "width", ">="), ("min_height", "height", ">="),
                            ("exact_width", "width", "="), ("exact_height", "height", "=")):
        if rules[rule]:  # 0 is no rule, as in checks.unmet
            parts.append(f"{col[field]} {op} %s")
            params.append(rules[rule])
    for rule, field, op in (("min_duration", "duration", ">="),
                            ("max_duration", "duration", "<="),
                            ("min_pages", "pages", ">="), ("max_pages", "pages", "<=")):
        if rules[rule] is not None:
            parts.append(f"{col[field]} {op} %s")
            params.append(rules[rule])
    if rules["max_bytes"]:
        parts.append(f"({col['bytes']} IS NULL OR {col['bytes']} <= %s)")
        params.append(rules["max_bytes"])
    if rules["min_white_percent"]:  # NULL (not analysed, not an image) fails
        parts.append(f"{col['white_percent']} >= %s")
        params.append(rules["min_white_percent"])
    if rules["aspect_ratio"]:
        parts.append(f"{col['width']} > 0 AND {col['height']} > 0 AND "
                     f"ABS(({col['width']} * 1.0) / {col['height']} - %s) <= 0.01")
        params.append(_want_ratio(rules["aspect_ratio"]))
    return (" AND ".join(parts) or "TRUE"), params


def _join(table: str, alias: str, condition: str, *, columns: str, one: bool = False,
          latest: str = "") -> str:
    """A LEFT JOIN of `table` on `condition` (its columns unqualified). On PostgreSQL a
    LATERAL subquery that cannot be flattened (LIMIT / OFFSET 0): an index lookup per
    candidate, where the planner would otherwise hash all 100,000 versions for 1,000 rows."""
    if connection.vendor != "postgresql":
        qualified = " AND ".join(f"{alias}.{term.strip()}" for term in condition.split(" AND "))
        return f"LEFT JOIN {table} {alias} ON {qualified}"
    order = f" ORDER BY {latest} DESC" if latest else ""
    limit = " LIMIT 1" if one else " OFFSET 0"
    return (f"LEFT JOIN LATERAL (SELECT {columns} FROM {table} WHERE {condition}{order}{limit}) "  # noqa: S608
            f"{alias} ON TRUE")


def base_sql(kit, slot) -> tuple[tuple, str, list]:
    """(key, SELECT, params) of the candidates a rule slot's kind and tag admit, joined once
    with the fact columns every class needs; slots sharing a kind and tag share it (a CTE)."""
    where = ["a.campaign_id = %s", "NOT a.retired"]
    params: list = [kit.campaign_id]
    if kit.product_line_id:
        where.append("a.product_line_id = %s")
        params.append(kit.product_line_id)
    if slot.kind_id:
        where.append("a.kind_id = %s")
        params.append(slot.kind_id)
    if slot.match_tag:
        if connection.vendor == "postgresql":
            where.append("a.tags @> %s::jsonb")
            params.append(json.dumps([slot.match_tag]))
        else:  # no JSON containment: the chosen asset's tags are checked again in Python
            where.append("a.tags LIKE %s")
            params.append(f"%{json.dumps(slot.match_tag)}%")
    joins = [_join(VERSION, "av", "id = a.approved_version_id", one=True,
                   columns="id, version, width, height, bytes, duration, pages, format"),
             _join(VERSION, "cv", "id = a.current_version_id", one=True,
                   columns="id, version, review_state"),
             _join(MARKETS, "am", "asset_id = a.id", columns="market_id")]
    # Only table names, fixed SQL and %s placeholders are interpolated.
    sql = ("SELECT a.id, a.approval_state, a.resource_type, am.market_id, av.id AS av_id, "  # noqa: S608
           "av.version AS av_version, av.width AS av_width, av.height AS av_height, "
           "av.bytes AS av_bytes, av.duration AS av_duration, av.pages AS av_pages, "
           "av.format AS av_format, cv.version AS cv_version, "
           f"cv.review_state AS cv_review_state FROM {ASSET} a {' '.join(joins)} "
           f"WHERE {' AND '.join(where)}")
    key = (kit.campaign_id, kit.product_line_id, slot.kind_id, slot.match_tag)
    return key, sql, params


def _classes(kit, slot, rules) -> tuple[tuple, str, list, str, list, str, list]:
    """(key, base, base params, joins, join params, class CASE, its params) of one slot and
    rule group: the CASE classifies a candidate as `judge` would (0 ready … 3 missing)."""
    key, base, base_params = base_sql(kit, slot)
    col = {f: f"b.av_{f}" for f in ("width", "height", "bytes", "duration", "pages", "format")}
    joins, join_params = [], []
    if rules["preset_id"]:
        # only facts of the preset's current transformation and format
        # (readiness.current_derivatives)
        current = f"(SELECT p.transformation FROM {PRESET} p WHERE p.id = %s)"  # noqa: S608
        current_format = f"(SELECT p.format FROM {PRESET} p WHERE p.id = %s)"  # noqa: S608
        joins.append(_join(FACTS, "d", "version_id = b.av_id AND preset_id = %s AND "
                           "transformation = " + current + " AND requested_format = "
                           + current_format,
                           one=True, latest="fetched_at",
                           columns="id, width, height, bytes, format"))
        join_params += [rules["preset_id"]] * 3
        col.update({f: f"d.{f}" for f in ("width", "height", "bytes", "format")})
    if rules["min_white_percent"]:
        # Cloudinary's colour analysis of the approved version (ColourFacts)
        joins.append(_join(COLOURS, "c", "version_id = b.av_id", one=True,
                           columns="id, white_percent"))
        col["white_percent"] = "c.white_percent"
    passes, pass_params = _passes(rules, col)
    approved = f"(b.approval_state = '{ApprovalState.APPROVED.value}' AND b.av_id IS NOT NULL)"
    pending = f"b.cv_review_state = '{ReviewState.PENDING.value}'"
    newer = f"({pending} AND b.cv_version > b.av_version)"
    whens = [f"WHEN {approved} AND d.id IS NULL THEN 1"] if rules["preset_id"] else []
    if rules["min_white_percent"]:  # an image whose colours are not analysed yet: pending
        whens.append(f"WHEN {approved} AND b.resource_type = 'image' AND c.id IS NULL THEN 1")
    whens += [f"WHEN {approved} AND ({passes}) AND {newer} THEN 1",
              f"WHEN {approved} AND ({passes}) THEN 0",
              f"WHEN {approved} THEN 2", f"WHEN {pending} THEN 1"]
    case = f"CASE {' '.join(whens)} ELSE 3 END"
    return key, base, base_params, " ".join(joins), join_params, case, pass_params * 2


def slot_sql(kit, slot, rules, group: int) -> tuple[tuple, str, list, str, list]:
    """The grouped SELECT of one slot and rule group over its base (named `{base}` until
    `statement` names it): rows (group, market, class, first id). With its base."""
    key, base, base_params, joins, join_params, case, case_params = _classes(kit, slot, rules)
    sql = (f"SELECT {int(group)} AS grp, b.market_id AS market, "  # noqa: S608
           f"{case} AS cls, MIN(b.id) AS first_id "
           f"FROM {{base}} b {joins} GROUP BY b.market_id, cls")
    return key, base, base_params, sql, case_params + join_params


def seen_sql(kit, slot, rules, group: int, market_ids, seen: list[tuple[str, list]]
             ) -> tuple[tuple, str, list, str, list]:
    """Like `slot_sql`, but only ready candidates (class 0) of `market_ids` (or of no
    market) that every subquery of `seen` contains: (SQL, params) of the assets a community
    sees, from communities.visibility (the rule is not restated here). Rows (group, market,
    0, first id): the lowest ready candidate those communities see."""
    key, base, base_params, joins, join_params, case, case_params = _classes(kit, slot, rules)
    markets = [int(m) for m in market_ids]
    where = [f"{case} = 0",
             f"(b.market_id IS NULL OR b.market_id IN ({', '.join(['%s'] * len(markets))}))"]
    params = case_params + markets
    for subquery, subquery_params in seen:
        where.append(f"b.id IN ({subquery})")
        params += list(subquery_params)
    sql = (f"SELECT {int(group)} AS grp, b.market_id AS market, 0 AS cls, "  # noqa: S608
           f"MIN(b.id) AS first_id FROM {{base}} b {joins} WHERE {' AND '.join(where)} "
           "GROUP BY b.market_id")
    return key, base, base_params, sql, join_params + params


def statement(parts: list[tuple]) -> tuple[str, list]:
    """One statement: each distinct base once (WITH), then the UNION ALL of slot SELECTs."""
    names: dict[tuple, str] = {}
    bases, params = [], []
    for key, base, base_params, _, _ in parts:
        if key not in names:
            names[key] = f"b{len(names)}"
            bases.append(f"{names[key]} AS ({base})")
            params += base_params
    selects = []
    for i, (key, _, _, sql, part_params) in enumerate(parts):
        selects.append(f"SELECT * FROM ({sql.replace('{base}', names[key])}) AS s{i}")  # noqa: S608
        params += part_params
    return f"WITH {', '.join(bases)} " + " UNION ALL ".join(selects), params


def run(parts: list[tuple]) -> list[tuple[int, int | None, int, int]]:
    """(group, market id or None, class, lowest asset id) for every part."""
    if not parts:
        return []
    sql, params = statement(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

"""Reads for the partner catalog: facet counts, the asset page, the home page.

Everything starts from `Asset.objects.visible_to(user)`; nothing here decides
visibility on its own.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from assets.filters import (
    FACETS,
    GLOBAL_MARKET,
    GLOBAL_MARKET_LABEL,
    ORIENTATIONS,
    UPDATED_SINCE,
    UPDATED_SINCE_LABELS,
    AssetFilter,
    updated_since_cutoff,
)
from assets.models import Asset, DownloadPreset, Market

NEW_FOR_YOU_FALLBACK = timedelta(days=30)


def catalog_queryset(user, rule=None, broad: bool = False):
    """The assets `user` may see, with what a result card shows. `rule`: the user's
    communities.visibility.UserRule when the caller read it already; `broad`: see
    UserRule.apply (for the facet statement)."""
    from communities.visibility import rule_for

    rule = rule or rule_for(user)
    # Partners are only ever shown the approved version; the current one (a version pending
    # review) only to staff: one join and a model per row fewer for partners.
    related = ["product_line", "campaign", "kind", "approved_version"]
    if rule.staff:
        related.append("current_version")
    return rule.apply(Asset.objects.all(), broad=broad).select_related(*related)


@dataclass
class Families:
    """The locale variants a user may see, read once per catalog request (one query), so no
    statement has to evaluate the visibility rule a second time to group them (issue #14).

    `collapsed`: variants whose master the user may see too (their family's card is the
    master's); `by_locale`: for each locale, the masters with such a variant in it;
    `variants_of`: for each such master, those variants (a page of cards without one
    needs no query for its families).
    """

    collapsed: list[int] = field(default_factory=list)
    by_locale: dict[str, set[int]] = field(default_factory=dict)
    variants_of: dict[int, list[int]] = field(default_factory=dict)

    def heads_with(self, locales) -> set[int]:
        return set().union(*(self.by_locale.get(tag, set()) for tag in locales))


def family_index(visible) -> Families:
    """`Families` of the user's `visible` assets (catalog_queryset): one query over the
    visible variants only (the master_id index), the master's visibility as an EXISTS."""
    from django.db.models import Exists

    families = Families()
    rows = (visible.filter(master__isnull=False).order_by()
            .annotate(master_visible=Exists(visible.filter(pk=OuterRef("master_id"))))
            .values_list("pk", "master_id", "locale", "master_visible"))
    for pk, master_id, locale, master_visible in rows:
        if master_visible:
            families.collapsed.append(pk)
            families.variants_of.setdefault(master_id, []).append(pk)
            if locale:
                families.by_locale.setdefault(locale, set()).add(master_id)
    return families


def catalog_heads(visible, families: Families | None = None):
    """What the catalog lists out of `visible`: one row per family of a master and its locale
    variants — the master, or a variant whose master the user may not see. Without
    `families` (staff sorting out review states) every asset is its own row."""
    if families is None or not families.collapsed:
        return visible
    return visible.exclude(pk__in=families.collapsed)


def language_label(tag: str) -> str:
    """``"Japanese (ja-JP)"`` from Django's language names; the bare tag when unknown."""
    from django.conf.locale import LANG_INFO

    info = LANG_INFO.get(tag.lower()) or LANG_INFO.get(tag.split("-", 1)[0].lower()) or {}
    return f"{info['name']} ({tag})" if info.get("name") else tag


@dataclass
class FamilyCard:
    """The member of a family a card shows to this user, and the family's locales."""

    choice: object  # assets.variants.VariantChoice
    locales: list[str]


def family_cards(user, heads: list[Asset], visible,
                 families: Families | None = None) -> dict[int, FamilyCard]:
    """For each master among `heads` that has variants `user` may see (in `visible`, the
    user's catalog_queryset): the member for the user's market and language
    (assets.variants.choose) and the family's locales. With `families` (family_index of
    the same `visible`), no query when no master on the page has a visible variant; else
    one query when none has, four otherwise (their markets, two for preferences)."""
    from assets.variants import choose
    from communities.selectors import locale_preferences

    masters = {head.pk: head for head in heads if not head.master_id}
    if families is not None:
        masters = {pk: head for pk, head in masters.items() if pk in families.variants_of}
    if not masters:
        return {}
    members = visible.filter(master_id__in=list(masters))
    if families is not None:  # the variants are known: read them by id
        members = visible.filter(pk__in=[pk for master in masters
                                         for pk in families.variants_of[master]])
    variants: dict[int, list[Asset]] = {}
    for member in members.prefetch_related("markets").order_by("locale", "pk"):
        variants.setdefault(member.master_id, []).append(member)
    if not variants:
        return {}
    prefs = locale_preferences(user)
    cards = {}
    for pk, members in variants.items():
        master = masters[pk]
        family = [master, *members]
        cards[pk] = FamilyCard(choose(family, master, prefs.languages, prefs.market_ids),
                               sorted({m.locale for m in family if m.locale}, key=str.lower))
    return cards


# ------------------------------------------------------------------ facets

@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)

    @property
    def any_selected(self) -> bool:
        return any(v.selected for v in self.values)


_TAXONOMY_FACETS = {
    "product_line": ("product_line__slug", "product_line__name"),
    "campaign": ("campaign__slug", "campaign__name"),
    "market": ("markets__slug", "markets__name"),
    "kind": ("kind__slug", "kind__name"),
    "format": ("format", "format"),
}


def facet_counts(data, base_queryset, search_memo: dict | None = None,
                 families: Families | None = None, request=None,
                 page: "PageSlice | None" = None) -> tuple[list[Facet], int | None]:
    """Counts per value of every facet, each with all the *other* filters applied.

    With `families` (the catalog page), the Language facet too: how many of the listed
    families are in each locale — the master's own, or a variant's the user may see.
    Also returns how many assets match all the filters when that came with the
    counts (PostgreSQL: one statement for everything), else None; and then fills in
    `page.ids`, the ids of that page of the results, from the same statement.
    """
    extra = {"families": families, "request": request}
    if connection.vendor == "postgresql":
        try:
            counts, total = facet_values_in_one_query(data, base_queryset, extra, page)
        except EmptyResultSet:  # a base that matches nothing by construction (`.none()`)
            counts, total = facet_values_per_facet(data, base_queryset, None, extra), None
    else:
        counts, total = facet_values_per_facet(data, base_queryset, search_memo, extra), None
    order = list(FACETS)
    if families is not None:  # next to Market: where a partner looks for "their" version
        order.insert(order.index("market") + 1, "language")
    facets = []
    for name in order:
        selected = set(data.getlist(name)) if hasattr(data, "getlist") else set()
        values = [FacetValue(value, text, count, value in selected)
                  for value, text, count in counts.get(name, [])]
        if name in _TAXONOMY_FACETS or name == "language":
            # A stable order (by name): re-sorting by count after every click would move
            # the option the partner is about to choose.
            # Global assets first in Market: they are for every market.
            values.sort(key=lambda v: (name != "market" or v.value != GLOBAL_MARKET,
                                       v.label.casefold()))
        facets.append(Facet(name, AssetFilter.base_filters[name].label, values))
    return facets, total


def _language_rows(own: dict[str, int], by_locale: dict[str, int]) -> list[tuple[str, str, int]]:
    totals = {**own, **{tag: n for tag, n in by_locale.items() if n}}
    return [(tag, language_label(tag), n) for tag, n in
            sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:50] if n]


def facet_values_per_facet(data, base_queryset, search_memo: dict | None = None,
                           extra: dict | None = None) -> dict[str, list[tuple[str, str, int]]]:
    """`(value, label, count)` rows per facet, one aggregate query per facet (any database).
    `extra`: more AssetFilter arguments (the request and the visible queryset)."""
    extra = extra or {}
    counts = {}
    names = FACETS + (("language",) if extra.get("families") is not None else ())
    for name in names:
        queryset = AssetFilter(_without(data, name), queryset=base_queryset,
                               search_memo=search_memo, **extra).qs.order_by()
        if name in _TAXONOMY_FACETS:
            counts[name] = _taxonomy_counts(queryset, *_TAXONOMY_FACETS[name])
            if name == "market":
                counts[name] += _global_market_count(queryset)
        elif name == "language":
            counts[name] = _language_counts(queryset, extra["families"])
        else:
            counts[name] = _conditional_counts(queryset, _buckets(name, timezone.now()))
    return counts


def _language_counts(queryset, families: Families):
    """Two aggregates: the listed rows by their own locale, and per variant locale the rows
    that are either in it or masters with a variant in it."""
    own = dict(queryset.exclude(locale="").values_list("locale").annotate(n=Count("pk"))
               .order_by())
    tags = sorted(families.by_locale)
    by_locale = queryset.aggregate(**{
        f"l{i}": Count("pk", filter=Q(locale=tag) | Q(pk__in=sorted(families.by_locale[tag])))
        for i, tag in enumerate(tags)}) if tags else {}
    return _language_rows(own, {tag: by_locale[f"l{i}"] for i, tag in enumerate(tags)})


def _buckets(name: str, now) -> dict:
    """The values of a facet that counts conditions (orientation, updated since)."""
    if name == "orientation":
        return {key: (key.title(), condition) for key, condition in ORIENTATIONS.items()}
    return {code: (UPDATED_SINCE_LABELS[code], Q(updated_at__gte=updated_since_cutoff(code, now)))
            for code in UPDATED_SINCE}


def _without(data, name):
    copy = data.copy()
    copy.pop(name, None)
    copy.pop("page", None)
    return copy


def _taxonomy_counts(queryset, value_field: str, label_field: str):
    fields = [value_field] if value_field == label_field else [value_field, label_field]
    rows = (queryset.filter(**{f"{value_field}__isnull": False}).exclude(**{value_field: ""})
            .values(*fields).annotate(n=Count("pk", distinct=True))
            .order_by("-n", label_field)[:50])
    return [(row[value_field], str(row[label_field]), row["n"]) for row in rows]


def _global_market_count(queryset) -> list[tuple[str, str, int]]:
    """The Market facet's GLOBAL_MARKET row: the assets that name no market."""
    count = queryset.filter(markets__isnull=True).count()
    return [(GLOBAL_MARKET, GLOBAL_MARKET_LABEL, count)] if count else []


def _conditional_counts(queryset, buckets: dict):
    totals = queryset.aggregate(**{key: Count("pk", filter=condition)
                                   for key, (_, condition) in buckets.items()})
    return [(key, text, totals[key]) for key, (text, _) in buckets.items() if totals[key]]


# ------------------------------------------------------------------ facets in one statement
#
# Per facet, the ORM path re-evaluates the visibility rule over the whole table
# (~100 ms each at 100,000 assets). Here every distinct filter state is evaluated
# once into a MATERIALIZED CTE of the matching rows' facet columns: one for the
# full filter state (its row count is the page's total) and one more per facet
# that is itself filtered (it counts without its own filter). Each facet then
# groups the few thousand rows of its CTE, and all of it runs as one statement.

_FOREIGN_KEY_FACETS = ("product_line", "campaign", "kind")


@dataclass
class PageSlice:
    """One page of the results, asked of the facet statement: `offset`, `limit` and the
    filter set's `ordering` (AssetFilter.ordering) in; `ids`, in that order, out."""

    offset: int
    limit: int
    ordering: list[str]
    ids: list[int] | None = None

    def columns(self) -> list[str]:
        """The columns the ordering needs besides the id."""
        return [name for name in (f.lstrip("-") for f in self.ordering) if name != "id"]

    def order_by_sql(self) -> str:
        qn = connection.ops.quote_name
        return ", ".join(f"{qn('pk' if f.lstrip('-') == 'id' else f.lstrip('-'))} "
                         f"{'DESC' if f.startswith('-') else 'ASC'}" for f in self.ordering)


def facet_values_in_one_query(data, base_queryset, extra: dict | None = None,
                              page: PageSlice | None = None):
    """`facet_values_per_facet` in one PostgreSQL statement, plus the total of matching assets.

    With `page`, the same statement also lists the ids of that page of the results (into
    `page.ids`): the visibility rule and the search are evaluated once per request, for
    the facets and the page alike (issue #17).

    Raises EmptyResultSet for a base that cannot match anything (the caller counts
    that one the ORM way, which costs no query).
    """
    now = timezone.now()
    extra = extra or {}
    families = extra.get("families")
    names = FACETS + (("language",) if families is not None else ())
    bases = {"facet_base_all": _without(data, "page")}
    base_of = {}
    for name in names:
        if name in data:
            bases[f"facet_base_{name}"] = _without(data, name)
        base_of[name] = f"facet_base_{name}" if name in data else "facet_base_all"
    ctes, params = [], []
    for cte, others in bases.items():
        order_columns = page.columns() if page is not None and cte == "facet_base_all" else []
        sql, cte_params = _facet_columns(AssetFilter(others, queryset=base_queryset,
                                                     **extra).qs,
                                         now, order_columns).query.sql_with_params()
        ctes.append(f"{cte} AS MATERIALIZED ({sql})")
        params.extend(cte_params)
    branches = []
    for cte in bases:
        served = [name for name in names if base_of[name] == cte]
        if cte == "facet_base_all":
            served.append("total")
        cte_sql, cte_params, cte_branches, branch_params = _passes_over(
            cte, served, now, families)
        ctes.extend(cte_sql)
        params.extend(cte_params)
        branches.extend(cte_branches)
        params.extend(branch_params)
    if page is not None:
        # The page first (a top-N sort), then its positions: ROW_NUMBER over the whole base
        # made PostgreSQL sort all ~10,000 rows before the LIMIT (~7 ms of ~70 at 100,000).
        order = page.order_by_sql()
        columns = ", ".join(connection.ops.quote_name(c) for c in ("pk", *page.columns()))
        branches.append(f"(SELECT 'page', pk::text, '', 0, ROW_NUMBER() OVER (ORDER BY {order}) "  # noqa: S608
                        f"FROM (SELECT {columns} FROM facet_base_all ORDER BY {order} "
                        f"LIMIT %s OFFSET %s) page)")
        params += [page.limit, page.offset]
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(branches)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall(), key=lambda row: (row[0], row[4]))
    counts = {name: [] for name in FACETS}
    total = 0
    own, by_locale = {}, {}
    page_ids = []
    for facet, value, label, count, position in rows:
        if facet == "total":
            total = count
        elif facet == "page":
            page_ids.append(int(value))
        elif facet == "language":
            (by_locale if position else own)[value] = count
        elif count:
            counts[facet].append((value, label, count))
    if families is not None:
        counts["language"] = _language_rows(own, by_locale)
    if page is not None:
        page.ids = page_ids
    return counts, total


def _grouping(columns: list[str], column: str) -> int:
    """GROUPING(columns) of the grouping set of `column` alone: a 1 bit for every other
    column (the first column is the most significant bit)."""
    return (2 ** len(columns) - 1) ^ (1 << (len(columns) - 1 - columns.index(column)))


def _passes_over(cte: str, served: list[str], now, families: Families | None):
    """What the facets `served` by one base CTE need, in at most three passes over its rows
    (it was one pass per facet value bucket and per facet: 15 scans of ~10,000 rows):

    - one aggregate row of every condition count (total, orientations, updated since, the
      assets without a market, each variant locale), unpivoted into facet rows;
    - one GROUPING SETS pass for the facets that group by a column (product line, campaign,
      kind, format, the rows' own locale), kept as a small CTE the facets join to names;
    - the market ids unnested, when the market facet is served.

    Returns (extra CTEs, their params, UNION ALL branches, their params).
    """
    qn = connection.ops.quote_name
    ctes, cte_params, branches, params = [], [], [], []
    # 1. condition counts: (facet, value, label, expression, position)
    conditions: list[tuple[str, str, str, str, int, list]] = []
    if "total" in served:
        conditions.append(("total", "", "", "TRUE", 0, []))
    for name in ("orientation", "updated_since"):
        if name in served:
            buckets = _buckets(name, now).items()
            conditions += [(name, key, label, qn(f"{name}_{key}"), position, [])
                           for position, (key, (label, _)) in enumerate(buckets)]
    if "language" in served and families is not None:
        conditions += [("language", tag, tag, "(locale = %s OR pk = ANY(%s::bigint[]))", 1,
                        [tag, sorted(families.by_locale[tag])])
                       for tag in sorted(families.by_locale)]
    if conditions:
        aggregates = ", ".join(f"COUNT(*) FILTER (WHERE {expression}) AS c{i}"
                               for i, (*_, expression, _, _) in enumerate(conditions))
        rows = ", ".join(f"(%s::text, %s::text, %s::text, s.c{i}, {position})"
                         for i, (*_, position, _) in enumerate(conditions))
        branches.append(f"(SELECT v.* FROM (SELECT {aggregates} FROM {cte}) s "  # noqa: S608
                        f"CROSS JOIN LATERAL (VALUES {rows}) v)")
        params += [p for *_, expression_params in conditions for p in expression_params]
        params += [p for facet, value, label, *_ in conditions for p in (facet, value, label)]
    # 2. one GROUPING SETS pass
    grouped = [name for name in (*_FOREIGN_KEY_FACETS, "format") if name in served]
    own_locales = "language" in served and families is not None
    if grouped or own_locales:
        groups = f"{cte}_groups"
        grouped_columns = [*(f"{name}_id" if name != "format" else "format"
                             for name in grouped), *(["locale"] if own_locales else [])]
        columns = ", ".join(qn(column) for column in grouped_columns)
        sets = ", ".join(f"({qn(column)})" for column in grouped_columns)
        ctes.append(f"{groups} AS MATERIALIZED (SELECT GROUPING({columns}) AS grouping_set, "  # noqa: S608
                    f"{columns}, COUNT(*) AS n FROM {cte} GROUP BY GROUPING SETS ({sets}))")
        for name in grouped:
            if name == "format":
                value = qn("format")
                branches.append(
                    f"(SELECT %s, {value}, {value}, n, ROW_NUMBER() OVER (ORDER BY n DESC, "  # noqa: S608
                    f"{value}) AS position FROM {groups} WHERE grouping_set = %s "
                    f"AND {value} <> '' ORDER BY position LIMIT 50)")
                params += [name, _grouping(grouped_columns, "format")]
                continue
            table = qn(Asset._meta.get_field(name).related_model._meta.db_table)
            fk = qn(f"{name}_id")
            branches.append(
                f"(SELECT %s, t.slug, t.name, g.n, ROW_NUMBER() OVER (ORDER BY g.n DESC, "  # noqa: S608
                f"t.name) AS position FROM {groups} g JOIN {table} t ON t.id = g.{fk} "
                f"WHERE g.grouping_set = %s AND t.slug <> '' ORDER BY position LIMIT 50)")
            params += [name, _grouping(grouped_columns, f"{name}_id")]
        if own_locales:
            branches.append(f"(SELECT 'language', locale, locale, n, 0 FROM {groups} "  # noqa: S608
                            f"WHERE grouping_set = %s AND locale <> '' "
                            f"AND NOT (locale = ANY(%s::text[])))")
            params += [_grouping(grouped_columns, "locale"), sorted(families.by_locale)]
    # 3. markets: the (asset, market) rows of the CTE's assets, read from the markets
    # table's (asset, market) index in one scan of the ids (a per-row ARRAY subquery
    # instead cost one subplan run per visible asset: ~15 ms of ~50 at 100,000 assets);
    # an asset's markets are distinct, so COUNT(*) per market counts assets.
    if "market" in served:
        links = f"{cte}_markets"
        through = qn(Asset.markets.through._meta.db_table)
        table = qn(Asset.markets.field.related_model._meta.db_table)
        ctes.append(f"{links} AS MATERIALIZED (SELECT asset_id, market_id FROM {through} "  # noqa: S608
                    f"WHERE asset_id = ANY(ARRAY(SELECT pk FROM {cte})))")
        ids = f"SELECT market_id AS id, COUNT(*) AS n FROM {links} GROUP BY 1"  # noqa: S608
        branches.append(f"(SELECT %s, t.slug, t.name, g.n, "  # noqa: S608
                        f"ROW_NUMBER() OVER (ORDER BY g.n DESC, t.name) AS position "
                        f"FROM ({ids}) g JOIN {table} t ON t.id = g.id "
                        f"WHERE t.slug <> '' ORDER BY position LIMIT 50)")
        # and the assets that name no market (GLOBAL_MARKET), listed after the markets
        branches.append(f"SELECT %s, %s, %s, (SELECT COUNT(*) FROM {cte}) - "  # noqa: S608
                        f"(SELECT COUNT(DISTINCT asset_id) FROM {links}), 51")
        params += ["market", "market", GLOBAL_MARKET, GLOBAL_MARKET_LABEL]
    return ctes, cte_params, branches, params


def _facet_columns(queryset, now, order_columns=()):
    """The columns the facets group by, a boolean per condition bucket, and the columns the
    page's ordering needs (`order_columns`: updated_at, title, the search's rank)."""
    buckets = {f"{name}_{key}": ExpressionWrapper(condition, output_field=BooleanField())
               for name in ("orientation", "updated_since")
               for key, (_, condition) in _buckets(name, now).items()}
    return queryset.order_by().values("pk", *(f"{f}_id" for f in _FOREIGN_KEY_FACETS),
                                      "format", "locale", *order_columns, **buckets)


# ------------------------------------------------------------------ the asset page

def partner_market_slugs(user) -> list[str]:
    """The markets of the communities `user` is a current member of (the catalog's start)."""
    from communities.models import Membership

    communities = Membership.objects.current().filter(user=user).values("community_id")
    return list(Market.objects.filter(communities__in=communities).order_by("slug")
                .values_list("slug", flat=True).distinct())


def zip_presets() -> list[DownloadPreset]:
    """The presets a ZIP of a selection can be made with: those of the asset pages."""
    return list(DownloadPreset.objects.filter(active=True).order_by("position", "name"))


def active_presets() -> list[DownloadPreset]:
    """The active global presets (in no community): what every viewer is offered."""
    return list(DownloadPreset.objects.filter(active=True, communities__isnull=True)
                .prefetch_related("kinds"))


def offered_presets_queryset(user, communities=None):
    """Active presets `user` may use: the global ones and those of the user's current
    communities (brand staff: all of them). `communities`: those community ids when the
    caller has read them already (`UserRule.communities`)."""
    from accounts.roles import is_brand_staff

    presets = DownloadPreset.objects.filter(active=True)
    if not getattr(user, "is_authenticated", False):
        return presets.none()
    if is_brand_staff(user):
        return presets
    from communities.visibility import user_community_ids

    if communities is None:
        communities = user_community_ids(user)
    return presets.filter(Q(communities__isnull=True)
                          | Q(communities__in=communities)).distinct()


def offered_presets(user) -> list[DownloadPreset]:
    """`offered_presets_queryset` as a list, in display order, with kinds prefetched."""
    return list(offered_presets_queryset(user).prefetch_related("kinds")
                .order_by("position", "name"))


def preset_offers(user, asset: Asset) -> list[tuple[DownloadPreset, object]]:
    """The presets `user` is offered for `asset`, each with the real facts of its derivative
    of the version the user gets (a DerivativeFact, or None while unknown). Two queries."""
    from assets.models import DerivativeFact

    presets = presets_for(asset, offered_presets(user))
    facts = {}
    if asset.approved_version_id and presets:
        facts = {f.preset_id: f for f in DerivativeFact.objects.filter(
            version_id=asset.approved_version_id, preset__in=presets,
            state=DerivativeFact.State.READY)}
        # the facts are of the preset's own derivative: not of a community's override (#15)
        if facts and not is_brand_staff_user(user):
            from communities.models import PresetOverride
            from communities.visibility import user_community_ids

            for preset_id in PresetOverride.objects.filter(
                    preset_id__in=list(facts),
                    community_id__in=user_community_ids(user)).values_list("preset_id",
                                                                           flat=True):
                facts.pop(preset_id, None)
    return [(preset, facts.get(preset.pk)) for preset in presets]


def is_brand_staff_user(user) -> bool:
    from accounts.roles import is_brand_staff

    return not getattr(user, "is_authenticated", False) or is_brand_staff(user)


def preset_applies(preset: DownloadPreset, asset: Asset) -> bool:
    """A preset is offered when the asset's resource type and kind match (empty: any)."""
    if preset.resource_types and asset.resource_type not in preset.resource_types:
        return False
    kind_ids = {kind.pk for kind in preset.kinds.all()}
    return not kind_ids or asset.kind_id in kind_ids


def presets_for(asset: Asset, presets: list[DownloadPreset] | None = None):
    """The download presets offered for `asset`, in their display order."""
    return [p for p in (presets if presets is not None else active_presets())
            if preset_applies(p, asset)]


def related_assets(user, asset: Asset, limit: int = 6):
    """Other visible assets of the same campaign or product line, the closest first."""
    if not (asset.campaign_id or asset.product_line_id):
        return []
    same = Q()
    if asset.campaign_id:
        same |= Q(campaign_id=asset.campaign_id)
    if asset.product_line_id:
        same |= Q(product_line_id=asset.product_line_id)
    return list(catalog_queryset(user).filter(same).exclude(pk=asset.pk)
                .order_by("-updated_at", "-id")[:limit])


def versions_for(user, asset: Asset, limit: int = 20) -> list:
    """The version history a user may read: partners, the approved versions only."""
    from accounts.roles import is_brand_staff
    from assets.models import ReviewState

    versions = asset.versions.select_related("reviewed_by")
    if not is_brand_staff(user):
        versions = versions.filter(review_state=ReviewState.APPROVED,
                                   version__lte=asset.approved_version.version
                                   if asset.approved_version else 0)
    return list(versions[:limit])


def last_downloaded_version(user, asset: Asset) -> int | None:
    """The version number `user` downloaded last of `asset` (from the audit trail)."""
    from audit.models import Event

    return (Event.objects.filter(action="asset.downloaded", actor_user_id=user.pk,
                                 asset_id=asset.pk)
            .order_by("-sequence").values_list("asset_version", flat=True).first())


# ------------------------------------------------------------------ the home page

def new_for_user(user, limit: int = 8):
    """Visible assets that are new to the user since their last catalog visit: a version
    released to partners since then, or an asset that became visible to *this* user since
    (a publication, a rule, a membership). A first visit has nothing new yet."""
    since = user.last_catalog_visit
    if since is None:
        return None, [], 0
    queryset = catalog_queryset(user).filter(new_since_condition(user, since)).order_by(
        "-updated_at", "-id")
    return since, list(queryset[:limit]), queryset.count()


def new_since_condition(user, since, rule=None) -> Q:
    from communities.visibility import newly_visible_condition

    return Q(updated_at__gt=since) | newly_visible_condition(user, since, rule)


def newly_visible_ids(user, since, pks, rule=None) -> set[int]:
    """Which of `pks` are new to the user since `since` (none on a first visit). `rule`:
    the user's UserRule of this request, whose memberships it reuses."""
    if since is None or not pks:
        return set()
    return set(Asset.objects.filter(pk__in=pks).filter(new_since_condition(user, since, rule))
               .values_list("pk", flat=True))


def upcoming_launches(user, limit: int = 5):
    """Campaigns launching from today with assets the user can see, soonest first."""
    today = timezone.localdate()
    return list(
        Asset.objects.visible_to(user).filter(campaign__launch_date__gte=today)
        .values("campaign__slug", "campaign__name", "campaign__launch_date")
        .annotate(assets=Count("pk")).order_by("campaign__launch_date", "campaign__name")[:limit]
    )


def open_cases(user, limit: int = 10):
    """The user's own cases that are not resolved or closed."""
    from cases.models import Case

    return list(Case.objects.filter(opener=user, status__in=Case.OPEN_STATUSES)
                .select_related("asset").order_by("-updated_at")[:limit])

"""Reads for the partner catalog: facet counts, the asset page, the home page.

Everything starts from `Asset.objects.visible_to(user)`; nothing here decides
visibility on its own.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from assets.filters import (
    FACETS,
    ORIENTATIONS,
    UPDATED_SINCE,
    UPDATED_SINCE_LABELS,
    AssetFilter,
    updated_since_cutoff,
)
from assets.models import Asset, DownloadPreset

NEW_FOR_YOU_FALLBACK = timedelta(days=30)


def catalog_queryset(user):
    """The assets `user` may see, with what a result card shows."""
    return Asset.objects.visible_to(user).select_related("product_line", "campaign", "kind")


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


def facet_counts(data, base_queryset) -> list[Facet]:
    """Counts per value of every facet, each with all the *other* filters applied.

    One aggregate query per facet, whatever the number of values.
    """
    facets = []
    for name in FACETS:
        others = _without(data, name)
        queryset = AssetFilter(others, queryset=base_queryset).qs.order_by()
        selected = set(data.getlist(name)) if hasattr(data, "getlist") else set()
        label = AssetFilter.base_filters[name].label
        if name in _TAXONOMY_FACETS:
            rows = _taxonomy_counts(queryset, *_TAXONOMY_FACETS[name])
        elif name == "orientation":
            rows = _conditional_counts(queryset, {k: (k.title(), q) for k, q in
                                                  ORIENTATIONS.items()})
        else:
            now = timezone.now()
            rows = _conditional_counts(queryset, {
                code: (UPDATED_SINCE_LABELS[code],
                       Q(updated_at__gte=updated_since_cutoff(code, now)))
                for code in UPDATED_SINCE})
        values = [FacetValue(value, text, count, value in selected)
                  for value, text, count in rows]
        facets.append(Facet(name, label, values))
    return facets


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


def _conditional_counts(queryset, buckets: dict):
    totals = queryset.aggregate(**{key: Count("pk", filter=condition)
                                   for key, (_, condition) in buckets.items()})
    return [(key, text, totals[key]) for key, (text, _) in buckets.items() if totals[key]]


# ------------------------------------------------------------------ the asset page

def active_presets() -> list[DownloadPreset]:
    return list(DownloadPreset.objects.filter(active=True).prefetch_related("kinds"))


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


def last_downloaded_version(user, asset: Asset) -> int | None:
    """The version number `user` downloaded last of `asset` (from the audit trail)."""
    from audit.models import Event

    return (Event.objects.filter(action="asset.downloaded", actor_user_id=user.pk,
                                 asset_id=asset.pk)
            .order_by("-sequence").values_list("asset_version", flat=True).first())


# ------------------------------------------------------------------ the home page

def new_for_user(user, limit: int = 8):
    """Visible assets added or updated since the user's last catalog visit."""
    since = user.last_catalog_visit or (timezone.now() - NEW_FOR_YOU_FALLBACK)
    queryset = catalog_queryset(user).filter(updated_at__gt=since).order_by("-updated_at", "-id")
    return since, list(queryset[:limit]), queryset.count()


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

"""The catalog's one FilterSet, shared by the catalog page and the REST API.

Every facet takes slugs (or plain values) and may repeat (`?market=de&market=fr`):
values within one facet combine with OR, facets with AND. Unknown values simply
match nothing, so a stale bookmark shows an empty page rather than an error.
Filter state lives in the query string, so a search can be bookmarked and shared.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from assets.models import Asset
from assets.search import clean_query, search_assets


class _AnyValueMultipleField(forms.MultipleChoiceField):
    """A multiple-value field that accepts any short value (slugs, formats)."""

    def valid_value(self, value) -> bool:
        return 0 < len(str(value)) <= 100


class MultiValueFilter(django_filters.MultipleChoiceFilter):
    field_class = _AnyValueMultipleField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


# The Market facet's value for assets that name no market: they are meant for every market,
# so a partner's catalog that starts from their own markets includes them (issue #18).
GLOBAL_MARKET = "global"
GLOBAL_MARKET_LABEL = "All markets (global)"

ORIENTATIONS = {
    "landscape": Q(width__gt=F("height")),
    "portrait": Q(width__lt=F("height")),
    "square": Q(width=F("height")),
}
UPDATED_SINCE = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
UPDATED_SINCE_LABELS = {"7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days",
                        "365d": "Last year"}
SORTS = {
    "relevance": "Relevance",
    "newest": "Newest",
    "name": "Name",
}
FACETS = ("product_line", "campaign", "market", "kind", "format", "orientation",
          "updated_since")


def updated_since_cutoff(code: str, now=None):
    return (now or timezone.now()) - timedelta(days=UPDATED_SINCE[code])


REVIEW_STATES = {
    "partners": "Partners get it",
    "new_version": "New version pending review",
    "pending": "Pending (partners get nothing)",
    "rejected": "Rejected",
    "retired": "Retired",
}
REVIEW_CONDITIONS = {
    "partners": Q(approval_state="approved", retired=False),
    "new_version": Q(approval_state="approved", retired=False,
                     current_version__review_state="pending"),
    "pending": Q(approval_state="pending", retired=False),
    "rejected": Q(approval_state="rejected", retired=False),
    "retired": Q(retired=True),
}


class AssetFilter(django_filters.FilterSet):
    """Search, facets and sort for the partner catalog (HTML and API alike)."""

    q = django_filters.CharFilter(method="filter_search", label="Search",
                                  help_text="Words from title, description, tags, taxonomy "
                                            "or public id")
    product_line = MultiValueFilter(field_name="product_line__slug", label="Product line")
    campaign = MultiValueFilter(field_name="campaign__slug", label="Campaign")
    market = MultiValueFilter(field_name="markets__slug", method="filter_market",
                              label="Market")
    kind = MultiValueFilter(field_name="kind__slug", label="Kind")
    language = MultiValueFilter(field_name="locale", method="filter_language",
                                label="Language",
                                help_text="Locale tags (ja-JP): assets in that locale, or "
                                          "masters with a variant in it that you may see")
    format = MultiValueFilter(field_name="format", label="Format")
    orientation = django_filters.MultipleChoiceFilter(
        choices=[(key, key.title()) for key in ORIENTATIONS], method="filter_orientation",
        label="Orientation")
    updated_since = django_filters.ChoiceFilter(
        choices=list(UPDATED_SINCE_LABELS.items()), method="filter_updated_since",
        label="Updated since")
    sort = django_filters.ChoiceFilter(choices=list(SORTS.items()), method="filter_sort",
                                       label="Sort by", empty_label=None)
    review = django_filters.ChoiceFilter(
        choices=list(REVIEW_STATES.items()), method="filter_review",
        label="Review state (staff)",
        help_text="Staff only: assets partners do not get, or whose new version waits.")

    class Meta:
        model = Asset
        fields: list[str] = []

    def __init__(self, *args, search_memo: dict | None = None, families=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_memo = {} if search_memo is None else search_memo
        # the user's visible locale variants (assets.selectors.Families), when the caller
        # read them already: the Language filter then costs no subquery
        self.families = families

    def filter_review(self, queryset, name, value):
        from accounts.roles import is_brand_staff

        user = getattr(self.request, "user", None)
        if user is None or not is_brand_staff(user):
            return queryset  # partners only ever see what they get
        return queryset.filter(REVIEW_CONDITIONS[value])

    def filter_search(self, queryset, name, value):
        return search_assets(queryset, value, self.search_memo)

    def filter_market(self, queryset, name, value):
        # EXISTS instead of a join: no duplicate rows, no DISTINCT needed. GLOBAL_MARKET:
        # the assets that name no market (meant for every market).
        slugs = [slug for slug in value if slug != GLOBAL_MARKET]
        condition = Q()
        if slugs:
            condition |= Exists(Asset.markets.through.objects.filter(
                asset_id=OuterRef("pk"), market__slug__in=slugs))
        if GLOBAL_MARKET in value:
            condition |= ~Exists(Asset.markets.through.objects.filter(asset_id=OuterRef("pk")))
        return queryset.filter(condition)

    def filter_language(self, queryset, name, value):
        if self.families is not None:
            return queryset.filter(Q(locale__in=value)
                                   | Q(pk__in=sorted(self.families.heads_with(value))))
        visible = Asset.objects.visible_to(getattr(self.request, "user", None))
        variants = visible.filter(master_id=OuterRef("pk"), locale__in=value)
        return queryset.filter(Q(locale__in=value) | Exists(variants))

    def filter_orientation(self, queryset, name, value):
        condition = Q()
        for key in value:
            condition |= ORIENTATIONS[key]
        return queryset.filter(condition)

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(updated_at__gte=updated_since_cutoff(value))

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in `qs`, once the search has annotated the rank

    @property
    def qs(self):
        queryset = super().qs
        return queryset.order_by(*self.ordering())

    def searching(self) -> bool:
        data = self.form.cleaned_data if self.form.is_bound and self.is_valid() else {}
        return bool(clean_query(data.get("q")))

    def sort_key(self) -> str:
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        sort = data.get("sort") or ""
        if sort == "relevance" and not self.searching():
            sort = ""
        return sort or ("relevance" if self.searching() else "newest")

    def ordering(self) -> list[str]:
        return {
            "relevance": ["-rank", "-updated_at", "-id"],
            "newest": ["-updated_at", "-id"],
            "name": ["title", "id"],
        }[self.sort_key()]

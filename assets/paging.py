"""Pages of results whose total and ids were read in one statement (issue #17).

The catalog page reads them with its facets (assets.selectors.PageSlice); the API list reads
them from its filtered listing with a window count. Either way the rule and the search are
evaluated once, and the page's rows are then read by primary key.
"""

from collections.abc import Sequence

from django.db.models import Count, Window


class KnownPage(Sequence):
    """The results as a Django Paginator sees them: `total` long, of which one page's ids
    are known (`wanted`: assets.selectors.PageSlice). That page's rows are read by id from
    `queryset` (the visible assets: the rule checked once more, cheaply); any other slice
    (a page number past the end, which the paginator may turn into the last page) is read
    from `queryset` in the wanted order, as without this class."""

    def __init__(self, total: int, wanted, queryset):
        self.total, self.wanted, self.queryset = total, wanted, queryset

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice) and index.start == self.wanted.offset:
            ids = self.wanted.ids or []
            rows = {asset.pk: asset for asset in self.queryset.filter(pk__in=ids)}
            return [rows[pk] for pk in ids if pk in rows]
        return list(self.queryset.order_by(*self.wanted.ordering)[index])


def ids_and_total(listing, offset: int, limit: int) -> tuple[list[int], int | None]:
    """The ids of `listing` (ordered) from `offset`, at most `limit`, and how many it holds
    in all: one statement (`COUNT(*) OVER ()` is computed before the LIMIT). The total is
    None when the slice is empty (past the end: the caller counts as usual)."""
    rows = list(listing.prefetch_related(None)
                .annotate(_portal_total=Window(Count("*")))
                .values_list("pk", "_portal_total")[offset:offset + limit])
    if not rows:
        return [], None
    return [pk for pk, _ in rows], rows[0][1]

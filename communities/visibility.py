"""The visibility rule, in one place.

A partner sees an asset when it is approved, not retired, and published to at
least one community in which the partner holds an active, currently valid
membership — directly, or through a publication rule on product line /
campaign / market / kind. Content team and support staff see every asset.

The whole rule is one SQL query (correlated EXISTS subqueries), so its cost in
queries does not grow with the number of communities or rules.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.roles import is_brand_staff
from assets.models import ApprovalState, Asset
from communities.models import Membership, Publication


def user_community_ids(user, at=None):
    """A subquery of the communities where `user` holds a current membership."""
    return Membership.objects.current(at).filter(user=user).values("community_id")


def visible_assets(queryset: QuerySet, user, at=None) -> QuerySet:
    """Restrict `queryset` (of Asset) to what `user` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if is_brand_staff(user):
        return queryset
    at = at or timezone.now()
    communities = user_community_ids(user, at)
    direct = Publication.objects.filter(asset_id=OuterRef("pk"), community_id__in=communities)
    asset_markets = Asset.markets.through.objects.filter(
        asset_id=OuterRef(OuterRef("pk"))
    ).values("market_id")
    by_rule = Publication.objects.filter(
        Q(product_line__isnull=True) | Q(product_line_id=OuterRef("product_line_id")),
        Q(campaign__isnull=True) | Q(campaign_id=OuterRef("campaign_id")),
        Q(kind__isnull=True) | Q(kind_id=OuterRef("kind_id")),
        Q(market__isnull=True) | Q(market_id__in=asset_markets),
        asset__isnull=True,
        community_id__in=communities,
    )
    return queryset.filter(
        Exists(direct) | Exists(by_rule),
        approval_state=ApprovalState.APPROVED,
        retired=False,
    )

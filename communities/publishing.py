"""Reads for the content team's publish pages: market warnings and what a publication exposes.

Both only read. What a publication makes visible is asked of the visibility code
(`communities.visibility.assets_exposed_by`), never re-derived here, so the preview follows
the rule when the rule changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from communities.models import Community, Membership, Publication
from communities.visibility import assets_exposed_by

SAMPLE_SIZE = 8


@dataclass
class MarketMismatch:
    """An asset (or a rule's market) meant for markets the community does not cover."""

    subject: str
    markets: list[str]


def _names(markets) -> list[str]:
    return sorted(str(m) for m in markets)


def market_mismatches(community: Community, assets) -> list[MarketMismatch]:
    """The assets whose markets do not include any of `community`'s markets.

    A global asset (no market) and a community without markets never mismatch: the
    warning is for "US only" going to "EU Retailers", not for everything global.
    """
    wanted = set(community.markets.values_list("pk", flat=True))
    if not wanted:
        return []
    found = []
    for asset in assets:
        markets = list(asset.markets.all())
        if markets and not wanted.intersection(m.pk for m in markets):
            found.append(MarketMismatch(str(asset), _names(markets)))
    return found


def publication_mismatches(publication: Publication) -> list[MarketMismatch]:
    """Market warnings for one publication (saved or not): its asset, or its rule's market."""
    if publication.asset_id:
        return market_mismatches(publication.community,
                                 [publication.asset] if publication.asset else [])
    if publication.market_id:
        covered = publication.community.markets.all()
        if covered and publication.market not in covered:
            return [MarketMismatch(publication.describe(), [str(publication.market)])]
    return []


@dataclass
class PublicationPreview:
    """"This rule makes 84 assets visible to 12 organisations": what a publication exposes."""

    asset_count: int
    partner_count: int
    member_count: int
    sample: list[str] = field(default_factory=list)


def publication_preview(publication: Publication) -> PublicationPreview:
    """Count what `publication` (saved or not) exposes, and to whom in its community."""
    exposed = assets_exposed_by(publication)
    members = Membership.objects.current().filter(community_id=publication.community_id)
    return PublicationPreview(
        asset_count=exposed.count(),
        partner_count=members.values("partner_id").distinct().count(),
        member_count=members.values("user_id").distinct().count(),
        sample=[str(a) for a in exposed.order_by("title", "pk")[:SAMPLE_SIZE]],
    )

"""The visibility rule, in one place.

A partner sees an asset when it is approved, not retired, past its launch
go-live for the partner's markets (an Embargo), and published to at least one
community in which the partner holds an active, currently valid membership —
directly, or through a publication rule on product line / campaign / market /
kind. Content team and support staff see every asset.

Locale variants (issue #14): a variant is judged by its own approval, retirement and
embargo, and is published by its own publications and rules — or by a direct
publication of its master. We chose to let a master's publication carry its variants
because the content team publishes "the spring banner", not five files: a new German
version approved later reaches the communities that have the banner without anyone
publishing it again, while an unapproved or retired variant stays hidden. Rules match
variants on their own fields, like any asset.

The embargo: an asset with any Embargo row whose go-live is still ahead is
hidden unless a row that applies to the partner is past — a row for one of the
markets of the partner's current communities, or the row without a market (the
date for everyone). Both are uncorrelated `id IN (...)` subqueries over the
(go_live_at, market, asset) index, like the direct publications.

How it is evaluated (issue #17): the publication half — direct, through a master, or by a
rule — is kept in the grant table (communities/grants.py, `AssetGrant`), written in the
transactions that change publications and the asset fields rules match on. The rule then
reads `asset_id IN (grants of the user's current communities)`, an index range per
community, and adds approval, retirement and the embargo as plain conditions: the cost
follows what the partner can see. `reference_visible_assets` evaluates the publications
themselves (one small query reads the rules of the user's communities; each rule becomes
equality conditions); the property test proves the two equal, and
`manage.py asset_grants --check` finds drift in production.
"""

from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.roles import is_brand_staff, remember_staff_groups, staff_group_annotations
from assets.models import ApprovalState, Asset
from communities.models import AssetGrant, Community, Embargo, Membership, Publication


def user_community_ids(user, at=None):
    """A subquery of the communities where `user` holds a current membership."""
    return Membership.objects.current(at).filter(user=user).values("community_id")


RULE_FIELDS = ("product_line_id", "campaign_id", "kind_id", "market_id")
# Read the publication half of the rule from the grant table (issue #17); False evaluates
# the publications themselves (the reference the property test compares it with).
USE_GRANTS = True
# Past this many rules in the user's communities, match rules in SQL instead of
# expanding them into the WHERE clause (SQLite caps expression depth at 1000).
MAX_EXPANDED_RULES = 100


def visible_assets(queryset: QuerySet, user, at=None, *, broad: bool = False) -> QuerySet:
    """Restrict `queryset` (of Asset) to what `user` may see.

    Costs one small query when it is built (the user's current communities), and none per
    asset: the database reads those communities' grants from the (community, asset) index,
    so the cost follows what the partner can see, not the number of assets. `broad`: see
    `UserRule.apply`.
    """
    return rule_for(user, at).apply(queryset, broad=broad)


@dataclass(frozen=True)
class UserRule:
    """The rule for one user at one moment, read once (the user's current communities) and
    applied to as many querysets as a request needs."""

    at: object
    staff: bool = False
    nobody: bool = False
    communities: object = None  # the grant path: a list of ids; the reference: a subquery
    # (community id, membership created_at) of the memberships the rule was read from, when
    # rule_for read them: "new since your last visit" needs no second read (issue #17)
    joined: tuple = ()

    def apply(self, queryset: QuerySet, *, broad: bool = False) -> QuerySet:
        """`queryset` restricted to what the user may see.

        `broad`: the statement reads much of what the user sees (the catalog's facets and
        its page): on PostgreSQL it is then driven from the grants, a primary-key probe
        each, instead of letting the planner scan the asset table (`_granted`). Leave it off
        for selective statements (one asset, a page of ids, a master's variants): there
        the grants are a hashed lookup beside the statement's own index.
        """
        if self.nobody:
            return queryset.none()
        if self.staff:
            return queryset
        if not USE_GRANTS:
            return reference_visible_assets(queryset, self.communities, self.at)
        granted = AssetGrant.objects.filter(community_id__in=self.communities).values(
            "asset_id")
        return queryset.filter(_granted(granted, broad), approval_state=ApprovalState.APPROVED,
                               retired=False).filter(_past_go_live(self.communities, self.at))


def communities_seeing(asset: Asset, community_ids, at=None) -> set[int]:
    """Those of `community_ids` whose members see `asset` at `at`: the same rule, applied
    to each community on its own. Exact for any member: what a user sees is the union of
    what each of their communities sees (grants, and the go-live of each one's markets).
    One query per community, not one per member."""
    return {pk for pk in community_ids if asset.pk in community_sees(pk, [asset.pk], at)}


def community_sees(community_id: int, asset_ids, at=None) -> set[int]:
    """Those of `asset_ids` the members of one community see at `at`: the rule as
    `communities_seeing` applies it, for many assets in one query (launch-kit readiness
    asks it for every cell of a market at once)."""
    ids = sorted({int(pk) for pk in asset_ids})
    if not ids:
        return set()
    rule = UserRule(at or timezone.now(), communities=[community_id])
    return set(rule.apply(Asset.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def community_sees_sql(community_id: int, at=None) -> tuple[str, list]:
    """(SQL, params) of a subquery of the ids of the assets members of one community see at
    `at`: the rule of `community_sees`, for raw SQL to use as `id IN (...)` (launch-kit
    candidates prefer an asset the cell's communities see)."""
    rule = UserRule(at or timezone.now(), communities=[community_id])
    sql, params = rule.apply(Asset.objects.all()).values("pk").query.sql_with_params()
    return sql, list(params)


def rule_for(user, at=None) -> UserRule:
    """`UserRule` of `user` at `at` (default now): one query for a partner, none for staff."""
    at = at or timezone.now()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserRule(at, nobody=True)
    if is_brand_staff(user):
        return UserRule(at, staff=True)
    communities = user_community_ids(user, at)
    if not USE_GRANTS:
        return UserRule(at, communities=communities)
    # The publication half of the rule, kept in AssetGrant (communities/grants.py): an
    # index range per community instead of every rule against every asset. The user's
    # communities are read first (one small query): as constants they let PostgreSQL read
    # the (community, asset) index; as a subquery it hashed the whole table.
    joined = tuple(Membership.objects.current(at).filter(user=user).order_by()
                   .values_list("community_id", "created_at"))
    return UserRule(at, communities=[pk for pk, _ in joined], joined=joined)


def rule_and_memberships(user, at=None, *, published_to=()) -> tuple[UserRule, list]:
    """`rule_for(user, at)` and the user's current memberships themselves, read in one query
    for a request that needs both (a download names a membership in its audit event, #17).

    The memberships come with their community and partner, in primary-key order; each is
    `direct` when its community has a direct publication of one of `published_to` (asset
    ids). The rule is built from the same rows: the same `Membership.objects.current(at)`
    that `rule_for` reads."""
    at = at or timezone.now()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserRule(at, nobody=True), []
    memberships = current_memberships(user, at, published_to=published_to)
    if is_brand_staff(user):
        return UserRule(at, staff=True), memberships
    if not USE_GRANTS:
        return UserRule(at, communities=user_community_ids(user, at)), memberships
    return UserRule(at, communities=[m.community_id for m in memberships]), memberships


def current_memberships(user, at=None, *, published_to=()) -> list:
    """The user's current memberships with their community and partner, in primary-key
    order, each `direct` when its community has a direct publication of one of
    `published_to` (asset ids): what a download's audit event names (one query). The rows
    also carry the user's staff groups (accounts.roles.staff_group_annotations), so the
    rule's `is_brand_staff` that follows reads no groups."""
    published = Publication.objects.filter(asset_id__in=list(published_to),
                                           community_id=OuterRef("community_id"))
    memberships = list(Membership.objects.current(at).filter(user=user)
                       .select_related("community", "partner")
                       .annotate(direct=Exists(published), **staff_group_annotations())
                       .order_by("pk"))
    if memberships:  # the same rows say whether the user is brand staff: no groups query
        remember_staff_groups(user, memberships[0])
    return memberships


class _IdInArray(Func):
    """``id = ANY(ARRAY(subquery))`` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _granted(granted: QuerySet, broad: bool) -> Q | _IdInArray:
    """The asset is among `granted` (asset ids of the grant table).

    `broad` on PostgreSQL: ``id = ANY(ARRAY(...))``: the grants are read first (an index range
    per community) and each becomes a probe of the asset's primary key, so the statement
    follows what the partner can see. As ``id IN (subquery)`` PostgreSQL estimated a
    semi-join of the partner's ~10,000 grants as cheaper by scanning all 100,000 assets
    (bench/plans: 70 ms against 46 ms for the catalog's facet statement).
    """
    if broad and connection.vendor == "postgresql":
        return _IdInArray(F("pk"), ArraySubquery(granted))
    return Q(pk__in=granted)


def reference_visible_assets(queryset: QuerySet, communities, at) -> QuerySet:
    """The rule evaluated from the publications themselves (the grant table's reference:
    the property test proves both equal; one query reads the rules)."""
    direct_ids = Publication.objects.filter(
        asset__isnull=False, community_id__in=communities
    ).values("asset_id")
    rules = list(
        Publication.objects.filter(asset__isnull=True, community_id__in=communities)
        .values_list(*RULE_FIELDS).distinct()[: MAX_EXPANDED_RULES + 1]
    )
    if len(rules) > MAX_EXPANDED_RULES:
        by_rule = Q(pk__in=_rule_matches_in_sql(communities))
    else:
        by_rule = Q(pk__in=[])
        for rule in rules:
            by_rule |= _rule_condition(dict(zip(RULE_FIELDS, rule, strict=True)))
    return queryset.filter(
        Q(pk__in=direct_ids) | Q(master_id__in=direct_ids) | by_rule,
        _past_go_live(communities, at),
        approval_state=ApprovalState.APPROVED,
        retired=False,
    )


def _past_go_live(communities, at) -> Q:
    """Not under a launch embargo for the markets of `communities` at `at`."""
    markets = Community.markets.through.objects.filter(
        community_id__in=communities).values("market_id")
    embargoed = Embargo.objects.filter(go_live_at__gt=at).values("asset_id")
    live = Embargo.objects.filter(Q(market__isnull=True) | Q(market_id__in=markets),
                                  go_live_at__lte=at).values("asset_id")
    return ~Q(pk__in=embargoed) | Q(pk__in=live)


def _rule_condition(rule: dict) -> Q:
    """An asset agrees with a rule on every field the rule names."""
    condition = Q(**{field: rule[field] for field in RULE_FIELDS[:3] if rule[field]})
    if rule["market_id"]:
        condition &= Q(pk__in=Asset.markets.through.objects.filter(
            market_id=rule["market_id"]).values("asset_id"))
    return condition


def _rule_matches_in_sql(communities) -> QuerySet:
    """The ids of approved assets matched by any rule of `communities`, as one subquery."""
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
    return Asset.objects.filter(
        Exists(by_rule), approval_state=ApprovalState.APPROVED, retired=False
    ).values("pk")


def newly_visible_condition(user, since, rule: UserRule | None = None) -> Q:
    """Assets that became visible to `user` after `since` through a publication, a rule or
    a membership (for "new since your last visit"; combine with `visible_to`). `rule`: the
    user's current UserRule when the caller read it already (its memberships are reused).

    A membership that started after `since` makes everything of its community new; a
    publication or rule created after `since` makes what it exposes new.
    """
    if not getattr(user, "is_authenticated", False) or is_brand_staff(user):
        return Q(pk__in=[])
    memberships = list(rule.joined) if rule is not None and rule.joined else list(
        Membership.objects.current().filter(user=user).values_list("community_id",
                                                                   "created_at"))
    fresh = [c for c, created in memberships if created and created > since]
    all_ids = [c for c, _ in memberships]
    new_pubs = Publication.objects.filter(community_id__in=all_ids).filter(
        Q(published_at__gt=since) | Q(community_id__in=fresh))
    direct = new_pubs.filter(asset__isnull=False).values("asset_id")
    condition = Q(pk__in=direct) | Q(master_id__in=direct)
    rules = list(new_pubs.filter(asset__isnull=True).values_list(*RULE_FIELDS).distinct()
                 [:MAX_EXPANDED_RULES])
    for rule in rules:
        condition |= _rule_condition(dict(zip(RULE_FIELDS, rule, strict=True)))
    return condition


def assets_exposed_by(publication: Publication) -> QuerySet:
    """The released assets a publication (one asset or a rule) makes visible to its community."""
    if publication.asset_id:
        condition = Q(pk=publication.asset_id) | Q(master_id=publication.asset_id)
    else:
        condition = _rule_condition({field: getattr(publication, field) for field in RULE_FIELDS})
    return Asset.objects.filter(condition, retired=False).exclude(release_public_id="")


def visible_asset_or_404(user, **lookup) -> Asset:
    """One asset through the same rule: Http404 whether it is hidden or does not exist."""
    return get_object_or_404(Asset.objects.visible_to(user), **lookup)

"""Reads for the partner pages: the user's communities, colleagues and invitations."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from communities.models import Community, Invitation, Membership


@dataclass
class CommunityEntry:
    """One row of "My communities": the membership and, for partner admins, the team."""

    membership: Membership
    current: bool
    is_admin: bool
    status: str = ""  # active, suspended, not_started or ended
    colleagues: list[Membership] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)


def user_communities(user, at=None) -> QuerySet:
    """Communities in which `user` holds a current membership; brand staff see all."""
    from accounts.roles import is_brand_staff

    if is_brand_staff(user):
        return Community.objects.all()
    current = Membership.objects.current(at).filter(user=user).values("community_id")
    return Community.objects.filter(pk__in=current)


def my_communities(user, at=None) -> list[CommunityEntry]:
    """The user's memberships (current or not), with each admin's team: four queries."""
    at = at or timezone.now()
    memberships = list(Membership.objects.filter(user=user, community__active=True)
                       .select_related("community", "partner")
                       .prefetch_related("community__markets")
                       .order_by("community__name"))
    entries = []
    for m in memberships:
        current = m.is_current(at)
        entries.append(CommunityEntry(m, current, current and m.role == m.Role.PARTNER_ADMIN,
                                      _status(m, current, at)))
    teams = [(e.membership.community_id, e.membership.partner_id) for e in entries
             if e.is_admin]
    if teams:
        where = reduce(or_, (Q(community_id=c, partner_id=p) for c, p in teams))
        by_team: dict = {}
        for colleague in (Membership.objects.filter(where).select_related("user")
                          .order_by("user__email")):
            by_team.setdefault((colleague.community_id, colleague.partner_id),
                               []).append(colleague)
        invitations: dict = {}
        for invitation in Invitation.objects.pending(at).filter(where).order_by("email"):
            invitations.setdefault((invitation.community_id, invitation.partner_id),
                                   []).append(invitation)
        for entry in entries:
            key = (entry.membership.community_id, entry.membership.partner_id)
            if entry.is_admin:
                entry.colleagues = by_team.get(key, [])
                entry.invitations = invitations.get(key, [])
    return entries


def admin_teams(user, at=None) -> Q:
    """A filter on rows with community and partner: the teams `user` is partner admin of.

    Anything outside it is answered 404 by the partner pages, exactly like a missing row.
    """
    teams = (Membership.objects.current(at)
             .filter(user=user, role=Membership.Role.PARTNER_ADMIN)
             .values_list("community_id", "partner_id"))
    return reduce(or_, (Q(community_id=c, partner_id=p) for c, p in teams), Q(pk__in=[]))


def _status(membership: Membership, current: bool, at) -> str:
    if current:
        return "active"
    if membership.state == Membership.State.SUSPENDED:
        return "suspended"
    if membership.valid_from and membership.valid_from > at:
        return "not_started"
    return "ended"


def communities_publishing(asset) -> list[int]:
    """The communities an asset is published to, directly (a variant: or through its
    master's publication, communities/visibility.py) or by a rule it matches (the
    communities whose members will see it once it is released)."""
    from communities.models import Publication

    market_ids = list(asset.markets.values_list("pk", flat=True))
    rule = Q(asset__isnull=True) & ~Q(product_line__isnull=True, campaign__isnull=True,
                                      market__isnull=True, kind__isnull=True)
    for name in ("product_line", "campaign", "kind"):
        rule &= Q(**{f"{name}__isnull": True}) | Q(**{f"{name}_id": getattr(asset, f"{name}_id")})
    rule &= Q(market__isnull=True) | Q(market_id__in=market_ids)
    direct = Q(asset=asset) | (Q(asset_id=asset.master_id) if asset.master_id else Q(pk__in=[]))
    return sorted(set(Publication.objects.filter(direct | rule)
                      .values_list("community_id", flat=True)))


@dataclass
class LocalePreferences:
    """What a partner's communities prefer: languages (BCP 47, best first) and markets."""

    languages: list[str] = field(default_factory=list)
    market_ids: set[int] = field(default_factory=set)


def locale_preferences(user, at=None) -> LocalePreferences:
    """The default languages and markets of `user`'s current communities (two queries).

    A community's default languages come first: the content team's `languages` when set
    (they win), else those Trading Grid gives it (`tg_languages`); then the languages of
    its markets. Communities in id order, duplicates dropped.
    """
    from assets.models import Market

    prefs = LocalePreferences()
    if not getattr(user, "is_authenticated", False):
        return prefs
    communities = list(Community.objects.filter(
        pk__in=Membership.objects.current(at or timezone.now()).filter(user=user)
        .values("community_id")).order_by("pk").prefetch_related(
        Prefetch("markets", queryset=Market.objects.order_by("pk"))))
    ordered: list[str] = []
    for community in communities:
        ordered += community.default_languages
    for community in communities:
        for market in community.markets.all():
            prefs.market_ids.add(market.pk)
            if market.language:
                ordered.append(market.language)
    seen = set()
    prefs.languages = [t for t in ordered if not (t.lower() in seen or seen.add(t.lower()))]
    return prefs


def preset_override_for(user, preset, at=None, communities=None):
    """The override of `preset` (`PresetOverride`) that applies to `user`: the one of a
    community they currently belong to (the lowest community id when several have one), or
    None. Brand staff and anonymous users get the preset's own definition. `communities`:
    the user's current community ids when the caller has read them (`UserRule.communities`)."""
    overrides = user_preset_overrides(user, at, communities)
    return overrides.filter(preset=preset).first() if overrides is not None else None


def user_preset_overrides(user, at=None, communities=None) -> QuerySet | None:
    """The overrides that apply to `user`, the one to use of each preset first (lowest
    community id); None for anonymous users. Filter it by preset, or by
    ``preset=OuterRef("pk")`` to read the override in the preset's own statement
    (assets.downloads.preset_for)."""
    from communities.models import PresetOverride

    if not getattr(user, "is_authenticated", False):
        return None
    if communities is None:
        communities = Membership.objects.current(at or timezone.now()).filter(
            user=user).values("community_id")
    return PresetOverride.objects.filter(community_id__in=communities).order_by("community_id")

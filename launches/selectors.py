"""Reads of launch kits for pages and the API: the matrix, acknowledgements, risk order."""

from __future__ import annotations

from django.db.models import BooleanField, Case, F, Q, Value, When
from django.utils import timezone

from communities.models import Membership
from launches.models import KitCase, KitConfirmation, LaunchKit, SlotStatus


def kits_by_risk(at=None):
    """Upcoming kits first, least ready and then soonest go-live first; kits whose go-live
    passed (over: the launch happened) after every upcoming one, least ready and then the
    most recent first. Each carries `past` (True once its go-live passed)."""
    at = at or timezone.now()
    past = Case(When(go_live_at__lte=at, then=Value(True)), default=Value(False),
                output_field=BooleanField())
    upcoming = Q(go_live_at__gt=at)
    return (LaunchKit.objects.select_related("campaign").defer("matrix")
            .annotate(past=past)
            .order_by("past", "readiness", Case(When(upcoming, then=F("go_live_at"))),
                      F("go_live_at").desc(), "pk"))


def ensure_stored_matrix(kit) -> None:
    """Kits computed before the matrix was stored get it once from their stored cells (a
    copy of what is there, not a recompute)."""
    if kit.matrix or not kit.recomputed_at:
        return
    from launches.readiness import stored_matrix

    cells = list(SlotStatus.objects.filter(kit=kit).select_related("slot"))
    if cells:
        kit.matrix = stored_matrix(kit, cells)
        LaunchKit.objects.filter(pk=kit.pk).update(matrix=kit.matrix)


def readiness_points(kit, limit: int = 60) -> list:
    """The latest `limit` snapshots, oldest first (the chart's points)."""
    return list(reversed(kit.snapshots.order_by("-taken_at")[:limit]))


def acknowledgements(kit) -> list[dict]:
    """Per community of the kit, each organisation's confirmation status (names, no models:
    a kit for hundreds of organisations stays cheap to show)."""
    confirmations = {c.partner_id: c for c in KitConfirmation.objects.filter(kit=kit)
                     .only("partner_id", "confirmed_at", "stale")}
    rows = (Membership.objects.current().filter(community__in=kit.communities.all())
            .order_by("community__name", "partner__name", "community_id", "partner_id")
            .values_list("community_id", "community__name", "partner_id", "partner__name")
            .distinct())
    result = []
    for _, community, partner_id, partner in rows:
        confirmation = confirmations.get(partner_id)
        status = ("confirmed" if confirmation and not confirmation.stale
                  else "asked again" if confirmation else "not confirmed")
        result.append({"community": community, "partner": partner, "status": status,
                       "confirmation": confirmation})
    return result


def kit_cases(kit):
    return (KitCase.objects.filter(kit=kit).select_related("case", "slot", "market")
            .order_by("-case__created_at"))


def partner_contents(kit, user) -> list[dict]:
    """What a partner sees of the kit: each slot with the visible asset in their markets."""
    from assets.models import Asset
    from launches.readiness import _partner_markets

    membership = (Membership.objects.current().filter(user=user, community__launch_kits=kit)
                  .order_by("pk").first())
    market_ids = _partner_markets(kit, membership.partner_id,
                                  sorted(kit.markets.values_list("pk", flat=True)))
    cells = list(SlotStatus.objects.filter(kit=kit, market_id__in=market_ids)
                 .select_related("slot", "market").order_by("slot__position", "slot_id",
                                                            "market__name"))
    visible = {a.pk: a for a in Asset.objects.visible_to(user).filter(
        pk__in=[c.asset_id for c in cells if c.asset_id])}
    return [{"slot": c.slot, "market": c.market, "asset": visible.get(c.asset_id),
             "ready": c.state in ("ready", "superseded")} for c in cells]

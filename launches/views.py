"""Staff pages (kits by risk, a kit's readiness) and partner pages (my kits, one kit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.roles import is_brand_staff, is_content_team
from assets.downloads import DownloadError, assets_download_zip
from assets.models import Asset, Market
from launches import selectors, services
from launches.charts import readiness_chart
from launches.models import LaunchKit, Slot
from launches.rendering import datalist_html, matrix_html


def _staff_only(request) -> None:
    if not is_brand_staff(request.user):  # partners: "no such page" (404, never 403)
        raise Http404


@login_required
def kit_list(request):
    _staff_only(request)
    return render(request, "launches/kit_list.html", {"kits": selectors.kits_by_risk()})


@login_required
def readiness(request, pk: int):
    _staff_only(request)
    kit = get_object_or_404(LaunchKit.objects.select_related("campaign", "product_line"), pk=pk)
    points = [(timezone.localtime(s.taken_at).strftime("%-d %b %H:%M"), s.readiness)
              for s in selectors.readiness_points(kit)]
    selectors.ensure_stored_matrix(kit)
    can_fill = is_content_team(request.user)
    choices = ""
    if can_fill:
        # One shared, searchable list for every cell's picker (a <datalist>), not a <select>
        # per cell: the page stays small however many cells are open.
        # The campaign's newest 300 (a top-N on the id, not a sort of every title).
        newest = (Asset.objects.filter(campaign_id=kit.campaign_id, retired=False)
                  .order_by("-pk").values_list("public_id", "title")[:300])
        choices = datalist_html(sorted(newest, key=lambda c: (c[1].lower(), c[0])))
    return render(request, "launches/readiness.html", {
        "kit": kit, "acks": selectors.acknowledgements(kit),
        "matrix": matrix_html(kit, can_fill=can_fill, csrf_token=get_token(request)),
        "cases": selectors.kit_cases(kit), "choices": choices,
        "can_fill": can_fill,
        "chart": mark_safe(readiness_chart(points))})  # noqa: S308 (escaped inside)


@require_POST
@login_required
def fill(request, pk: int, slot_pk: int):
    _staff_only(request)
    slot = get_object_or_404(Slot, pk=slot_pk, kit_id=pk)
    asset = _asset_named(request.POST.get("asset"))
    market = Market.objects.filter(pk=request.POST.get("market") or 0).first()
    if asset is None:
        messages.error(request, "Choose an asset for the slot: no asset has that public ID.")
        return redirect("launches:readiness", pk)
    try:
        services.slot_fill(slot=slot, asset=asset, market=market, actor=request.user)
    except (services.KitError, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{asset} fills “{slot.name}”"
                                  + (f" in {market}." if market else " in every market."))
    return redirect("launches:readiness", pk)


def _asset_named(value: str | None) -> Asset | None:
    """The asset a picker names: its public id (the datalist's value) or its id."""
    value = (value or "").strip()
    if not value:
        return None
    asset = Asset.objects.filter(public_id=value).order_by("pk").first()
    if asset is None and value.isdigit() and len(value) < 19:
        asset = Asset.objects.filter(pk=int(value)).first()
    return asset


def _partner_kit(user, pk: int) -> LaunchKit:
    return get_object_or_404(services.partner_kits(user), pk=pk)


@login_required
def my_kits(request):
    kits = services.partner_kits(request.user).select_related("campaign")
    return render(request, "launches/my_kits.html", {"kits": kits})


@login_required
def partner_kit(request, pk: int):
    kit = _partner_kit(request.user, pk)
    membership = services._membership_for(request.user, kit)
    confirmation = kit.confirmations.filter(partner=membership.partner).first()
    return render(request, "launches/partner_kit.html", {
        "kit": kit, "entries": selectors.partner_contents(kit, request.user),
        "partner": membership.partner, "confirmation": confirmation})


@require_POST
@login_required
def confirm(request, pk: int):
    kit = _partner_kit(request.user, pk)
    services.kit_confirm(kit=kit, user=request.user)
    messages.success(request, "Thank you: your organisation confirmed it has the launch kit.")
    return redirect("launches:partner-kit", pk)


@require_POST
@login_required
def flag(request, pk: int, slot_pk: int):
    kit = _partner_kit(request.user, pk)
    slot = get_object_or_404(Slot, pk=slot_pk, kit=kit)
    market = kit.markets.filter(pk=request.POST.get("market") or 0).first()
    what = request.POST.get("what", "missing")
    body = (request.POST.get("body") or "").strip() or (
        f"“{slot.name}” is missing from the {kit.name} launch kit." if what == "missing"
        else f"Please provide “{slot.name}” in another format.")
    from cases.services import CaseError

    try:
        case = services.slot_flag(kit=kit, slot=slot, user=request.user, what=what, body=body,
                                  market=market)
    except (services.KitError, CaseError) as error:
        messages.error(request, str(error))
        return redirect("launches:partner-kit", pk)
    messages.success(request, f"Case {case.reference} opened; the launch team was told.")
    return redirect("cases:detail", case.reference)


@require_POST
@login_required
def download_zip(request, pk: int):
    """The whole kit for the partner's markets as one ZIP (visible assets only, audited)."""
    kit = _partner_kit(request.user, pk)
    ids = [e["asset"].pk for e in selectors.partner_contents(kit, request.user) if e["asset"]]
    assets = list(Asset.objects.visible_to(request.user).filter(pk__in=ids)
                  .select_related("approved_version"))
    try:
        link = assets_download_zip(user=request.user, assets=assets)
    except DownloadError as error:
        messages.error(request, str(error))
        return redirect("launches:partner-kit", pk)
    return redirect(link.url)

"""Staff report pages: who received an asset (partners × versions × download/acknowledge)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts.roles import is_brand_staff
from audit import selectors


def _staff_only(request) -> None:
    # Same answer as "no such page" for partners (house rule: 404, never 403).
    if not is_brand_staff(request.user):
        raise Http404


@login_required
def received(request):
    """Pick an asset by its id or title."""
    _staff_only(request)
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.find_assets(query) if query else []
    return render(request, "audit/received.html", {"query": query, "results": results})


@login_required
def received_asset(request, asset_pk: int):
    """Which partner organisations and users downloaded or acknowledged which version, when."""
    _staff_only(request)
    label = selectors.asset_label(asset_pk)
    if label is None:
        raise Http404
    partners = selectors.receipts_for_asset(asset_pk)
    return render(request, "audit/received_asset.html",
                  {"asset_pk": asset_pk, "asset_label": label, "partners": partners})

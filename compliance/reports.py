"""Staff pages: the currency report per asset and per community, with a CSV export."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from accounts.roles import is_brand_staff
from assets.models import Asset
from communities.models import Community
from compliance import selectors
from compliance.charts import bar_chart

COLUMNS = ["partner", "status", "last_downloaded_version", "current_version", "on_current",
           "acknowledgement", "overdue"]


def _staff_only(request) -> None:
    if not is_brand_staff(request.user):  # partners: "no such page" (404, never 403)
        raise Http404


def csv_response(name: str, rows: list[dict], columns: list[str]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return response


@login_required
def asset_report(request, asset_pk: int):
    _staff_only(request)
    asset = get_object_or_404(Asset.objects.select_related("approved_version"), pk=asset_pk)
    rows = selectors.currency(asset)
    if request.GET.get("format") == "csv":
        return csv_response(f"currency-asset-{asset.pk}", rows, COLUMNS)
    return render(request, "compliance/report.html", {
        "title": asset.title, "subject": "asset", "rows": rows, "asset": asset,
        "chart": mark_safe(bar_chart(selectors.counts(rows)))})  # noqa: S308 (escaped)


@login_required
def community_report(request, community_pk: int):
    _staff_only(request)
    community = get_object_or_404(Community, pk=community_pk)
    rows = selectors.community_currency(community)
    if request.GET.get("format") == "csv":
        return csv_response(f"currency-community-{community.pk}", rows, ["asset", *COLUMNS])
    return render(request, "compliance/report.html", {
        "title": community.name, "subject": "community", "rows": rows,
        "chart": mark_safe(bar_chart(selectors.counts(rows)))})  # noqa: S308 (escaped)

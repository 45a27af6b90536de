"""Partner pages: files to confirm, and the one-click acknowledgement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from compliance import services


@login_required
def mine(request):
    """What the user's organisation must confirm, and its currency over every file it
    received (the staff report's rows, for its own organisation; CSV with ?format=csv)."""
    from django.utils.safestring import mark_safe

    from compliance import reports, selectors
    from compliance.charts import bar_chart

    partners = services._partner_ids(request.user)
    rows = selectors.partner_currency(request.user, partners) if partners else []
    if request.GET.get("format") == "csv":
        return reports.csv_response("currency-my-organisation", rows,
                                    ["asset", *reports.COLUMNS])
    acks = list(services.open_for(request.user).order_by("due_at", "pk")[:200])
    return render(request, "compliance/mine.html", {
        "acknowledgements": acks, "rows": rows, "limit": selectors.PARTNER_REPORT_LIMIT,
        # one organisation (the usual case): no column repeating its name on every row
        "several": len(partners) > 1,
        "chart": mark_safe(bar_chart(selectors.counts(rows))) if rows else ""})  # noqa: S308


@login_required
@require_POST
def acknowledge(request, asset_pk: int):
    raw = request.POST.get("version", "")
    if raw and not raw.isdigit():
        return HttpResponseBadRequest("The version is a number.")
    try:
        ack = services.acknowledge(user=request.user, asset=asset_pk,
                                   number=int(raw) if raw else None)
    except services.AcknowledgementError as exc:
        messages.error(request, str(exc))
        return redirect("compliance:mine")
    messages.success(request, f"Thank you: {ack.partner.name} works from "
                              f"{ack.asset.title} version {ack.version.number}.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return redirect(back)
    return redirect("compliance:mine")

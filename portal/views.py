"""Site-wide pages: the partner home and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import run_checks


@login_required
def home(request):
    """What is new for me since my last catalog visit, upcoming launches, my open cases."""
    from assets import selectors
    from assets.views import card_image

    since, new_assets, new_count = selectors.new_for_user(request.user)
    context = {
        "since": since,
        "first_visit": request.user.last_catalog_visit is None,
        "new_cards": [card_image(a) for a in new_assets],
        "new_count": new_count,
        "launches": selectors.upcoming_launches(request.user),
        "open_cases": [(case, _case_url(case)) for case in selectors.open_cases(request.user)],
    }
    return render(request, "portal/home.html", context)


def _case_url(case) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:  # the cases pages are not installed yet
        return None


@never_cache
@require_GET
def healthz(request):
    """JSON state of each dependency; 503 only when the database is down."""
    checks = run_checks()
    healthy = checks["database"]["status"] == "ok"
    body = {"status": "ok" if healthy else "down", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)

"""Site-wide pages: the partner home and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import run_checks


@login_required
def home(request):
    """The signed-in user's start page."""
    return render(request, "portal/home.html", {})


@never_cache
@require_GET
def healthz(request):
    """JSON state of each dependency; 503 only when the database is down."""
    checks = run_checks()
    healthy = checks["database"]["status"] == "ok"
    body = {"status": "ok" if healthy else "down", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)

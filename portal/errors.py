"""Error pages: branded HTML with navigation; the API answers in JSON even when no API view
was reached."""

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import page_not_found

logger = logging.getLogger(__name__)

# When even the branded page cannot render (the database is down, a template breaks), this
# still names the brand and links home, with no database access and no template engine.
_BARE_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>Something went wrong</title>'
    '<link rel="stylesheet" href="/static/css/portal.css"></head><body><main id="main" '
    'class="container"><h1>Something went wrong</h1><p>The portal could not finish this '
    'request; please try again in a minute.</p><nav aria-label="Main"><ul><li><a href="/">'
    'Home</a></li><li><a href="/catalog/">Catalog</a></li></ul></nav></main></body></html>')


def not_found(request, exception=None):
    """404: JSON under /api/ (an id that is not a number never reaches DRF), else HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/, else the branded page (with the header's navigation for a
    signed-in user), else a bare page that needs nothing that may have failed."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    try:
        html = render_to_string("500.html", {"request_id": getattr(request, "request_id", "")},
                                request=request)
    except Exception:  # the error page must not fail in turn
        logger.exception("The 500 page could not render; serving the bare one")
        html = _BARE_500
    return HttpResponseServerError(html)

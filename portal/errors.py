"""Error pages: the API answers in JSON even when no API view was reached."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def not_found(request, exception=None):
    """404: JSON under /api/ (an id that is not a number never reaches DRF), else HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)

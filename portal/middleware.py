"""Request-scoped middleware."""

import re
import uuid

from django.http import HttpResponseBadRequest, JsonResponse

from audit.context import RequestInfo, current_request

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (honouring a sane incoming X-Request-Id) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request.set(RequestInfo(request_id, request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-Id"] = request_id
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in the path or query string is a 400, not a database error.

    PostgreSQL text cannot hold NUL, so a filter value carrying one would fail deep in
    the ORM as a 500. Form fields already refuse it (Django's null-character validator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = "Bad request: the address contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)


def no_time_zone(view):
    """Mark a view that shows no times (a redirect to a signed link): TimeZoneMiddleware
    then spares the query that finds the user's zone (issue #17: the download redirect)."""
    view.no_time_zone = True
    return view


class TimeZoneMiddleware:
    """Show times in the signed-in user's time zone (portal.timezones), for the whole request.

    `request.time_zone` is the zone's name; `request.time_zone_source` says where it comes
    from: "chosen" by the user, their "community"'s market, or the "default" (UTC). The
    API stays in UTC. Views marked with `no_time_zone` keep the default zone, unlooked-up.
    The zone is activated when the view is known (process_view), so it holds for the view
    and its template, and deactivated when the response leaves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone

        request.time_zone = timezone.get_default_timezone_name()
        request.time_zone_source = "default"
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.utils import timezone

        from portal.timezones import user_time_zone, zone_info

        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or getattr(view_func, "no_time_zone", False):
            return None  # the API speaks UTC (ISO 8601 with "Z"); a redirect shows no time
        if user is not None and user.is_authenticated:
            request.time_zone, request.time_zone_source = user_time_zone(user)
        timezone.activate(zone_info(request.time_zone))
        return None

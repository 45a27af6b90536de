"""The notification centre page: history, unread first in bold, mark read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import services
from notifications.models import Notice


@login_required
def centre(request):
    from compliance.previews import for_notices

    page = Paginator(Notice.objects.filter(user=request.user), 25).get_page(
        request.GET.get("page"))
    page.object_list = list(page.object_list)
    details = for_notices(request.user, page.object_list)
    for notice in page.object_list:
        notice.details = details.get(notice.pk)
    return render(request, "notifications/centre.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("notice")
    if ids and not all(i.isdigit() for i in ids):
        return HttpResponseBadRequest("Notice ids are numbers.")
    services.mark_read(request.user, [int(i) for i in ids] if ids else None)
    return redirect("notifications:centre")


@login_required
def preferences(request):
    """Per kind: immediately, daily digest or off; and the user's time zone (pages show
    times in it, the digest goes out at 07:00 in it)."""
    from zoneinfo import available_timezones

    from notifications.models import REQUIRED_KINDS, Delivery, DigestSchedule, Preference

    error = ""
    if request.method == "POST":
        # A kind the form did not send (a page drawn before the kind existed) keeps its choice.
        choices = {kind: request.POST[f"kind-{kind}"] for kind in Notice.Kind.values
                   if f"kind-{kind}" in request.POST}
        tz = request.POST.get("timezone", "").strip() or None
        try:
            services.set_preferences(request.user, choices, tz=tz)
        except ValueError as exc:
            error = str(exc)
        else:
            return redirect("notifications:preferences")
    current = dict(Preference.objects.filter(user=request.user)
                   .values_list("kind", "delivery"))
    schedule = DigestSchedule.objects.filter(user=request.user).first()
    kinds = [{"value": value, "label": label, "delivery": current.get(value, "immediate"),
              "required": value in REQUIRED_KINDS,
              "options": [(v, lbl) for v, lbl in Delivery.choices
                          if not (value in REQUIRED_KINDS and v == Delivery.OFF)]}
             for value, label in Notice.Kind.choices]
    return render(request, "notifications/preferences.html",
                  {"kinds": kinds, "error": error,
                   "timezone": (request.user.time_zone or getattr(request, "time_zone", "")
                                or (schedule.timezone if schedule else "UTC")),
                   "time_zones": sorted(available_timezones())},
                  status=400 if error else 200)

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
    page = Paginator(Notice.objects.filter(user=request.user), 25).get_page(
        request.GET.get("page"))
    return render(request, "notifications/centre.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("notice")
    if ids and not all(i.isdigit() for i in ids):
        return HttpResponseBadRequest("Notice ids are numbers.")
    services.mark_read(request.user, [int(i) for i in ids] if ids else None)
    return redirect("notifications:centre")

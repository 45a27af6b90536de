"""Case pages for partners (my cases, open, thread) and support staff (queue, actions)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import is_brand_staff
from assets.models import Asset, AssetVersion
from cases import selectors, services
from cases.filters import CaseFilter
from cases.forms import (
    AssignForm,
    BulkForm,
    OpenCaseForm,
    PriorityForm,
    ReplyForm,
    ResolveForm,
    StatusForm,
)
from cases.models import Case
from portal.ids import ids_from
from portal.redirects import redirect_next

PAGE_SIZE = 25


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_brand_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _case_or_404(request, ref: str) -> Case:
    case = selectors.case_for(request.user, ref)
    if case is None:
        raise Http404("No such case.")
    return case


def _run(request, ref_case: Case, action, success: str, **kwargs):
    """Call a service; its refusal becomes a message on the page, a 404 stays a 404."""
    try:
        action(**kwargs)
    except services.CaseNotFound:
        raise Http404
    except services.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("cases:detail", ref=ref_case.reference)


@login_required
def case_list(request):
    cases = selectors.cases_for(request.user).order_by("-updated_at", "-pk")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page})


@login_required
def case_open(request):
    """Open a case about an asset (`?asset=<id>`, one the user can see) or, without one,
    about something missing from the catalog."""
    asset_id = request.GET.get("asset", "")
    asset = None
    if asset_id:
        asset = get_object_or_404(Asset.objects.visible_to(request.user).select_related(
            "approved_version"), pk=int(asset_id) if asset_id.isdigit() else 0)
    form = OpenCaseForm(request.POST or None, request.FILES or None, with_asset=asset is not None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(opener=request.user, asset=asset, **form.cleaned_data)
        except services.CaseNotFound:
            raise Http404
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case {case.reference} opened. Support will answer here.")
            return redirect("cases:detail", ref=case.reference)
    return render(request, "cases/open.html", {
        "form": form, "asset": asset,
        "asset_url": selectors.asset_url(asset.pk) if asset else "",
        "cancel_url": selectors.asset_url(asset.pk) if asset else reverse("assets:catalog"),
        "open_cases": selectors.open_cases_on(request.user, asset) if asset else [],
    })


@login_required
def case_detail(request, ref: str):
    case = _case_or_404(request, ref)
    return render(request, "cases/detail.html", _detail_context(request, case, ReplyForm()))


def _detail_context(request, case: Case, reply_form: ReplyForm) -> dict:
    staff = is_brand_staff(request.user)
    context = {
        "case": case, "thread": selectors.thread_for(request.user, case), "staff": staff,
        "reply_form": reply_form,
        "asset_url": selectors.asset_url(case.asset_id) if case.asset_id else "",
        "reopen_deadline": services.reopen_deadline(case), "now": timezone.now(),
        # the partner is asked "did this fix it?" (with a way to reopen) on the resolution
        "offer_feedback": (not staff and case.status == Case.Status.RESOLVED
                           and case.fixed_confirmed_at is None),
        # the thread's resolution message is not repeated under the resolution card
        "resolution_shown_key": (case.resolution_event_key
                                 if case.resolution_kind and not case.is_open else ""),
    }
    if case.resolution_asset_id:
        context["resolution_asset_url"] = selectors.asset_url(case.resolution_asset_id)
        context["resolution_download_url"] = selectors.download_url(case.resolution_asset_id)
    if staff:
        query = request.GET.get("q", "")[:200]
        context.update(
            assign_form=AssignForm(initial={"assignee": case.assignee_id}),
            status_form=StatusForm(initial={"status": case.status}),
            priority_form=PriorityForm(initial={"priority": case.priority}),
            resolve_form=ResolveForm(), picker_query=query,
            candidates=selectors.resolution_candidates(case, query) if case.is_open else [],
        )
    return context


@require_POST
@login_required
def case_reply(request, ref: str):
    case = _case_or_404(request, ref)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        if "attachment" in form.errors:  # the page comes back with the reply kept
            return render(request, "cases/detail.html", _detail_context(request, case, form),
                          status=400)
        messages.error(request, "Write a message first.")
        return redirect("cases:detail", ref=case.reference)
    internal = form.cleaned_data["internal"]
    return _run(request, case, services.case_reply,
                "Internal note added." if internal else "Reply sent.",
                case=case, author=request.user, body=form.cleaned_data["body"],
                internal=internal, attachment=form.cleaned_data.get("attachment"))


@login_required
def case_attachment(request, ref: str, pk: int):
    """Download an attachment: whoever may read the case and the message (partners never
    get one on an internal note). Always a download, never shown inline."""
    from django.http import FileResponse

    case = _case_or_404(request, ref)
    attachment = selectors.attachment_for(request.user, case, pk)
    if attachment is None:
        raise Http404("No such attachment.")
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.name, content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_POST
@login_required
def case_close(request, ref: str):
    case = _case_or_404(request, ref)
    return _run(request, case, services.case_close, "Case closed.", case=case,
                actor=request.user)


@require_POST
@login_required
def case_reopen(request, ref: str):
    case = _case_or_404(request, ref)
    return _run(request, case, services.case_reopen, "Case reopened.", case=case,
                actor=request.user)


@require_POST
@staff_required
def case_assign(request, ref: str):
    case = _case_or_404(request, ref)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a member of staff.")
        return redirect("cases:detail", ref=case.reference)
    return _run(request, case, services.case_assign, "Assignee saved.", case=case,
                actor=request.user, assignee=form.cleaned_data["assignee"])


@require_POST
@staff_required
def case_take(request, ref: str):
    case = _case_or_404(request, ref)
    return _run(request, case, services.case_take, "Assigned to you.", case=case,
                actor=request.user)


@require_POST
@login_required
def case_confirm_fixed(request, ref: str):
    case = _case_or_404(request, ref)
    return _run(request, case, services.case_confirm_fixed,
                "Thank you: support can see that this fixed it.", case=case, actor=request.user)


@require_POST
@staff_required
def case_status(request, ref: str):
    case = _case_or_404(request, ref)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
        return redirect("cases:detail", ref=case.reference)
    return _run(request, case, services.case_set_status, "Status changed.", case=case,
                actor=request.user, **form.cleaned_data)


@require_POST
@staff_required
def case_priority(request, ref: str):
    case = _case_or_404(request, ref)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a priority.")
        return redirect("cases:detail", ref=case.reference)
    return _run(request, case, services.case_set_priority, "Priority changed.", case=case,
                actor=request.user, priority=form.cleaned_data["priority"])


@require_POST
@staff_required
def case_resolve(request, ref: str):
    case = _case_or_404(request, ref)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("cases:detail", ref=case.reference)
    data = form.cleaned_data
    version = (AssetVersion.objects.select_related("asset").filter(pk=data["version"]).first()
               if data["version"] else None)
    replacement = (Asset.objects.filter(pk=data["replacement_asset"]).first()
                   if data["replacement_asset"] else None)
    return _run(request, case, services.case_resolve, "Case resolved; the partner is told.",
                case=case, actor=request.user, resolution_kind=data["resolution_kind"],
                version=version, replacement_asset=replacement, link=data["link"] or "",
                note=data["note"])


@staff_required
def case_queue(request):
    base = selectors.cases_for(request.user).order_by("sla_due_at", "pk")
    data = request.GET.copy()
    if "status" not in data:  # the queue starts with what is still open
        data.setlist("status", list(Case.OPEN_STATUSES))
    case_filter = CaseFilter(data, queryset=base)
    page = Paginator(case_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/queue.html", {"filter": case_filter, "page": page,
                                                "bulk_form": BulkForm(), "now": timezone.now()})


@require_POST
@staff_required
def case_bulk(request):
    form = BulkForm(request.POST)
    ids = ids_from(request.POST.getlist("cases"))
    if not form.is_valid() or not ids:
        messages.error(request, "Select cases and an action.")
        return _back_to_queue(request)
    try:
        done = services.case_bulk_update(
            actor=request.user, cases=list(selectors.cases_for(request.user).filter(pk__in=ids)),
            action=form.cleaned_data["action"], assignee=form.cleaned_data["assignee"],
            priority=form.cleaned_data["priority"])
    except services.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{done} case(s) updated.")
    return _back_to_queue(request)


def _back_to_queue(request):
    nxt = request.POST.get("next", "")
    return redirect_next(request, nxt if nxt.startswith("/cases/queue/") else None, "cases:queue")

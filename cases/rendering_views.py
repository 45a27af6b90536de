"""Pages of rendering-quality feedback (#15): the partner's report form, the staff
focal-point and preset-change fixes and the staff report of fixes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assets import preset_changes
from assets.models import Asset
from assets.selectors import presets_for
from cases import rendering, rendering_presets, rendering_selectors, selectors
from cases.rendering_models import DeviceClass, RenderingProblem
from cases.services import CaseError, CaseNotFound
from cases.views import staff_required


class RenderingReportForm(forms.Form):
    """What went wrong with one size; the viewport is filled in by the browser when it can."""

    problem = forms.ChoiceField(choices=RenderingProblem.choices, label="What went wrong?")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000,
                           label="Describe what you saw")
    device_class = forms.ChoiceField(choices=[("", "—")] + DeviceClass.choices,
                                     required=False, label="Device")
    viewport_width = forms.IntegerField(min_value=1, max_value=20_000, required=False,
                                        label="Screen width (px)")
    viewport_height = forms.IntegerField(min_value=1, max_value=20_000, required=False,
                                         label="Screen height (px)")
    page_url = forms.URLField(max_length=1000, required=False, assume_scheme="https",
                              label="Page where it is used (optional)")


class PresetChangeForm(forms.Form):
    """A change of the reported preset: each empty field keeps what the preset has."""

    scope = forms.ChoiceField(choices=[("community", "Only this community"),
                                       ("everyone", "Everyone")])
    crop = forms.ChoiceField(choices=[("", "keep")] + [(c, c) for c in preset_changes.CROPS],
                             required=False)
    gravity = forms.ChoiceField(choices=[("", "keep")] + [(g, g) for g in
                                                          preset_changes.GRAVITIES],
                                required=False)
    quality = forms.CharField(max_length=10, required=False)
    format = forms.ChoiceField(choices=[("", "keep")] + [(x, x) for x in
                                                         preset_changes.FORMATS],
                               required=False)
    note = forms.CharField(max_length=500, required=False)


class FocalPointForm(forms.Form):
    x = forms.IntegerField(min_value=0)
    y = forms.IntegerField(min_value=0)
    w = forms.IntegerField(min_value=1)
    h = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=500, required=False)


def _asset_and_preset(request):
    asset_id = request.GET.get("asset") or request.POST.get("asset")
    slug = request.GET.get("preset") or request.POST.get("preset") or ""
    if not str(asset_id or "").isdigit():
        raise Http404("No such asset.")
    asset = Asset.objects.visible_to(request.user).filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset.")
    preset = next((p for p in presets_for(asset) if p.slug == slug and p.transformation), None)
    if preset is None:
        raise Http404("No such size for this asset.")
    return asset, preset


@login_required
def rendering_report(request):
    """GET: the form for one asset × size; POST: open the case."""
    asset, preset = _asset_and_preset(request)
    form = RenderingReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = rendering.rendering_report_open(
                opener=request.user, asset=asset, preset_slug=preset.slug, **form.cleaned_data)
        except CaseNotFound:
            raise Http404("No such asset.")
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Thank you: case {case.reference} is open.")
            return redirect("cases:detail", case.reference)
    return render(request, "cases/rendering_report.html", {
        "form": form, "asset": asset, "preset": preset,
        "asset_url": selectors.asset_url(asset.pk)}, status=400 if form.errors else 200)


def _case(request, ref: str):
    case = selectors.case_for(request.user, ref)
    if case is None:
        raise Http404("No such case.")
    return case


def _fix(request, case, apply, success) -> HttpResponse:
    """Run one fix on `case` (`apply(case)`), say how it went, and go back to the case.
    `success`: the message, or a callable of the fix's result."""
    try:
        done = apply(case)
    except CaseNotFound:
        raise Http404("No such case.")
    except CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(done) if callable(success) else success)
    return redirect("cases:detail", case.reference)


def _note(request) -> str:
    return request.POST.get("note", "")[:500]


@require_POST
@staff_required
def rendering_focal_point(request, ref: str):
    case = _case(request, ref)
    form = FocalPointForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the focal point as four whole numbers: x, y, width, "
                                "height (pixels of the original).")
        return redirect("cases:detail", ref)
    data = form.cleaned_data
    return _fix(request, case, lambda case: rendering.rendering_fix_focal_point(
        case=case, actor=request.user, box=[data["x"], data["y"], data["w"], data["h"]],
        note=data["note"]), "Focal point moved; the case is resolved.")


@require_POST
@staff_required
def rendering_preset(request, ref: str):
    """Change the reported preset for everyone or only the case's community, and resolve."""
    case = _case(request, ref)
    form = PresetChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose who the change is for and what to change.")
        return redirect("cases:detail", ref)
    data = form.cleaned_data
    return _fix(request, case, lambda case: rendering_presets.rendering_fix_preset(
        case=case, actor=request.user, scope=data["scope"], crop=data["crop"],
        gravity=data["gravity"], quality=data["quality"].strip(), fmt=data["format"],
        note=data["note"]), "Preset changed; the case is resolved.")


@require_POST
@staff_required
def rendering_revert(request, ref: str):
    """Revert the case's community to the global preset (its override removed)."""
    return _fix(request, _case(request, ref),
                lambda case: rendering_presets.rendering_revert_override(
                    case=case, actor=request.user, note=_note(request)),
        lambda fix: f"{fix.community.name} gets the global preset again.")


@require_POST
@staff_required
def rendering_breakpoints(request, ref: str):
    """Responsive breakpoints for the asset's preview, and resolve."""
    return _fix(request, _case(request, ref),
                lambda case: rendering_presets.rendering_fix_breakpoints(
                    case=case, actor=request.user, note=_note(request)),
        "Responsive breakpoints set; the case is resolved.")


@staff_required
def rendering_fixes(request):
    """Fixes by kind with the average byte saving, as a chart."""
    rows = rendering_selectors.fixes_by_kind()
    return render(request, "cases/rendering_fixes.html", {
        "rows": rows, "chart": rendering_selectors.saving_chart(rows),
        "recent": rendering_selectors.recent_fixes()})

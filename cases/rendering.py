"""Rendering-quality cases: the partner's report and the fixes staff make from it (#15).

Reports are `quality` cases with a `RenderingReport`; fixes change Cloudinary through
`assets.rendering` (network first, outside any transaction), then record the
`RenderingFix`, resolve the case with the version the partner already has ("fixed by:
focal point moved") and tell the partners who downloaded an affected derivative, in one
transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.roles import is_brand_staff
from assets import rendering as asset_rendering
from assets.models import Asset, DownloadPreset
from assets.selectors import preset_applies
from cases.models import Case
from cases.rendering_models import DeviceClass, RenderingFix, RenderingProblem, RenderingReport
from cases.services import CaseError, CaseNotFound, case_open, case_resolve
from portal.validators import CONTROL_CHARACTERS

MAX_VIEWPORT = 20_000


def _preset(asset: Asset, slug: str) -> DownloadPreset:
    preset = (DownloadPreset.objects.filter(slug=slug, active=True)
              .prefetch_related("kinds").first())
    if preset is None or not preset_applies(preset, asset):
        raise CaseError("Choose one of the sizes offered for this asset.")
    return preset


def _viewport(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CaseError(f"The viewport {name} must be a whole number of pixels.")
    if not 1 <= number <= MAX_VIEWPORT:
        raise CaseError(f"The viewport {name} must be between 1 and {MAX_VIEWPORT} pixels.")
    return number


@transaction.atomic
def rendering_report_open(*, opener, asset: Asset | int, preset_slug: str, problem: str,
                          body: str, device_class: str = "", viewport_width=None,
                          viewport_height=None, page_url: str = "") -> Case:
    """Open a *Rendering quality* case about how `preset` rendered for the opener."""
    found = Asset.objects.visible_to(opener).filter(pk=getattr(asset, "pk", asset)).first()
    if found is None or found.approved_version is None:
        raise CaseNotFound("No such asset.")
    if problem not in RenderingProblem.values:
        raise CaseError("Choose what went wrong from the list.")
    if device_class and device_class not in DeviceClass.values:
        raise CaseError("Choose the device from the list.")
    if page_url and (len(page_url) > 1000 or not page_url.startswith(("http://", "https://"))
                     or CONTROL_CHARACTERS.search(page_url)):
        raise CaseError("The page address must be a full http(s) link.")
    preset = _preset(found, preset_slug)
    width, height = _viewport(viewport_width, "width"), _viewport(viewport_height, "height")
    label = RenderingProblem(problem).label
    case = case_open(opener=opener, asset=found, category=Case.Category.QUALITY,
                     subject=f"{label}: {preset.name} of {found}"[:200], body=body)
    spec = asset_rendering.preset_spec(preset, found)
    RenderingReport.objects.create(
        case=case, problem=problem, asset_version=found.approved_version, preset=preset,
        preset_slug=preset.slug, delivered_transformation=preset.transformation,
        delivered_format=spec["format"], device_class=device_class,
        viewport_width=width, viewport_height=height, page_url=page_url)
    return case


def _report(case: Case) -> RenderingReport:
    report = RenderingReport.objects.filter(case=case).select_related("preset").first()
    if report is None or case.asset_id is None:
        raise CaseError("This case is not a rendering report.")
    return report


def rendering_fix_focal_point(*, case: Case, actor, box, note: str = "") -> RenderingFix:
    """Move the asset's focal point, resolve the case and notify who is affected.

    Cloudinary first (the before facts, the change, the regenerated derivatives), then one
    transaction for the fix record, the resolution and the notices.
    """
    report, asset = fix_target(case, actor)
    preset = report.preset or _preset(asset, report.preset_slug)
    if not asset_rendering.follows_focal_point(preset.transformation):
        raise CaseError(f"{preset.name} does not crop ({preset.transformation}): moving the "
                        f"focal point would not change it. Change the preset instead.")
    try:
        before = asset_rendering.measure_preset(asset=asset, preset=preset)
        change = asset_rendering.asset_set_focal_point(
            asset=asset, box=box, actor=actor, reason=f"case {case.reference}")
    except asset_rendering.RenderingError as exc:
        raise CaseError(str(exc)) from exc
    return _record_fix(case, actor, asset, preset, before, change, note)


@transaction.atomic
def _record_fix(case, actor, asset, preset, before: dict, change, note: str) -> RenderingFix:
    after = change.after.get(preset.slug, {})
    fix = RenderingFix.objects.create(
        case=case, asset=asset, preset_slug=preset.slug, kind=RenderingFix.Kind.FOCAL_POINT,
        transformation=preset.transformation, before_coordinates=change.before_box,
        after_coordinates=change.after_box, before_bytes=before.get("bytes") or 0,
        before_width=before.get("width"), before_height=before.get("height"),
        before_format=before.get("format") or "", after_bytes=after.get("bytes") or 0,
        after_width=after.get("width"), after_height=after.get("height"),
        after_format=after.get("format") or "", regenerated_presets=change.presets,
        fixed_by=actor)
    text = (f"Fixed by: focal point moved. {preset.name} is now cropped around the product "
            f"({_size(before)} before, {_size(after)} after). Download it again for the "
            f"new crop; the version is unchanged.")
    case_resolve(case=case, actor=actor, resolution_kind=Case.ResolutionKind.VERSION,
                 version=asset.approved_version, note=f"{text}\n\n{note}".strip())
    _notify_downloaders(asset, fix, change.presets, exclude={case.opener_id})
    return fix


def fix_target(case: Case, actor) -> tuple[RenderingReport, Asset]:
    """What a fix works on: the open case's report and its asset (staff only; to anyone
    else the case does not exist)."""
    if not is_brand_staff(actor):
        raise CaseNotFound("No such case.")
    if not case.is_open:
        raise CaseError("Only an open case can be fixed.")
    return _report(case), Asset.objects.select_related("approved_version").get(pk=case.asset_id)


def _size(facts: dict) -> str:
    if not facts:
        return "unknown size"
    kilobytes = round((facts.get("bytes") or 0) / 1024)
    return f"{facts.get('width')} × {facts.get('height')}, {kilobytes} KB"


def _notify_downloaders(asset: Asset, fix: RenderingFix, presets: list[str],
                        exclude: set[int]) -> int:
    """A notice to every partner user who downloaded an affected derivative and may still
    see the asset (the opener hears through the case's resolution)."""
    from django.contrib.auth import get_user_model

    from audit.models import Event
    from notifications.models import Notice
    from notifications.services import notify

    user_ids = set(Event.objects.filter(action="asset.downloaded", asset_id=asset.pk,
                                        payload__preset__in=presets)
                   .exclude(actor_user_id=None).values_list("actor_user_id", flat=True))
    users = get_user_model().objects.filter(pk__in=user_ids - exclude, is_active=True)
    recipients = [u.pk for u in users
                  if Asset.objects.visible_to(u).filter(pk=asset.pk).exists()]
    return notify(recipients, kind=Notice.Kind.NEW_VERSION, key=f"rendering-fix:{fix.pk}",
                  title=f"{asset}: the {fix.preset_slug} size was re-cropped",
                  body="Support moved the focal point of this asset: the sizes you downloaded "
                       "are cropped around the product now. The version is unchanged.",
                  url=reverse("assets:detail", args=[asset.pk]))

"""The preset-change fix of a rendering case (#15): staff change the reported preset's crop
mode, gravity, quality or format, for everyone or only for the case's community.

Cloudinary first, through `assets.preset_changes` (named transformation, affected
derivatives invalidated and regenerated), then one transaction: the preset or the
community's override with its audit events (before/after), the `RenderingFix` with the
derivative's facts before/after, the case resolved on the version the partner has ("fixed
by: preset changed") and a notice to every partner who downloaded the affected derivative
(the opener hears through the resolution).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.roles import is_brand_staff
from assets import preset_changes
from assets.cloudinary import CloudinaryError
from assets.models import Asset
from assets.rendering import RenderingError
from cases.models import Case
from cases.rendering import _preset, _report, _size, fix_target
from cases.rendering_models import RenderingFix, RenderingReport
from cases.services import CaseError, CaseNotFound, case_resolve

SCOPES = ("everyone", "community")


def case_community(case: Case):
    """The community a case-scoped change applies to: the case's, else the opener's only
    current one; None when it cannot be told."""
    from communities.models import Community, Membership

    if case.community_id:
        return Community.objects.get(pk=case.community_id)
    current = list(Membership.objects.current().filter(user_id=case.opener_id)
                   .values_list("community_id", flat=True).distinct()[:2])
    return Community.objects.get(pk=current[0]) if len(current) == 1 else None


def rendering_fix_preset(*, case: Case, actor, scope: str, crop: str = "", gravity: str = "",
                         quality: str = "", fmt: str = "", note: str = "") -> RenderingFix:
    """Change the reported preset (for everyone or the case's community only), resolve the
    case and notify who downloaded the affected derivative."""
    if not is_brand_staff(actor):
        raise CaseNotFound("No such case.")
    if not case.is_open:
        raise CaseError("Only an open case can be fixed.")
    if scope not in SCOPES:
        raise CaseError("Choose whether the change is for everyone or only this community.")
    report = _report(case)
    asset = Asset.objects.select_related("approved_version").get(pk=case.asset_id)
    preset = report.preset or _preset(asset, report.preset_slug)
    community = case_community(case) if scope == "community" else None
    if scope == "community" and community is None:
        raise CaseError("This case names no single community: change the preset for everyone, "
                        "or open the case from the partner's community.")
    try:
        change = preset_changes.preset_change(
            preset=preset, asset=asset, actor=actor, community=community, crop=crop,
            gravity=gravity, quality=quality, fmt=fmt, reason=f"case {case.reference}",
            save=False)
    except RenderingError as exc:
        raise CaseError(str(exc)) from exc
    except CloudinaryError as exc:  # refused or unreachable: nothing was recorded here
        raise CaseError(f"Cloudinary did not take the change: {exc}") from exc
    return _record(case, actor, asset, preset, community, change, note)


def _fix_record(case, actor, asset, preset, community, change, kind) -> RenderingFix:
    """The fix with its measured derivative before and after (a preset change or revert)."""
    before, after = change.before, change.after
    return RenderingFix.objects.create(
        case=case, asset=asset, preset_slug=preset.slug, kind=kind,
        transformation=change.before_transformation,
        after_transformation=change.after_transformation, community=community,
        before_bytes=before.get("bytes") or 0, before_width=before.get("width"),
        before_height=before.get("height"), before_format=before.get("format") or "",
        after_bytes=after.get("bytes") or 0, after_width=after.get("width"),
        after_height=after.get("height"), after_format=after.get("format") or "",
        regenerated_presets=[preset.slug], fixed_by=actor)


@transaction.atomic
def _record(case, actor, asset, preset, community, change, note: str) -> RenderingFix:
    preset_changes.preset_change_save(preset=preset, asset=asset, community=community,
                                      actor=actor, change=change,
                                      reason=f"case {case.reference}")
    before, after = change.before, change.after
    fix = _fix_record(case, actor, asset, preset, community, change,
                      RenderingFix.Kind.PRESET_CHANGED)
    who = f"for {community.name} only" if community else "for everyone"
    text = (f"Fixed by: preset changed. {preset.name} now renders as "
            f"{change.after_transformation} {who} ({_size(before)} {before.get('format', '')} "
            f"before, {_size(after)} {after.get('format', '')} after). Download it again; "
            f"the version is unchanged.")
    case_resolve(case=case, actor=actor, resolution_kind=Case.ResolutionKind.VERSION,
                 version=asset.approved_version, note=f"{text}\n\n{note}".strip())
    _notify(asset, preset, fix, community, exclude={case.opener_id})
    return fix


def _notify(asset: Asset, preset, fix: RenderingFix, community, exclude: set[int]) -> int:
    """A notice to each partner user who downloaded this preset of the asset, may still see
    it, and whose derivative changed (a community's members for a community change; everyone
    without an override of their own for a change for everyone)."""
    from django.contrib.auth import get_user_model

    from audit.models import Event
    from communities.selectors import preset_override_for
    from notifications.models import Notice
    from notifications.services import notify

    user_ids = set(Event.objects.filter(action="asset.downloaded", asset_id=asset.pk,
                                        payload__preset=preset.slug)
                   .exclude(actor_user_id=None).values_list("actor_user_id", flat=True))
    recipients = []
    for user in get_user_model().objects.filter(pk__in=user_ids - exclude, is_active=True):
        override = preset_override_for(user, preset)
        affected = (override is not None and override.community_id == community.pk
                    if community else override is None)
        if affected and Asset.objects.visible_to(user).filter(pk=asset.pk).exists():
            recipients.append(user.pk)
    return notify(recipients, kind=Notice.Kind.NEW_VERSION, key=f"rendering-fix:{fix.pk}",
                  title=f"{asset}: the {preset.name} size was improved",
                  body=f"Support changed how {preset.name} renders "
                       f"({fix.after_transformation}); download it again for the improved "
                       "file. The version is unchanged.",
                  url=reverse("assets:detail", args=[asset.pk]))


def case_override(case: Case):
    """The override a revert from this case would remove: the case community's own
    definition of the reported preset, or None."""
    from communities.models import PresetOverride

    report = RenderingReport.objects.filter(case=case).first()
    community = case_community(case) if report is not None and report.preset_id else None
    if community is None:
        return None
    return (PresetOverride.objects.filter(preset_id=report.preset_id, community=community)
            .select_related("community", "preset").first())


def rendering_revert_override(*, case: Case, actor, note: str = "") -> RenderingFix:
    """Put the case's community back on the preset everyone gets ("Revert to the global
    preset for <community>"): Cloudinary first (`preset_changes.override_revert`: the
    override's derivatives deleted and invalidated, its named transformation deleted), then
    one transaction: the override row and the audit events (before/after), a `RenderingFix`
    with the case asset's derivative before/after, the case resolved when still open, and a
    notice to every partner who downloaded the preset through the override."""
    if not is_brand_staff(actor):
        raise CaseNotFound("No such case.")
    report = _report(case)
    asset = Asset.objects.select_related("approved_version").get(pk=case.asset_id)
    override = case_override(case)
    if override is None:
        raise CaseError("This case's community gets the global preset already.")
    preset, community = override.preset, override.community
    try:
        revert = preset_changes.override_revert(
            preset=preset, community=community, actor=actor, asset=asset,
            reason=f"case {case.reference}", save=False)
    except RenderingError as exc:
        raise CaseError(str(exc)) from exc
    except CloudinaryError as exc:  # refused or unreachable: nothing was recorded here
        raise CaseError(f"Cloudinary did not take the change: {exc}") from exc
    return _record_revert(case, actor, asset, preset, community, revert, report, note)


@transaction.atomic
def _record_revert(case, actor, asset, preset, community, revert, report,
                   note: str) -> RenderingFix:
    event = preset_changes.override_revert_save(
        preset=preset, asset=asset, community=community, actor=actor, revert=revert,
        reason=f"case {case.reference}")
    before, after = revert.before, revert.after
    fix = _fix_record(case, actor, asset, preset, community, revert,
                      RenderingFix.Kind.OVERRIDE_REMOVED)
    exclude = set()
    case = Case.objects.select_for_update().get(pk=case.pk)  # resolved since it was read?
    if case.is_open:
        text = (f"Fixed by: community override removed. {community.name} gets the global "
                f"{preset.name} again ({revert.after_transformation}; "
                f"{_size(before)} {before.get('format', '')} before, {_size(after)} "
                f"{after.get('format', '')} after). Download it again; the version is "
                "unchanged.")
        case_resolve(case=case, actor=actor, resolution_kind=Case.ResolutionKind.VERSION,
                     version=asset.approved_version, note=f"{text}\n\n{note}".strip())
        exclude = {case.opener_id}
    preset_changes.override_revert_notify(preset=preset, community=community,
                                          key=f"rendering-revert:{event.pk}", exclude=exclude)
    return fix


def rendering_fix_breakpoints(*, case: Case, actor, note: str = "") -> RenderingFix:
    """The fix for "poor mobile rendering": responsive breakpoints for the asset's preview
    (`assets.breakpoints`). Measured for the reporter's viewport (390 px when not given):
    the fixed preview width their browser picked before, the breakpoint it picks after."""
    from assets import breakpoints

    report, asset = fix_target(case, actor)
    viewport = report.viewport_width or 390
    try:
        points = breakpoints.request_breakpoints(asset=asset)
        before = breakpoints.measure_preview(
            asset=asset, width=breakpoints.fixed_preview_width(viewport))
    except RenderingError as exc:
        raise CaseError(str(exc)) from exc
    except CloudinaryError as exc:
        raise CaseError(f"Cloudinary did not take the change: {exc}") from exc
    after = breakpoints.picked(points, viewport)
    return _record_breakpoints(case, actor, asset, report, points, before, after, note)


@transaction.atomic
def _record_breakpoints(case, actor, asset, report, points, before, after,
                        note: str) -> RenderingFix:
    from assets import breakpoints

    breakpoints.breakpoints_save(asset=asset, actor=actor, points=points, before=before,
                                 after=after, reason=f"case {case.reference}")
    widths = [p["width"] for p in points]
    fix = RenderingFix.objects.create(
        case=case, asset=asset, preset_slug=report.preset_slug,
        kind=RenderingFix.Kind.BREAKPOINTS,
        transformation=f"c_limit,f_auto,q_auto,w_{before.get('width') or ''}".rstrip("_"),
        after_transformation=f"{breakpoints.BASE}/c_scale,w_{after['width']}",
        before_bytes=before.get("bytes") or 0, before_width=before.get("width"),
        before_height=before.get("height"), before_format=before.get("format") or "",
        after_bytes=after.get("bytes") or 0, after_width=after.get("width"),
        after_height=after.get("height"), after_format=before.get("format") or "",
        regenerated_presets=[], fixed_by=actor)
    text = (f"Fixed by: responsive breakpoints. The preview now comes in "
            f"{len(widths)} widths ({', '.join(map(str, sorted(widths)))} px): a "
            f"{report.viewport_width or 390} px screen loads {_size(after)} instead of "
            f"{_size(before)}. The version is unchanged.")
    case_resolve(case=case, actor=actor, resolution_kind=Case.ResolutionKind.VERSION,
                 version=asset.approved_version, note=f"{text}\n\n{note}".strip())
    return fix

"""The rendering-quality panel of a case page and the asset page's report links (#15)."""

from django import template

from assets import rendering as asset_rendering
from assets.cloudinary.delivery import derivative_url, master_original_url, preview_url
from cases.rendering_models import RenderingFix, RenderingReport

register = template.Library()


def before_transformation(fix: RenderingFix) -> str:
    """The preset as it rendered before a focal-point fix: ``g_auto`` ignoring the custom
    coordinates (``g_auto:custom_no_override``) when there were none before."""
    if fix.kind == RenderingFix.Kind.FOCAL_POINT and not fix.before_coordinates:
        return fix.transformation.replace("g_auto", "g_auto:custom_no_override")
    return fix.transformation


def _fix_view(fix: RenderingFix, asset, fmt: str) -> dict:
    after = fix.after_transformation or fix.transformation
    return {"fix": fix, "after_url": derivative_url(asset, after, fmt),
            "before_url": derivative_url(asset, before_transformation(fix), fmt),
            "preset_changed": fix.kind in (RenderingFix.Kind.PRESET_CHANGED,
                                           RenderingFix.Kind.OVERRIDE_REMOVED),
            "override_removed": fix.kind == RenderingFix.Kind.OVERRIDE_REMOVED,
            "saving_percent": round(100 * fix.byte_saving / fix.before_bytes)
            if fix.before_bytes else None}


@register.inclusion_tag("cases/_rendering_panel.html", takes_context=True)
def rendering_panel(context, case):
    """Report facts for everyone; diagnosis and the focal-point form for staff."""
    report = (RenderingReport.objects.filter(case=case)
              .select_related("preset", "asset_version").first())
    if report is None or case.asset is None:
        return {"report": None}
    asset = case.asset
    staff = bool(context.get("staff"))
    fixes = [_fix_view(fix, asset, report.delivered_format)
             for fix in RenderingFix.objects.filter(case=case).select_related("community")
             .order_by("created_at")]
    panel = {"report": report, "case": case, "staff": staff, "fixes": fixes,
             "csrf_token": context.get("csrf_token"), "request": context.get("request"),
             "delivered_url": derivative_url(asset, report.delivered_transformation,
                                             report.delivered_format)}
    if staff and report.preset is not None:
        from cases.rendering_presets import case_override

        panel["override"] = case_override(case)
    if staff and case.is_open and report.preset is not None:
        panel.update(_staff_panel(asset, report))
        panel.update(_preset_panel(case, report))
    return panel


def _preset_panel(case, report) -> dict:
    """What the preset-change form offers: the preset's current steps and who it can be
    changed for (the case's community, when it has one)."""
    from assets import preset_changes
    from cases.rendering_presets import case_community

    current = report.preset.transformation
    params = dict(p.split("_", 1) for step in current.split("/") for p in step.split(",")
                  if "_" in p)
    return {"preset_community": case_community(case), "preset_current": current,
            "preset_params": {"crop": params.get("c", ""), "gravity": params.get("g", ""),
                              "quality": params.get("q", ""), "format": params.get("f", "")},
            "preset_choices": {"crop": preset_changes.CROPS,
                               "gravity": preset_changes.GRAVITIES,
                               "quality": preset_changes.QUALITIES,
                               "format": preset_changes.FORMATS}}


def _staff_panel(asset, report) -> dict:
    diagnosis = asset_rendering.diagnose(asset=asset, preset=report.preset)
    version = asset.approved_version
    comparisons = [
        (name, label, diagnosis.specs[name], diagnosis.facts.get(name))
        for name, label in (("delivered", "What the partner got"),
                            ("auto_format_quality", "Same preset with f_auto,q_auto"),
                            ("auto_gravity", "Same preset with g_auto"))]
    return {
        "diagnosis": diagnosis,
        "comparisons": [
            {"name": name, "label": label, "spec": spec, "facts": facts,
             "url": derivative_url(asset, spec["raw_transformation"].replace(
                 "/q_auto", ",f_auto,q_auto") if name == "auto_format_quality"
                 else spec["raw_transformation"],
                 None if name == "auto_format_quality" else spec["format"])}
            for name, label, spec, facts in comparisons],
        "source_url": preview_url(asset, 960),
        "source_full_url": master_original_url(asset),
        "source_width": version.width if version else asset.width,
        "source_height": version.height if version else asset.height,
        "follows_focal_point": asset_rendering.follows_focal_point(
            report.delivered_transformation),
        "focal_box": diagnosis.analysis.get("custom_coordinates"),
    }


@register.filter
def kilobytes(value) -> str:
    """12345 -> "12.1 KB"."""
    try:
        return f"{int(value) / 1024:.1f} KB"
    except (TypeError, ValueError):
        return "—"

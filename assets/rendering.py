"""How presets render in Cloudinary, and the fixes that change it (issue #15).

Cases ask these services; they are the only code that changes an asset's rendering. A
fix writes no new asset version: partners keep the version they had, and the change is
the audit event `asset.rendering_updated` on the asset and its presets.

Network calls happen before the transaction that audits them; repeating a call with the
same focal point is harmless (Cloudinary stores the same coordinates again and regenerates
the same derivatives), so a retried fix is idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from assets.cloudinary import rendering as cld
from assets.cloudinary.delivery import DELIVERY_TYPE
from assets.models import Asset, DownloadPreset

# Crop modes whose result depends on where the focal point is (Cloudinary: gravity applies to
# fill, lfill, fill_pad, thumb, crop and auto).
FOCAL_CROPS = ("fill", "lfill", "fill_pad", "thumb", "crop", "auto")
_CROP = re.compile(r"(?:^|[,/])c_([a-z_]+)")
_GRAVITY = re.compile(r"(?:^|[,/])g_([a-z_:]+)")


class RenderingError(ValueError):
    """A rendering change the portal refuses (bad focal point, nothing to change)."""


def follows_focal_point(transformation: str) -> bool:
    """Whether a derivative moves with the custom coordinates: a cropping mode with
    ``g_custom`` or ``g_auto`` (which takes custom coordinates as-is, except
    ``g_auto:custom_no_override`` and ``g_auto:none``)."""
    crops = set(_CROP.findall(transformation or ""))
    gravities = _GRAVITY.findall(transformation or "")
    focal = any(g == "custom" or (g.startswith("auto") and g not in (
        "auto:custom_no_override", "auto:none")) for g in gravities)
    return focal and bool(crops & set(FOCAL_CROPS))


def preset_spec(preset: DownloadPreset, asset: Asset) -> dict:
    """The eager spec of what a partner downloads with `preset`."""
    version = asset.approved_version
    fmt = preset.format or (version.format if version else asset.format) or ""
    return {"raw_transformation": preset.transformation, "format": fmt}


def comparison_specs(preset: DownloadPreset, asset: Asset) -> dict[str, dict]:
    """The partner's derivative and the two comparisons staff see beside it.

    ``f_auto`` cannot be pre-generated (it depends on each browser's Accept header), so the
    auto-format comparison is measured as WebP, what f_auto delivers to current browsers.
    """
    delivered = preset_spec(preset, asset)
    base = preset.transformation
    return {
        "delivered": delivered,
        "auto_format_quality": {"raw_transformation": f"{base}/q_auto", "format": "webp"},
        "auto_gravity": {"raw_transformation": with_auto_gravity(base),
                         "format": delivered["format"]},
    }


def with_auto_gravity(transformation: str) -> str:
    """The same transformation cropped with ``g_auto`` (unchanged when it does not crop)."""
    if not set(_CROP.findall(transformation)) & set(FOCAL_CROPS):
        return transformation
    if _GRAVITY.search(transformation):
        return re.sub(r"g_[a-z_:]+", "g_auto", transformation)
    steps = transformation.split("/")
    index = next(i for i, step in enumerate(steps) if _CROP.search(step))
    steps[index] += ",g_auto"
    return "/".join(steps)


@dataclass
class Diagnosis:
    """What staff see of one asset × preset, read from Cloudinary."""

    facts: dict[str, dict] = field(default_factory=dict)
    analysis: dict = field(default_factory=dict)
    specs: dict[str, dict] = field(default_factory=dict)
    error: str = ""


def diagnose(*, asset: Asset, preset: DownloadPreset) -> Diagnosis:
    """Facts of the partner's derivative and of the comparisons (one `explicit` with eager)
    plus quality analysis and the focal point (one Admin API `resource`)."""
    from assets.cloudinary import CloudinaryError

    specs = comparison_specs(preset, asset)
    if not asset.release_public_id or asset.resource_type != "image":
        return Diagnosis(specs=specs, error="Only released images can be diagnosed.")
    try:
        measured = cld.generate_derivatives(public_id=asset.release_public_id,
                                            delivery_type=DELIVERY_TYPE,
                                            specs=list(specs.values()))
        analysis = cld.analysis(public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE)
    except CloudinaryError as exc:
        return Diagnosis(specs=specs, error=f"Cloudinary did not answer: {exc}")
    facts = {name: fact.as_dict() for name, fact in zip(specs, measured, strict=False)}
    return Diagnosis(facts=facts, analysis=analysis, specs=specs)


def measure_preset(*, asset: Asset, preset: DownloadPreset) -> dict:
    """The real facts of the derivative a partner gets with `preset` (explicit + eager)."""
    facts = cld.generate_derivatives(public_id=asset.release_public_id,
                                     delivery_type=DELIVERY_TYPE,
                                     specs=[preset_spec(preset, asset)])
    return facts[0].as_dict() if facts else {}


@dataclass(frozen=True)
class FocalPointChange:
    """What moving the focal point did: before/after facts of each regenerated preset."""

    before_box: list[int] | None
    after_box: list[int]
    presets: list[str]
    after: dict[str, dict]


def validate_box(box, width: int | None, height: int | None) -> list[int]:
    """``[x, y, w, h]`` as integers inside the image, or RenderingError."""
    try:
        x, y, w, h = (int(round(float(n))) for n in box)
    except (TypeError, ValueError):
        raise RenderingError("Give the focal point as four numbers: x, y, width, height.")
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise RenderingError("The focal point needs a positive size inside the image.")
    if width and height and (x + w > width or y + h > height):
        raise RenderingError(f"The focal point must lie inside the image ({width} × {height}).")
    return [x, y, w, h]


def affected_presets(asset: Asset) -> list[DownloadPreset]:
    """The active image presets whose derivatives follow the focal point."""
    from assets.selectors import preset_applies

    presets = DownloadPreset.objects.filter(active=True).prefetch_related("kinds")
    return [p for p in presets if p.transformation and follows_focal_point(p.transformation)
            and preset_applies(p, asset)]


def asset_set_focal_point(*, asset: Asset, box, actor, reason: str = "") -> FocalPointChange:
    """Move an asset's focal point in Cloudinary, regenerate and invalidate what follows it.

    The master gets the coordinates (Admin API `update`), and the partners' delivery copy
    gets them through `explicit` with `eager` (every affected preset, regenerated now) and
    `invalidate=True` (cached copies purged). Audited as `asset.rendering_updated`.
    """
    version = asset.approved_version
    box = validate_box(box, version.width if version else asset.width,
                       version.height if version else asset.height)
    if not asset.release_public_id:
        raise RenderingError("This asset has no released version to change.")
    presets = affected_presets(asset)
    if not presets:
        raise RenderingError("No preset of this asset crops around a focal point.")
    before = cld.analysis(public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE)
    cld.set_master_coordinates(public_id=asset.public_id, delivery_type=asset.delivery_type,
                               box=box)
    measured = cld.generate_derivatives(
        public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE,
        specs=[preset_spec(p, asset) for p in presets], custom_coordinates=box,
        invalidate=True)
    change = FocalPointChange(
        before_box=before.get("custom_coordinates"), after_box=box,
        presets=[p.slug for p in presets],
        after={p.slug: fact.as_dict() for p, fact in zip(presets, measured, strict=False)})
    _audit_change(asset, actor, change, reason)
    return change


@transaction.atomic
def _audit_change(asset: Asset, actor, change: FocalPointChange, reason: str) -> None:
    from audit import record

    record("asset.rendering_updated", actor=actor, target=asset,
           asset_version=asset.approved_version.version if asset.approved_version else None,
           payload={"change": "focal_point", "reason": reason,
                    "before": {"custom_coordinates": change.before_box},
                    "after": {"custom_coordinates": change.after_box},
                    "presets": change.presets, "derivatives": change.after,
                    "regenerated": True, "invalidated": True})

"""Responsive breakpoints for an asset's preview (issue #15, the fix for "poor mobile
rendering").

Staff ask Cloudinary for breakpoints of the delivery copy (Upload API `explicit` with
``responsive_breakpoints``, `create_derived`: the derived images are made at once), and the
widths it answers are kept on the approved version. The asset page's preview then offers
them as its ``srcset`` (`delivery.preview_srcset`), so a 390 px phone loads a file close to
its width times its pixel ratio instead of the smallest fixed preview (640 px). No new
version; audited as `asset.rendering_updated` with before/after.
"""

from __future__ import annotations

import cloudinary.uploader
from django.db import transaction

from assets.cloudinary import rendering as cld
from assets.cloudinary.client import call
from assets.cloudinary.delivery import DELIVERY_TYPE, PREVIEW_WIDTHS
from assets.models import Asset, AssetVersion
from assets.rendering import RenderingError

# the preview's own steps, widest first; Cloudinary scales each breakpoint from it
BASE = "c_limit,f_auto,q_auto,w_1920"
SETTINGS = {"create_derived": True, "bytes_step": 300, "min_width": 240,
            "max_width": 1920, "max_images": 10,
            "transformation": {"raw_transformation": BASE}}  # the SDK wants a dict


def request_breakpoints(*, asset: Asset) -> list[dict]:
    """Ask Cloudinary for the copy's breakpoints: ``[{width, height, bytes}]``, widest
    first (one Upload API call)."""
    if not asset.release_public_id or asset.resource_type != "image":
        raise RenderingError("Only a released image gets responsive breakpoints.")
    answer = dict(call(cloudinary.uploader.explicit, asset.release_public_id,
                       type=DELIVERY_TYPE, resource_type="image",
                       responsive_breakpoints=[dict(SETTINGS)]))
    [entry] = answer.get("responsive_breakpoints") or [{}]
    points = [{"width": p["width"], "height": p.get("height"), "bytes": p.get("bytes")}
              for p in entry.get("breakpoints") or [] if p.get("width")]
    if not points:
        raise RenderingError("Cloudinary answered no breakpoints for this image.")
    return sorted(points, key=lambda p: -p["width"])


def picked(points: list[dict], css_width: int, ratio: float = 1.0) -> dict:
    """The breakpoint a browser picks for an image `css_width` CSS px wide (the narrowest
    at least that many device pixels, else the widest)."""
    need = css_width * ratio
    fitting = [p for p in points if p["width"] >= need]
    return min(fitting, key=lambda p: p["width"]) if fitting else max(
        points, key=lambda p: p["width"])


def fixed_preview_width(css_width: int, ratio: float = 1.0) -> int:
    """The fixed preview width the same browser picks without breakpoints."""
    need = css_width * ratio
    return next((w for w in sorted(PREVIEW_WIDTHS) if w >= need), max(PREVIEW_WIDTHS))


def measure_preview(*, asset: Asset, width: int) -> dict:
    """The fixed preview of `width` as Cloudinary renders it (bytes, size, format)."""
    version = asset.approved_version
    [facts] = cld.generate_derivatives(
        public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE,
        specs=[{"raw_transformation": f"c_limit,f_auto,q_auto,w_{width}",
                "format": ((version.format if version else asset.format) or "").lower()}]
    ) or [None]
    return facts.as_dict() if facts else {}


@transaction.atomic
def breakpoints_save(*, asset: Asset, actor, points: list[dict], before: dict, after: dict,
                     reason: str = "") -> None:
    """Keep the widths on the approved version; audit with before/after."""
    from audit import record

    version = AssetVersion.objects.select_for_update().get(pk=asset.approved_version_id)
    previous = version.breakpoints or {}
    version.breakpoints = {"transformation": BASE, "widths": [p["width"] for p in points]}
    version.save(update_fields=["breakpoints"])
    asset.approved_version.breakpoints = version.breakpoints
    record("asset.rendering_updated", actor=actor, target=asset, asset_version=version.version,
           payload={"change": "breakpoints", "reason": reason,
                    "before": {"srcset_widths": previous.get("widths")
                               or list(PREVIEW_WIDTHS), "derivative": before},
                    "after": {"srcset_widths": version.breakpoints["widths"],
                              "transformation": BASE, "derivative": after,
                              "breakpoints": points}})

"""Rendering calls (issue #15): derivative facts, quality analysis, colours, focal points.

Everything goes through `client.call` (retries, rate-limit pacing, the portal's errors).
Facts of a derivative come from the Upload API's `explicit` with `eager` (not rate-limited):
Cloudinary answers each eager derivative's real `bytes`, `width`, `height` and `format`, so
the portal never downloads media to measure it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cloudinary.api
import cloudinary.uploader

from assets.cloudinary.client import call


@dataclass(frozen=True)
class DerivativeFacts:
    """A derivative as Cloudinary generated it."""

    transformation: str
    format: str
    bytes: int
    width: int | None
    height: int | None

    def as_dict(self) -> dict:
        return {"transformation": self.transformation, "format": self.format,
                "bytes": self.bytes, "width": self.width, "height": self.height}


def _facts(entry: dict, spec: dict) -> DerivativeFacts:
    return DerivativeFacts(
        transformation=spec["raw_transformation"],
        format=str(entry.get("format") or spec.get("format") or ""),
        bytes=int(entry.get("bytes") or 0),
        width=entry.get("width"), height=entry.get("height"))


def generate_derivatives(*, public_id: str, delivery_type: str, specs: list[dict],
                         custom_coordinates: list[int] | None = None,
                         invalidate: bool = False) -> list[DerivativeFacts]:
    """`explicit` with `eager=specs` (each `{"raw_transformation", "format"}`); with
    `custom_coordinates` the focal point is set first and `invalidate` purges cached copies."""
    options = {"type": delivery_type, "resource_type": "image",
               "eager": [dict(spec) for spec in specs]}
    if custom_coordinates is not None:
        options["custom_coordinates"] = custom_coordinates
    if invalidate:
        options["invalidate"] = True
    answer = dict(call(cloudinary.uploader.explicit, public_id, **options))
    eager = list(answer.get("eager") or [])
    return [_facts(entry, spec) for entry, spec in zip(eager, specs, strict=False)]


def analysis(*, public_id: str, delivery_type: str) -> dict:
    """Quality analysis and custom coordinates of an image (Admin API, one call)."""
    answer = dict(call(cloudinary.api.resource, public_id, type=delivery_type,
                       resource_type="image", quality_analysis=True, coordinates=True))
    return {"quality_analysis": answer.get("quality_analysis") or {},
            "quality_score": answer.get("quality_score"),
            "custom_coordinates": ((answer.get("coordinates") or {}).get("custom") or [None])[0],
            "width": answer.get("width"), "height": answer.get("height")}


def colours(*, public_id: str, delivery_type: str = "authenticated") -> dict:
    """Cloudinary's colour analysis of an image: `explicit` with `colors=true` (the Upload
    API, not rate-limited) answers `colors` ([["#RRGGBB", percent], ...]) and
    `predominant` ({"google": [[name, percent], ...], ...})."""
    answer = dict(call(cloudinary.uploader.explicit, public_id, type=delivery_type,
                       resource_type="image", colors=True))
    return {"colors": list(answer.get("colors") or []),
            "predominant": dict(answer.get("predominant") or {})}


def set_master_coordinates(*, public_id: str, delivery_type: str, box: list[int]) -> None:
    """The brand's master carries the focal point too (Admin API `update`)."""
    call(cloudinary.api.update, public_id, type=delivery_type, resource_type="image",
         custom_coordinates=box)

"""Responsive breakpoints on ``upload`` and ``explicit`` (issue #15), as Cloudinary documents
them and the SDK sends them.

The SDK (``utils.generate_responsive_breakpoints_string``) sends ``responsive_breakpoints`` as
a JSON list of settings, each ``{create_derived (required), bytes_step (default 20000),
min_width (50), max_width (1000), max_images (20, 3 to 200), transformation (a string: the
base transformation applied first), format (the derived files' extension)}``. The answer
gets ``responsive_breakpoints: [{breakpoints: [{width, height, bytes, url, secure_url}, ...],
transformation}]``, one entry per setting, widest first. A ``max_width`` wider than the
(base-transformed) image is that image's width.

How the widths are found (deterministic, by real rendering): start at the widest, then the
widest narrower image at least ``bytes_step`` bytes smaller, and so on down to ``min_width``
(always included); more than ``max_images`` are thinned evenly, keeping both ends. Each
breakpoint is the derived image ``<base>/c_scale,w_<width>``; with ``create_derived`` it is
kept (listed in ``derived``, and the CDN serves it from its cache), else thrown away.
"""

from __future__ import annotations

import json

from . import rendering, transform
from .errors import bad_request
from .media import inspect
from .shapes import delivery_url
from .store import new_asset_id

DEFAULTS = {"bytes_step": 20000, "min_width": 50, "max_width": 1000, "max_images": 20}


def parse_settings(value) -> list[dict]:
    """The ``responsive_breakpoints`` parameter (JSON list or object) -> validated settings."""
    try:
        raw = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise bad_request("Invalid responsive_breakpoints - not valid JSON") from None
    items = raw if isinstance(raw, list) else [raw]
    settings = []
    for item in items:
        if not isinstance(item, dict) or "create_derived" not in item:
            raise bad_request("Invalid responsive_breakpoints - create_derived is required")
        setting = {"create_derived": bool(item["create_derived"]),
                   "transformation": str(item.get("transformation") or ""),
                   "format": str(item.get("format") or "").lower()}
        for key, default in DEFAULTS.items():
            try:
                setting[key] = int(item.get(key, default))
            except (TypeError, ValueError):
                raise bad_request(f"Invalid responsive_breakpoints - {key} must be a number"
                                  ) from None
            if setting[key] <= 0:
                raise bad_request(f"Invalid responsive_breakpoints - {key} must be positive")
        if not 3 <= setting["max_images"] <= 200:
            raise bad_request("Invalid responsive_breakpoints - max_images must be between "
                              "3 and 200")
        if setting["min_width"] > setting["max_width"]:
            raise bad_request("Invalid responsive_breakpoints - min_width is greater than "
                              "max_width")
        settings.append(setting)
    return settings


def check(emu, settings: list[dict]) -> None:
    """A bad base transformation is a 400 before anything is rendered."""
    for setting in settings:
        try:
            transform.parse(setting["transformation"], emu.store.named_transformation)
        except transform.TransformationError as exc:
            raise bad_request(str(exc)) from None


def _step(base: str, width: int) -> str:
    return f"{base}/c_scale,w_{width}" if base else f"c_scale,w_{width}"


class _Renderer:
    """Renders (and remembers) one resource's base-transformed image at any width."""

    def __init__(self, emu, res, setting: dict):
        self.emu, self.res, self.base = emu, res, setting["transformation"]
        self.format = setting["format"] or (res.format or "")
        self.seen: dict[int, tuple[bytes, str, int, int]] = {}

    def base_width(self) -> int:
        body, fmt = self.emu.delivery().render(self.res, self.base, self.format)
        return inspect(body, "image", f"x.{fmt}").width or 1

    def at(self, width: int) -> tuple[bytes, str, int, int]:
        if width not in self.seen:
            body, fmt = self.emu.delivery().render(self.res, _step(self.base, width),
                                                   self.format)
            info = inspect(body, "image", f"x.{fmt}")
            self.seen[width] = (body, fmt, info.width, info.height)
        return self.seen[width]

    def size(self, width: int) -> int:
        return len(self.at(width)[0])


def widths(renderer: _Renderer, setting: dict) -> list[int]:
    """The breakpoint widths, widest first (see the module's docstring)."""
    top = min(setting["max_width"], renderer.base_width())
    bottom = min(setting["min_width"], top)
    found = [top]
    while found[-1] > bottom:
        wanted = renderer.size(found[-1]) - setting["bytes_step"]
        if renderer.size(bottom) > wanted:
            break
        low, high = bottom, found[-1] - 1  # widest width whose file is small enough
        while low < high:
            middle = (low + high + 1) // 2
            if renderer.size(middle) <= wanted:
                low = middle
            else:
                high = middle - 1
        found.append(low)
    if found[-1] != bottom:
        found.append(bottom)
    return _thin(found, setting["max_images"])


def _thin(found: list[int], limit: int) -> list[int]:
    if len(found) <= limit:
        return found
    picks = sorted({round(i * (len(found) - 1) / (limit - 1)) for i in range(limit)})
    return [found[i] for i in picks]


def generate(emu, res, settings: list[dict]) -> tuple[list[dict], list[dict]]:
    """``(answer entries, derived entries to keep)`` for an image resource."""
    if res.resource_type != "image":
        raise bad_request("Responsive breakpoints are available for images only")
    answer, keep = [], []
    for setting in settings:
        renderer = _Renderer(emu, res, setting)
        points = []
        for width in widths(renderer, setting):
            body, fmt, real_w, real_h = renderer.at(width)
            transformation = _step(setting["transformation"], width)
            url = delivery_url(emu.url, emu.cloud, res).replace(
                f"/{res.type}/", f"/{res.type}/{transformation}/", 1)
            if res.format and fmt != res.format:
                url = url[: -len(res.format)] + fmt
            points.append({"width": real_w, "height": real_h, "bytes": len(body),
                           "url": url, "secure_url": url})
            if setting["create_derived"]:
                rendering.remember_derivative(emu, res, transformation, fmt, body, real_w,
                                              real_h)
                keep.append({"transformation": transformation, "format": fmt,
                             "bytes": len(body), "width": real_w, "height": real_h,
                             "url": url, "secure_url": url,
                             "id": new_asset_id(f"{res.asset_id}{transformation}{res.version}")})
        answer.append({"breakpoints": points, "transformation": setting["transformation"]})
    return answer, keep

"""Cloudinary image transformations, rendered with Pillow.

Pure functions, no I/O: `parse` turns a transformation string as it appears in a delivery URL
(``w_640,h_480,c_fill/f_webp``) into a list of components, `output_format` picks the format to
deliver, and `render` applies the components to the original bytes.

What is rendered: ``w_ h_`` (pixels, or relative when written with a dot: ``w_0.5``), ``ar_``
(``16:9`` or ``1.5``), ``dpr_`` (multiplies the size), ``c_`` (scale, fit, limit, mfit, fill,
lfill, fill_pad, pad, lpad, mpad, crop, thumb), ``g_`` (compass directions, ``custom``,
``auto``; ``face`` and ``faces`` fall back to the centre: the emulator has no face
detection), ``b_`` (pad background: a colour name, ``rgb:RRGGBB[AA]`` or ``transparent``),
``x_ y_`` (crop offsets), ``pg_`` (page or frame), ``f_`` (``auto`` follows the Accept
header) and ``q_`` (``auto`` 80, ``auto:best`` 90, ``:good`` 80, ``:eco`` 70, ``:low`` 60).
``g_custom`` and ``g_auto`` crop around the asset's custom coordinates; ``g_auto`` without
them uses a deterministic saliency stand-in (edge energy), see :func:`salient_centre`.
Named transformations ``t_<name>`` (``t_a.b`` chains several) are
expanded through a lookup function. Every other documented Cloudinary parameter (effects,
overlays, radius, ...) is accepted and ignored; an unknown parameter or an unusable value
raises `TransformationError`, which the delivery layer turns into HTTP 400.

PDF pages: Pillow cannot rasterise PDF, but PDFs written by Pillow hold each page as one
embedded JPEG/JPEG 2000 image, which is decoded. Any other page becomes a white placeholder of
the page's size (72 dpi) showing "Page N".
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageOps, PdfParser

Component = dict[str, str]

# Every parameter key generate_transformation_string() of the SDK can emit, plus a few that
# only appear in raw transformations.
KNOWN_KEYS = frozenset({
    "a", "ac", "af", "ar", "b", "bo", "br", "c", "co", "cs", "d", "dl", "dn", "dpr", "du", "e",
    "eo", "f", "fl", "fn", "fps", "g", "h", "if", "ki", "l", "o", "p", "pg", "q", "r", "so",
    "sp", "t", "u", "vc", "vs", "w", "x", "y", "z",
})
CROP_MODES = frozenset({
    "scale", "fit", "limit", "mfit", "fill", "lfill", "fill_pad", "pad", "lpad", "mpad", "crop",
    "thumb", "auto", "imagga_crop", "imagga_scale",
})
# Output format -> (Pillow format name, Content-Type)
FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "jpeg": ("JPEG", "image/jpeg"),
    "jpe": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
    "avif": ("AVIF", "image/avif"),
    "gif": ("GIF", "image/gif"),
    "bmp": ("BMP", "image/bmp"),
    "tif": ("TIFF", "image/tiff"),
    "tiff": ("TIFF", "image/tiff"),
    "ico": ("ICO", "image/x-icon"),
    "pdf": ("PDF", "application/pdf"),
}
AUTO_FORMAT = "webp"
QUALITY_AUTO = {"": 80, "best": 90, "good": 80, "eco": 70, "low": 60}
MAX_NAMED_DEPTH = 5
MAX_PIXELS = 50_000_000  # refuse absurd sizes instead of exhausting memory


class TransformationError(ValueError):
    """The transformation cannot be parsed or applied (HTTP 400 on the CDN)."""


# ---------------------------------------------------------------- parsing


def parse(transformation: str, named: Callable[[str], str | None] | None = None) -> list[Component]:
    """Split a transformation string into components (one dict per ``/`` part).

    ``t_<name>`` is replaced in place by the components of the named transformation; the
    other parameters of that component are kept as a component of their own after it.
    """
    return _parse(transformation, named, depth=0)


def _parse(text: str, named, depth: int) -> list[Component]:
    if depth > MAX_NAMED_DEPTH:
        raise TransformationError("Invalid transformation - named transformations nest too deep")
    components: list[Component] = []
    for part in filter(None, text.split("/")):
        component = parse_component(part)
        names = component.pop("t", "")
        for name in filter(None, names.split(".")):
            components.extend(_expand_named(name, named, depth))
        if component:
            components.append(component)
    return components


def _expand_named(name: str, named, depth: int) -> list[Component]:
    definition = named(name) if named else None
    if definition is None:
        raise TransformationError(f"Invalid transformation - named transformation {name} not found")
    return _parse(definition, named, depth + 1)


def parse_component(part: str) -> Component:
    """Parse ``w_100,c_fill`` into ``{"w": "100", "c": "fill"}``, validating every value."""
    component: Component = {}
    for param in part.split(","):
        key, sep, value = param.partition("_")
        if not sep or not value or not (key in KNOWN_KEYS or key.startswith("$")):
            raise TransformationError(f"Invalid transformation component - {param}")
        _validate(key, value)
        component[key] = value
    return component


def _validate(key: str, value: str) -> None:
    validator = _VALIDATORS.get(key)
    try:
        if validator and not validator(value):
            raise ValueError(value)
    except ValueError:
        raise TransformationError(f"Invalid transformation - invalid value {key}_{value}") from None


def _is_offset(value: str) -> bool:
    float(value)
    return True


_VALIDATORS: dict[str, Callable[[str], object]] = {
    "w": lambda v: _dimension(v, 1000),
    "h": lambda v: _dimension(v, 1000),
    "ar": lambda v: _aspect_ratio(v),
    "dpr": lambda v: v == "auto" or _positive_float(v),
    "pg": lambda v: _positive_int(v),
    "q": lambda v: v.startswith("auto") or _positive_int(v),
    "x": _is_offset,
    "y": _is_offset,
    "c": lambda v: v in CROP_MODES,
    "f": lambda v: v.startswith("auto") or v in FORMATS,
    "b": lambda v: _colour(v),
}


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


def _dimension(value: str, source: int) -> int:
    """Pixels for ``w_``/``h_``: integers are pixels, decimals are relative to the source."""
    if "." in value:
        return max(1, round(_positive_float(value) * source))
    return _positive_int(value)


def _aspect_ratio(value: str) -> float:
    if ":" in value:
        width, height = value.split(":", 1)
        return _positive_float(width) / _positive_float(height)
    return _positive_float(value)


def _colour(value: str) -> tuple[int, int, int, int]:
    if value == "transparent":
        return (0, 0, 0, 0)
    if value.startswith("rgb:"):
        hex_digits = value[4:]
        if len(hex_digits) in (3, 4):
            hex_digits = "".join(c * 2 for c in hex_digits)
        value = "#" + hex_digits
    return ImageColor.getcolor(value, "RGBA")


# ---------------------------------------------------------------- output format and quality


def output_format(components: list[Component], requested: str | None, original: str,
                  accept: str | None = None) -> str:
    """The delivered format: the last ``f_`` wins, then the URL extension, then the original.

    ``f_auto`` follows the request's ``Accept`` header: WebP when the client accepts it,
    else the original's format when it is JPEG/PNG/GIF, else JPEG. AVIF is never chosen
    (on Cloudinary it is an account opt-in). Without a known Accept header: WebP.
    """
    fmt = next((c["f"] for c in reversed(components) if "f" in c), None) or requested or original
    fmt = fmt.lower()
    if not fmt.startswith("auto"):
        return fmt
    if accept is None or "image/webp" in accept.lower():
        return AUTO_FORMAT
    base = (original or "").lower()
    return base if base in ("jpg", "jpeg", "png", "gif") else "jpg"


def content_type(fmt: str) -> str | None:
    """Content-Type for an image format this module can write, else None."""
    entry = FORMATS.get(fmt.lower())
    return entry[1] if entry else None


def _quality(components: list[Component]) -> int | None:
    value = next((c["q"] for c in reversed(components) if "q" in c), None)
    if value is None:
        return None
    if value.startswith("auto"):
        return QUALITY_AUTO.get(value.partition(":")[2], 80)
    return min(100, int(value))


# ---------------------------------------------------------------- rendering


def render(data: bytes, source_format: str, components: list[Component], fmt: str,
           focus: tuple[int, int, int, int] | None = None) -> bytes:
    """Apply the components to the original bytes and encode the result as `fmt`.

    `focus` is the asset's custom coordinates box (original pixels), used by ``g_custom``
    and by ``g_auto`` (see :mod:`.rendering`).
    """
    if fmt not in FORMATS:
        raise TransformationError(f"Invalid transformation - unsupported format {fmt}")
    page = next((int(c["pg"]) for c in components if "pg" in c), 1)
    image = load_page(data, source_format, page)
    frame = _Focus(focus, image.size)
    for component in components:
        image = apply_component(image, component, frame)
        frame.follow(image.size)
    return encode(image, fmt, _quality(components))


class _Focus:
    """The custom-coordinates box, followed through resizes of the image (scaled with it)."""

    def __init__(self, box, size):
        self.box = tuple(float(n) for n in box) if box else None
        self.size = size

    def follow(self, size) -> None:
        if self.box and size != self.size:
            sx, sy = size[0] / self.size[0], size[1] / self.size[1]
            x, y, w, h = self.box
            self.box = (x * sx, y * sy, w * sx, h * sy)
        self.size = size

    def centre(self) -> tuple[float, float] | None:
        if not self.box:
            return None
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


def load_page(data: bytes, source_format: str, page: int) -> Image.Image:
    """Decode page/frame `page` (1-based) of the original."""
    if source_format.lower() == "pdf":
        return _pdf_page(data, page)
    try:
        image = Image.open(io.BytesIO(data))
        if page > getattr(image, "n_frames", 1):
            raise TransformationError(f"Invalid transformation - page {page} does not exist")
        image.seek(page - 1)
        image.load()
    except (OSError, SyntaxError) as exc:
        raise TransformationError(f"Invalid image - cannot decode original ({exc})") from None
    return ImageOps.exif_transpose(image)


def _pdf_page(data: bytes, page: int) -> Image.Image:
    try:
        parser = PdfParser.PdfParser(buf=data)
        pages = parser.pages
    except Exception:  # noqa: BLE001 - not a PDF Pillow understands: one placeholder page
        return _placeholder(612, 792, page)
    if page > len(pages):
        raise TransformationError(f"Invalid transformation - page {page} does not exist")
    page_dict = parser.read_indirect(pages[page - 1])
    box = [float(n) for n in page_dict.get(b"MediaBox", [0, 0, 612, 792])]
    width, height = round(box[2] - box[0]), round(box[3] - box[1])
    try:
        xobjects = page_dict[b"Resources"][b"XObject"]
        stream = parser.read_indirect(next(iter(xobjects.values())))
        image = Image.open(io.BytesIO(stream.buf))
        image.load()
        return image
    except Exception:  # noqa: BLE001 - vector page or unknown filter: placeholder instead
        return _placeholder(width, height, page)


def _placeholder(width: int, height: int, page: int) -> Image.Image:
    image = Image.new("RGB", (max(1, width), max(1, height)), "white")
    ImageDraw.Draw(image).text((10, 10), f"Page {page}", fill="black")
    return image


FOCAL_CROPS = frozenset({"fill", "lfill", "fill_pad", "thumb", "auto", "imagga_crop", "crop"})


def apply_component(image: Image.Image, component: Component,
                    focus: _Focus | None = None) -> Image.Image:
    """Resize/crop/pad `image` as one transformation component asks."""
    size = target_size(component, image.width, image.height)
    if size is None:
        return image
    mode = component.get("c", "scale")
    gravity = component.get("g", "center")
    width, height = size
    if width * height > MAX_PIXELS:
        raise TransformationError("Invalid transformation - requested size is too large")
    centre = _focal_centre(image, gravity, focus) if mode in FOCAL_CROPS else None
    if centre is not None and mode != "crop":
        return _fill_around(image, width, height, centre, limit=mode == "lfill")
    if centre is not None:
        return _crop_around(image, width, height, centre)
    if mode in ("fill", "lfill", "fill_pad", "thumb", "auto", "imagga_crop"):
        return _fill(image, width, height, gravity, limit=mode == "lfill")
    if mode in ("pad", "lpad", "mpad"):
        return _pad(image, width, height, gravity, mode, component.get("b", "white"))
    if mode == "crop":
        return _crop(image, width, height, gravity, component)
    if mode in ("fit", "limit", "mfit"):
        return _fit(image, width, height, mode)
    return image.resize((width, height), Image.LANCZOS)  # scale, imagga_scale


def target_size(component: Component, src_w: int, src_h: int) -> tuple[int, int] | None:
    """The (w, h) box a component asks for, completed from ``ar_`` or the source aspect ratio.

    A missing dimension keeps the source's aspect ratio; ``ar_`` alone means the largest box of
    that ratio inside the source. ``dpr_`` multiplies both. None: nothing to resize.
    """
    width = _dimension(component["w"], src_w) if "w" in component else None
    height = _dimension(component["h"], src_h) if "h" in component else None
    ratio = _aspect_ratio(component["ar"]) if "ar" in component else None
    if width is None and height is None:
        if ratio is None:
            return None
        width, height = _largest_box(src_w, src_h, ratio)
    elif height is None:
        height = round(width / (ratio or src_w / src_h))
    elif width is None:
        width = round(height * (ratio or src_w / src_h))
    dpr = component.get("dpr", "1")
    scale = 1.0 if dpr == "auto" else float(dpr)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _largest_box(src_w: int, src_h: int, ratio: float) -> tuple[int, int]:
    if src_w / src_h > ratio:
        return round(src_h * ratio), src_h
    return src_w, round(src_w / ratio)


def _fill(image: Image.Image, width: int, height: int, gravity: str, limit: bool) -> Image.Image:
    """Cover the box and cut away the overflow; `limit` (lfill) never enlarges."""
    if limit and (image.width < width or image.height < height):
        shrink = min(1.0, image.width / width, image.height / height)
        width, height = max(1, round(width * shrink)), max(1, round(height * shrink))
    return ImageOps.fit(image, (width, height), Image.LANCZOS, centering=_centering(gravity))


def _fit(image: Image.Image, width: int, height: int, mode: str) -> Image.Image:
    """Fit inside the box keeping the aspect ratio (limit: only shrink; mfit: only grow)."""
    scale = min(width / image.width, height / image.height)
    if (mode == "limit" and scale >= 1) or (mode == "mfit" and scale <= 1):
        return image
    new_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(new_size, Image.LANCZOS)


def _pad(image, width: int, height: int, gravity: str, mode: str, background: str):
    """Fit inside the box, then fill the rest with the background to exactly width x height."""
    scale = min(width / image.width, height / image.height)
    if mode == "mpad" or (mode == "lpad" and scale > 1):
        scale = min(1.0, scale)
    inner = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    fitted = image.convert("RGBA").resize(inner, Image.LANCZOS)
    canvas = Image.new("RGBA", (width, height), _colour(background))
    cx, cy = _centering(gravity)
    canvas.paste(fitted, (round((width - inner[0]) * cx), round((height - inner[1]) * cy)), fitted)
    return canvas


def _crop(image, width: int, height: int, gravity: str, component: Component):
    """Cut a region of the original without scaling (clamped to the original's size)."""
    width, height = min(width, image.width), min(height, image.height)
    x_offset, y_offset = int(float(component.get("x", 0))), int(float(component.get("y", 0)))
    if ("x" in component or "y" in component) and "g" not in component:
        gravity = "north_west"
    cx, cy = _centering(gravity)
    left = round((image.width - width) * cx) + x_offset
    top = round((image.height - height) * cy) + y_offset
    left = min(max(0, left), image.width - width)
    top = min(max(0, top), image.height - height)
    return image.crop((left, top, left + width, top + height))


def _focal_centre(image, gravity: str, focus: _Focus | None) -> tuple[float, float] | None:
    """Where a crop is centred for ``g_custom`` / ``g_auto`` (None: compass gravity).

    ``g_custom`` and ``g_auto`` use the custom coordinates when the asset has them (Cloudinary:
    "taking the custom coordinates as-is and overriding the detection algorithm"), except
    ``g_auto:custom_no_override`` / ``g_auto:none``. Without them ``g_auto`` uses a
    deterministic saliency stand-in (:func:`salient_centre`); ``g_custom`` the centre.
    """
    name, _, option = gravity.partition(":")
    if name not in ("custom", "auto"):
        return None
    centre = focus.centre() if focus else None
    if centre is not None and option not in ("custom_no_override", "none"):
        return centre
    if name == "auto":
        return salient_centre(image)
    return image.width / 2, image.height / 2


def salient_centre(image: Image.Image) -> tuple[float, float]:
    """The centroid of edge energy (a stand-in for Cloudinary's AI saliency): busy, contrasty
    regions pull the crop; a flat background does not. Deterministic for the same pixels."""
    small = image.convert("L")
    scale = max(1.0, max(small.size) / 256)
    small = small.resize((max(1, round(small.width / scale)), max(1, round(small.height / scale))))
    energy = small.filter(ImageFilter.FIND_EDGES)
    pixels = energy.load()
    total = sx = sy = 0.0
    for y in range(1, energy.height - 1):  # the filter's border rows are artefacts
        for x in range(1, energy.width - 1):
            weight = pixels[x, y] ** 2
            total += weight
            sx += weight * x
            sy += weight * y
    if not total:
        return image.width / 2, image.height / 2
    return (sx / total + 0.5) * image.width / energy.width, \
        (sy / total + 0.5) * image.height / energy.height


def _fill_around(image, width: int, height: int, centre, limit: bool) -> Image.Image:
    """Cover width x height, keeping `centre` (source pixels) as near the middle as fits."""
    if limit and (image.width < width or image.height < height):
        shrink = min(1.0, image.width / width, image.height / height)
        width, height = max(1, round(width * shrink)), max(1, round(height * shrink))
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = width / scale, height / scale
    left = min(max(0.0, centre[0] - crop_w / 2), image.width - crop_w)
    top = min(max(0.0, centre[1] - crop_h / 2), image.height - crop_h)
    return image.resize((width, height), Image.LANCZOS,
                        box=(left, top, left + crop_w, top + crop_h))


def _crop_around(image, width: int, height: int, centre) -> Image.Image:
    width, height = min(width, image.width), min(height, image.height)
    left = round(min(max(0.0, centre[0] - width / 2), image.width - width))
    top = round(min(max(0.0, centre[1] - height / 2), image.height - height))
    return image.crop((left, top, left + width, top + height))


_COMPASS = {"north": (0.5, 0.0), "south": (0.5, 1.0), "east": (1.0, 0.5), "west": (0.0, 0.5)}


def _centering(gravity: str) -> tuple[float, float]:
    """Pillow centering for a gravity; detection-based gravities fall back to the centre."""
    x, y = 0.5, 0.5
    for part in re.split(r"_", gravity):
        if part in ("north", "south"):
            y = _COMPASS[part][1]
        elif part in ("east", "west"):
            x = _COMPASS[part][0]
    return x, y


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    """Encode in `fmt`, flattening transparency onto white where the format has no alpha."""
    pil_format = FORMATS[fmt][0]
    if pil_format in ("JPEG", "PDF", "BMP") and image.mode != "RGB":
        image = _flatten(image)
    elif pil_format in ("PNG", "WEBP", "AVIF", "TIFF") and image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA")
    options = {}
    if quality is not None and pil_format in ("JPEG", "WEBP", "AVIF"):
        options["quality"] = quality
    out = io.BytesIO()
    image.save(out, pil_format, **options)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, "white")
    return Image.alpha_composite(background, rgba).convert("RGB")

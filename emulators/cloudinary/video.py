"""Video delivery of the Cloudinary emulator, rendered with a real encoder (ffmpeg).

`render` turns a stored video and a transformation string into the delivered bytes, the way
Cloudinary's video URLs do: ``<cloud>/video/upload/so_2,du_3,w_640/<id>.webm``. The encoder is
the ffmpeg binary shipped by the ``imageio-ffmpeg`` wheel (a project dependency), or an
``ffmpeg`` on PATH (Debian's package).

What is rendered:

* trims: ``so_`` (start offset), ``eo_`` (end offset), ``du_`` (duration), in seconds or as a
  percentage of the video's length (``so_10p``);
* size and crop: ``w_`` ``h_`` (pixels, or relative with a dot: ``w_0.5``), ``ar_``,
  ``c_scale`` (the default), ``fit``, ``limit``, ``fill``, ``lfill``, ``pad``, ``lpad``,
  ``crop`` with ``g_`` compass gravities (``auto``/``face`` fall back to the centre) and the pad
  colour ``b_``; dimensions are rounded down to even numbers (H.264/VP9 4:2:0 needs them);
* formats: the extension or ``f_``: ``mp4`` (H.264 + AAC), ``webm`` (VP9 + Opus), ``mov``;
  ``f_auto`` delivers MP4; ``q_auto`` / ``q_<n>`` choose the encoder's quality;
* poster frames: an image extension (``.jpg``, ``.png``, ``.webp``) delivers one frame, at
  ``so_`` when given, else the middle of the video (Cloudinary's default thumbnail), resized
  with the same size and crop parameters.

Every other documented parameter (effects, overlays, ``vc_``, ``fps_``...) is accepted and
ignored. A bad value is a :class:`transform.TransformationError` (HTTP 400). Without ffmpeg,
originals are still delivered as stored, and anything that needs encoding is refused with
:class:`VideoEncoderMissing` (HTTP 501, ``X-Cld-Error`` says why); images never need it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from . import transform

VIDEO_FORMATS = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}
STILL_FORMATS = {"jpg": "mjpeg", "jpeg": "mjpeg", "png": "png", "webp": "libwebp"}
ENCODE_TIMEOUT = 120  # seconds; a stuck encode must not hold a server thread forever
CACHE_SIZE = 64  # rendered derivatives kept in memory, like a CDN cache
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(p?)$")
_GRAVITY = {"north_west": (0, 0), "north": (0.5, 0), "north_east": (1, 0), "west": (0, 0.5),
            "center": (0.5, 0.5), "east": (1, 0.5), "south_west": (0, 1), "south": (0.5, 1),
            "south_east": (1, 1)}


class VideoEncoderMissing(transform.TransformationError):
    """No ffmpeg here: the video cannot be transformed (HTTP 501)."""

    status = 501


def ffmpeg_exe() -> str | None:
    """The ffmpeg binary: imageio-ffmpeg's, else one on PATH, else None."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return shutil.which("ffmpeg")
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return shutil.which("ffmpeg")


def available() -> bool:
    """True when video transformations can be rendered."""
    return ffmpeg_exe() is not None


def content_type(fmt: str) -> str | None:
    """Content-Type of a video format this module writes, else None."""
    return VIDEO_FORMATS.get(fmt)


# ---------------------------------------------------------------- parameters

def parse(transformation: str, named=None) -> list[dict[str, str]]:
    """Components of a video transformation (``t_<name>`` expanded); values checked."""
    components = []
    for part in filter(None, transformation.split("/")):
        component = {}
        for param in part.split(","):
            key, sep, value = param.partition("_")
            if not sep or not value or key not in transform.KNOWN_KEYS:
                raise transform.TransformationError(
                    f"Invalid transformation component - {param}")
            component[key] = value
        for name in filter(None, component.pop("t", "").split(".")):
            definition = named(name) if named else None
            if definition is None:
                raise transform.TransformationError(
                    f"Invalid transformation - named transformation {name} not found")
            components.extend(parse(definition))
        if component:
            _check(component)
            components.append(component)
    return components


def _check(component: dict[str, str]) -> None:
    for key in ("so", "eo", "du"):
        if key in component and not (_OFFSET.match(component[key]) or component[key] == "auto"):
            raise transform.TransformationError(
                f"Invalid transformation - invalid value {key}_{component[key]}")
    for key, value in component.items():
        if key in ("w", "h", "ar", "c", "q", "b", "x", "y", "dpr"):
            transform.parse_component(f"{key}_{value}")
    fmt = component.get("f")
    if fmt and not fmt.startswith("auto") and fmt not in VIDEO_FORMATS and \
            fmt not in STILL_FORMATS:
        raise transform.TransformationError(f"Invalid transformation - unsupported format {fmt}")


def _seconds(value: str, duration: float) -> float:
    match = _OFFSET.match(value)
    if match is None:  # so_auto: the emulator has no "best frame" detection
        return duration / 2
    number = float(match.group(1))
    return duration * number / 100 if match.group(2) else number


def trim(components, duration: float) -> tuple[float, float | None]:
    """``(start, length or None)`` from the last ``so_`` / ``eo_`` / ``du_`` given."""
    values = {}
    for component in components:
        values.update({k: component[k] for k in ("so", "eo", "du") if k in component})
    start = _seconds(values["so"], duration) if "so" in values else 0.0
    if start >= duration > 0:
        raise transform.TransformationError(
            f"Invalid transformation - start offset {start} is past the end ({duration}s)")
    length = None
    if "du" in values:
        length = _seconds(values["du"], duration)
    elif "eo" in values:
        length = _seconds(values["eo"], duration) - start
    if length is not None and length <= 0:
        raise transform.TransformationError("Invalid transformation - empty video range")
    return start, length


def output_format(components, requested: str | None, original: str) -> str:
    """The last ``f_``, else the extension, else the original; ``f_auto`` is MP4."""
    fmt = next((c["f"] for c in reversed(components) if "f" in c), None) or requested or original
    fmt = fmt.lower()
    fmt = "mp4" if fmt.startswith("auto") else fmt
    if fmt not in VIDEO_FORMATS and fmt not in STILL_FORMATS and fmt != original:
        raise transform.TransformationError(f"Invalid transformation - unsupported format {fmt}")
    return fmt


# ---------------------------------------------------------------- geometry (ffmpeg filters)

def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _size_filters(component, width: int, height: int) -> tuple[list[str], int, int]:
    """ffmpeg filters for one component's w/h/ar/c, and the size after them."""
    target = transform.target_size(component, width, height)
    if target is None:
        return [], width, height
    mode = component.get("c", "scale")
    tw, th = target
    if mode in ("fit", "limit"):
        ratio = min(tw / width, th / height)
        if mode == "limit":
            ratio = min(ratio, 1.0)
        tw, th = width * ratio, height * ratio
    if mode in ("scale", "fit", "limit"):
        tw, th = _even(tw), _even(th)
        return [f"scale={tw}:{th}"], tw, th
    tw, th = _even(tw), _even(th)
    gx, gy = _GRAVITY.get(component.get("g", "center"), (0.5, 0.5))
    if mode in ("fill", "lfill", "thumb", "fill_pad"):
        scale = max(tw / width, th / height)
        if mode == "lfill":
            scale = min(scale, 1.0)
        sw, sh = _even(width * scale + 1), _even(height * scale + 1)
        cw, ch = min(tw, sw), min(th, sh)
        crop = f"crop={cw}:{ch}:{int((sw - cw) * gx)}:{int((sh - ch) * gy)}"
        return [f"scale={sw}:{sh}", crop], cw, ch
    if mode in ("pad", "lpad", "mpad"):
        scale = min(tw / width, th / height)
        if mode == "lpad":
            scale = min(scale, 1.0)
        sw, sh = _even(width * scale), _even(height * scale)
        colour = _pad_colour(component.get("b", "black"))
        return [f"scale={sw}:{sh}",
                f"pad={tw}:{th}:{int((tw - sw) * gx)}:{int((th - sh) * gy)}:{colour}"], tw, th
    # crop (and every other mode): cut a region of the target size out of the frame
    cw, ch = min(tw, _even(width)), min(th, _even(height))
    x = int(float(component["x"])) if "x" in component else int((width - cw) * gx)
    y = int(float(component["y"])) if "y" in component else int((height - ch) * gy)
    return [f"crop={cw}:{ch}:{max(0, min(x, width - cw))}:{max(0, min(y, height - ch))}"], cw, ch


def _pad_colour(value: str) -> str:
    red, green, blue, _ = transform._colour(value)  # one colour grammar for images and videos
    return f"0x{red:02x}{green:02x}{blue:02x}"


def filters(components, width: int, height: int) -> tuple[list[str], int, int]:
    """Every component's size filters in order, and the final frame size."""
    chain: list[str] = []
    for component in components:
        step, width, height = _size_filters(component, width, height)
        chain.extend(step)
    return chain, width, height


def _quality(components, fmt: str) -> list[str]:
    value = next((c["q"] for c in reversed(components) if "q" in c), "auto")
    level = transform.QUALITY_AUTO.get(value.partition(":")[2], 80) \
        if value.startswith("auto") else min(100, int(value))
    if fmt in STILL_FORMATS:
        return ["-q:v", str(max(2, round(31 - level * 0.29)))] if STILL_FORMATS[fmt] == "mjpeg" \
            else (["-quality", str(level)] if fmt == "webp" else [])
    crf = round(51 - level * 0.35) if fmt != "webm" else round(63 - level * 0.4)
    return ["-crf", str(crf)]


def _codecs(fmt: str) -> list[str]:
    if fmt == "webm":
        return ["-c:v", "libvpx-vp9", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8",
                "-row-mt", "1", "-c:a", "libopus"]
    return ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-c:a", "aac"]


# ---------------------------------------------------------------- rendering

_cache: OrderedDict[tuple, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def render(data: bytes, source_format: str, transformation: str, requested: str | None,
           size: tuple[int, int], duration: float | None, named=None,
           cache_key: str | None = None) -> tuple[bytes, str]:
    """The delivered bytes and format of a stored video under ``transformation``."""
    components = parse(transformation, named)
    fmt = output_format(components, requested, source_format)
    if not components and fmt == source_format:
        return data, fmt
    key = (cache_key, transformation, fmt) if cache_key else None
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key], fmt
    if fmt not in VIDEO_FORMATS and fmt not in STILL_FORMATS:  # e.g. a GIF "video" as GIF
        raise transform.TransformationError(f"Invalid transformation - unsupported format {fmt}")
    body = encode(data, components, fmt, size, duration or 0.0)
    if key:
        with _cache_lock:
            _cache[key] = body
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return body, fmt


def encode(data: bytes, components, fmt: str, size: tuple[int, int], duration: float) -> bytes:
    """Run ffmpeg once: trim, resize/crop, encode to ``fmt`` (a still for image formats)."""
    exe = ffmpeg_exe()
    if exe is None:
        raise VideoEncoderMissing(
            "Video transformations need ffmpeg (pip install imageio-ffmpeg, or Debian's ffmpeg)")
    start, length = trim(components, duration)
    chain, _, _ = filters(components, *size) if all(size) else ([], 0, 0)
    still = fmt in STILL_FORMATS
    if still and not any("so" in c for c in components):
        start = duration / 2 if duration else 0.0
    with tempfile.TemporaryDirectory(prefix="cld-video-") as tmp:
        source, target = Path(tmp) / "source", Path(tmp) / f"out.{fmt}"
        source.write_bytes(data)
        command = [exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                   "-ss", f"{start:.3f}", "-i", str(source)]
        if still:
            command += ["-frames:v", "1", "-c:v", STILL_FORMATS[fmt]]
        else:
            if length is not None:
                command += ["-t", f"{length:.3f}"]
            command += _codecs(fmt)
        if chain:
            command += ["-vf", ",".join(chain)]
        command += _quality(components, fmt) + ["-map_metadata", "-1", str(target)]
        done = subprocess.run(command, capture_output=True, timeout=ENCODE_TIMEOUT, check=False)
        if done.returncode != 0 or not target.exists():
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
            raise transform.TransformationError(f"Video processing failed - {message[0]}")
        return target.read_bytes()


_CONTAINERS = {"matroska,webm": "webm", "ogg": "ogv", "avi": "avi", "flv": "flv",
               "mpegts": "ts", "mov,mp4,m4a,3gp,3g2,mj2": "mp4"}
_INPUT = re.compile(r"^Input #0, ([^,]+(?:,[a-z0-9]+)*), from", re.MULTILINE)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(r"Stream #0:\d+.*?: Video: .*?, (\d+)x(\d+)")


def probe(data: bytes) -> tuple[str, int, int, float | None] | None:
    """``(format, width, height, duration)`` of a video ffmpeg can read, else None.

    Used for uploads MP4 parsing does not cover (WebM, Ogg, AVI...); None without ffmpeg.
    """
    exe = ffmpeg_exe()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="cld-video-") as tmp:
        source = Path(tmp) / "source"
        source.write_bytes(data)
        done = subprocess.run([exe, "-hide_banner", "-nostdin", "-i", str(source)],
                              capture_output=True, timeout=ENCODE_TIMEOUT, check=False)
    report = done.stderr.decode("utf-8", "replace")
    container, stream = _INPUT.search(report), _VIDEO_STREAM.search(report)
    if container is None or stream is None:
        return None
    fmt = _CONTAINERS.get(container.group(1), container.group(1).split(",")[0])
    if fmt == "webm" and b"webm" not in data[:64]:
        fmt = "mkv"
    duration = None
    if (match := _DURATION.search(report)) is not None:
        hours, minutes, seconds = match.groups()
        duration = round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)
    return fmt, int(stream.group(1)), int(stream.group(2)), duration


def mp4_from_frames(frames, fps: int) -> bytes:
    """An H.264 MP4 from Pillow images (used to seed the demo cloud); needs ffmpeg."""
    exe = ffmpeg_exe()
    if exe is None:
        raise VideoEncoderMissing("Encoding a video needs ffmpeg")
    frames = list(frames)
    width, height = frames[0].size
    with tempfile.TemporaryDirectory(prefix="cld-video-") as tmp:
        target = Path(tmp) / "out.mp4"
        command = [exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo",
                   "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
                   "-c:v", "libx264", "-preset", "ultrafast", "-tune", "animation",
                   "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-map_metadata", "-1",
                   "-fflags", "+bitexact", str(target)]
        raw = b"".join(frame.convert("RGB").tobytes() for frame in frames)
        done = subprocess.run(command, input=raw, capture_output=True, timeout=ENCODE_TIMEOUT,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode("utf-8", "replace"))
        return target.read_bytes()

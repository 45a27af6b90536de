"""What the emulator learns from uploaded bytes: type, format, dimensions, pages, duration.

Images are read with Pillow. PDFs are images with ``format: pdf`` whose page count is the
number of ``/Type /Page`` objects and whose size is the first ``/MediaBox``. Videos: MP4/MOV
are parsed for ``mvhd`` (duration) and ``tkhd`` (width/height) boxes; animated GIF/WebP
uploaded as ``resource_type=video`` keep their format and get their duration from the frame
timings; other containers (WebM, Ogg...) are read by ffmpeg when it is installed
(``video.probe``). Anything else is ``raw``.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from .errors import bad_request

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
# WebM/Matroska (EBML), Ogg, AVI, FLV: containers ffmpeg reads; a magic number first, since
# ffmpeg would take plain text for a "tty" video.
_VIDEO_MAGIC = re.compile(rb"^(\x1a\x45\xdf\xa3|OggS|RIFF....AVI |FLV\x01)", re.DOTALL)
_PIL_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp",
                "TIFF": "tiff", "BMP": "bmp", "ICO": "ico"}


@dataclass
class MediaInfo:
    """Facts about an uploaded file."""

    resource_type: str
    format: str | None
    width: int = 0
    height: int = 0
    pages: int = 0
    duration: float | None = None


def _pdf(data: bytes) -> MediaInfo:
    pages = len(_PDF_PAGE.findall(data)) or 1
    width = height = 0
    box = _MEDIABOX.search(data)
    if box:
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        width, height = round(x1 - x0), round(y1 - y0)
    return MediaInfo("image", "pdf", width, height, pages)


def _image(data: bytes) -> MediaInfo | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = _PIL_FORMATS.get(img.format or "", (img.format or "").lower())
            frames = getattr(img, "n_frames", 1)
            duration = None
            if frames > 1:
                total = 0
                for index in range(frames):
                    img.seek(index)
                    total += img.info.get("duration", 100)
                duration = round(total / 1000, 3)
            return MediaInfo("image", fmt, img.width, img.height, frames, duration)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _mp4_boxes(data: bytes, start: int, end: int):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _mp4(data: bytes) -> MediaInfo:
    info = MediaInfo("video", "mp4" if b"qt  " not in data[8:12] else "mov")
    stack = [(0, len(data))]
    while stack:
        start, end = stack.pop()
        for kind, body, stop in _mp4_boxes(data, start, end):
            if kind in (b"moov", b"trak", b"mdia"):
                stack.append((body, stop))
            elif kind == b"mvhd" and stop - body >= 20:
                version = data[body]
                if version == 1:
                    scale, length = struct.unpack(">IQ", data[body + 20:body + 32])
                else:
                    scale, length = struct.unpack(">II", data[body + 12:body + 20])
                info.duration = round(length / scale, 3) if scale else None
            elif kind == b"tkhd" and stop - body >= 84:
                width, height = struct.unpack(">II", data[stop - 8:stop])
                if width >> 16 and not info.width:
                    info.width, info.height = width >> 16, height >> 16
    return info


def inspect(data: bytes, resource_type: str, filename: str = "") -> MediaInfo:
    """Classify ``data`` uploaded as ``resource_type`` (``auto`` picks one)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else None
    if resource_type == "raw":
        return MediaInfo("raw", ext)
    if data[:5] == b"%PDF-":
        info = _pdf(data)
        return info if resource_type in ("image", "auto") else MediaInfo("raw", "pdf")
    if data[4:8] == b"ftyp":
        info = _mp4(data)
        if resource_type == "image":
            raise bad_request("Invalid image file")
        return info
    image = _image(data)
    if image is not None:
        if resource_type == "video":
            image.resource_type = "video"
            if image.duration is None:
                image.duration = 0.0
            image.pages = 0
        elif image.pages == 1:
            image.pages = 0 if image.format not in ("gif", "webp", "tiff") else 1
            image.duration = None
        return image
    if resource_type == "image":
        raise bad_request("Invalid image file")
    probed = _probe_video(data) if _VIDEO_MAGIC.match(data[:16]) else None
    if probed is not None:
        return probed
    if resource_type == "video":
        raise bad_request("Invalid video file")
    return MediaInfo("raw", ext)


def _probe_video(data: bytes) -> MediaInfo | None:
    """WebM, Ogg, AVI... read by ffmpeg when it is there (video.py); None otherwise."""
    from . import video  # optional encoder: images never need it

    found = video.probe(data)
    if found is None:
        return None
    fmt, width, height, duration = found
    return MediaInfo("video", fmt, width, height, 0, duration)

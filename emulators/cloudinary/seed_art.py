"""Artwork for the demo cloud, drawn with Pillow: original, deterministic, no external files.

Every picture has a coloured background, a few shapes (mountains, sun, a product block) and a
big readable title, so assets are easy to tell apart in the portal.
"""

from __future__ import annotations

import functools
import io
import random
import time

from PIL import Image, ImageDraw, ImageFont

PALETTES = {
    "slate": ((52, 63, 82), (120, 144, 170)),
    "ember": ((171, 62, 32), (245, 160, 80)),
    "moss": ((54, 92, 52), (150, 190, 110)),
    "glacier": ((40, 110, 150), (190, 230, 245)),
    "sunrise": ((200, 90, 120), (255, 210, 120)),
    "kraft": ((160, 120, 80), (235, 215, 180)),
    "paper": ((235, 235, 230), (60, 60, 60)),
}
_FONTS: dict[int, ImageFont.ImageFont] = {}


def font(size: int) -> ImageFont.ImageFont:
    """Pillow's bundled font at ``size`` (cached)."""
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


def _wrap(draw: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=fnt) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    return lines + ([current] if current else [])


def _title(draw, size, title: str, subtitle: str, ink) -> None:
    width, height = size
    big = font(max(18, min(width, height) // 9))
    small = font(max(12, min(width, height) // 24))
    lines = _wrap(draw, title, big, int(width * 0.86))
    y = int(height * 0.08)
    for line in lines:
        draw.text((int(width * 0.07), y), line, font=big, fill=ink)
        y += int(big.size * 1.15)
    draw.text((int(width * 0.07), y + 6), subtitle, font=small, fill=ink)
    draw.text((int(width * 0.07), height - small.size * 2), "KESTREL OUTDOOR", font=small,
              fill=ink)


def picture(size: tuple[int, int], title: str, subtitle: str, palette: str, seed: str,
            fmt: str = "JPEG") -> bytes:
    """A landscape-style poster with a title; ``seed`` makes the shapes differ per asset."""
    rng = random.Random(seed)
    dark, light = PALETTES.get(palette, PALETTES["slate"])
    width, height = size
    img = Image.new("RGB", size, light)
    draw = ImageDraw.Draw(img)
    for band in range(6):  # sky gradient bands
        shade = tuple(int(light[i] + (dark[i] - light[i]) * band / 10) for i in range(3))
        draw.rectangle([0, band * height // 12, width, (band + 1) * height // 12], fill=shade)
    sun = rng.randint(width // 10, width // 4)
    cx, cy = rng.randint(sun, width - sun), rng.randint(height // 6, height // 2)
    draw.ellipse([cx - sun // 2, cy - sun // 2, cx + sun // 2, cy + sun // 2],
                 fill=(255, 236, 170))
    for layer in range(3):  # mountain ridges
        base = height - layer * height // 10
        points = [(0, height)]
        for x in range(0, width + width // 6, max(width // 6, 1)):
            points.append((x, base - rng.randint(height // 6, height // 2)))
        points.append((width, height))
        shade = tuple(max(0, c - 25 * layer) for c in dark)
        draw.polygon(points, fill=shade)
    block_w, block_h = width // 4, height // 5
    bx, by = rng.randint(0, width - block_w), height - block_h - height // 12
    draw.rounded_rectangle([bx, by, bx + block_w, by + block_h], radius=block_h // 5,
                           fill=tuple(255 - c for c in dark), outline=(20, 20, 20), width=3)
    _title(draw, size, title, subtitle, (255, 255, 255) if sum(dark) < 400 else (20, 20, 20))
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=80)
    else:
        img.save(out, fmt, compress_level=1) if fmt == "PNG" else img.save(out, fmt)
    return out.getvalue()


def label(size: tuple[int, int], title: str, lines: list[str], seed: str) -> bytes:
    """A compliance/regulatory label: white card, black border, text lines (PNG)."""
    img = Image.new("RGB", size, (250, 250, 248))
    draw = ImageDraw.Draw(img)
    width, height = size
    draw.rectangle([8, 8, width - 9, height - 9], outline=(0, 0, 0), width=6)
    head = font(max(18, width // 12))
    body = font(max(12, width // 28))
    draw.text((30, 28), title, font=head, fill=(0, 0, 0))
    y = 40 + head.size * 2
    for line in lines:
        draw.text((30, y), line, font=body, fill=(30, 30, 30))
        y += int(body.size * 1.5)
    rng = random.Random(seed)
    for i in range(28):  # a fake barcode
        bar = rng.randint(2, 7)
        x = 30 + i * 9
        draw.rectangle([x, height - 90, x + bar, height - 30], fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def spec_sheet(title: str, pages: int, seed: str) -> bytes:
    """A PDF of ``pages`` A4-ish pages (Pillow's PDF writer)."""
    sheets = []
    for page in range(pages):
        img = Image.new("RGB", (620, 877), (255, 255, 255))
        draw = ImageDraw.Draw(img)
        draw.rectangle([0, 0, 620, 90], fill=PALETTES["slate"][0])
        draw.text((30, 25), title, font=font(34), fill=(255, 255, 255))
        rng = random.Random(f"{seed}-{page}")
        draw.text((30, 120), f"Technical specification - page {page + 1} of {pages}",
                  font=font(20), fill=(0, 0, 0))
        for row in range(12):
            y = 170 + row * 45
            draw.text((30, y), f"Property {row + 1}", font=font(16), fill=(40, 40, 40))
            draw.text((330, y), f"{rng.randint(10, 999)} units", font=font(16), fill=(40, 40, 40))
            draw.line([30, y + 32, 590, y + 32], fill=(200, 200, 200))
        sheets.append(img)
    out = io.BytesIO()
    fixed = time.gmtime(1780300800)  # a fixed date keeps the bytes (and etag) deterministic
    sheets[0].save(out, "PDF", save_all=True, append_images=sheets[1:], resolution=72,
                   creationDate=fixed, modDate=fixed)
    return out.getvalue()


def _sun_frames(size: tuple[int, int], title: str, palette: str, frames: int) -> list:
    """Frames of a sun crossing the sky under a title."""
    dark, light = PALETTES.get(palette, PALETTES["slate"])
    images = []
    width, height = size
    for index in range(frames):
        img = Image.new("RGB", size, light)
        draw = ImageDraw.Draw(img)
        x = int(width * index / frames)
        draw.ellipse([x, height // 4, x + height // 4, height // 2], fill=(255, 230, 150))
        draw.polygon([(0, height), (width // 3, height // 2), (2 * width // 3, height),
                      ], fill=dark)
        draw.text((16, 12), title, font=font(max(14, height // 10)), fill=(255, 255, 255))
        images.append(img)
    return images


def animation(size: tuple[int, int], title: str, palette: str, frames: int = 12) -> bytes:
    """A short animated GIF: a sun crossing the sky under a title."""
    images = [img.convert("P", palette=Image.Palette.ADAPTIVE)
              for img in _sun_frames(size, title, palette, frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=125, loop=0)
    return out.getvalue()


TEASER_SIZE, TEASER_SECONDS, TEASER_FPS = (960, 540), 6, 5


@functools.lru_cache(maxsize=8)  # product lines share a campaign's teaser: encode it once
def teaser(title: str, palette: str) -> tuple[bytes, str]:
    """The demo's campaign teaser video and its file extension.

    A real 6-second H.264 MP4 (960x540) when ffmpeg is there (imageio-ffmpeg ships one);
    without it, the animated GIF the pure-Python emulator can still make (it does not play
    in a <video> element, and video transformations are refused then).
    """
    from . import video  # the encoder is optional: images never need it

    if not video.available():
        return animation((320, 180), title, palette), "gif"
    frames = _sun_frames(TEASER_SIZE, title, palette, TEASER_SECONDS * TEASER_FPS)
    return video.mp4_from_frames(frames, TEASER_FPS), "mp4"

"""The file names partners' downloads are saved under: one function per kind of file.

A download is named after the asset, the preset and (later) the locale, never after the
transformation that made it or the unguessable id of the delivery copy:

    ridge-runner-box.jpg              the original
    ridge-runner-box_web-1200.webp    the "Web 1200 WebP" preset
    ridge-runner-box_print.pdf        a preset whose slug does not end in its format

so two presets of one asset never collide as "(1)", "(2)" in the partner's downloads folder.
A locale variant is named after its master, then its locale (``ridge-runner-box_de-DE`` and
``ridge-runner-box_de-DE_web-1200.webp``), so a family's files sort together.
"""

import posixpath
import re

from django.utils.text import slugify

ORIGINAL = "original"
MAX_STEM = 80


def asset_stem(asset) -> str:
    """The asset's own name: the last part of its master public id, else its title; a locale
    variant's is its master's with the locale tag (one query for the master)."""
    named = asset.master if asset.master_id else asset
    leaf = posixpath.basename(named.public_id or "")
    if named.resource_type == "raw":
        leaf = posixpath.splitext(leaf)[0]
    stem = (slugify(leaf) or slugify(named.title or "") or f"asset-{named.pk}")[:MAX_STEM]
    stem = stem.strip("-")
    if asset.master_id and locale_part(asset.locale):
        stem = f"{stem}_{locale_part(asset.locale)}"
    return stem


def locale_part(tag: str) -> str:
    """A locale tag as it goes into a file name: letters, digits and hyphens (``de-DE``)."""
    return re.sub(r"[^A-Za-z0-9-]", "", tag or "")[:35].strip("-")


def preset_part(preset, fmt: str = "") -> str:
    """What a preset adds to a name: its slug without a trailing format ("web-1200-webp" ->
    "web-1200"); nothing for the original."""
    if preset is None or preset.slug == ORIGINAL:
        return ""
    slug = preset.slug
    for ending in {fmt, preset.format or ""} - {""}:
        if slug.endswith(f"-{ending}"):
            slug = slug[: -len(ending) - 1]
    return slug


def download_stem(asset, preset=None, *, fmt: str = "") -> str:
    """The file name without extension (what Cloudinary's ``fl_attachment:<name>`` takes)."""
    parts = [asset_stem(asset), preset_part(preset, fmt)]
    return "_".join(part for part in parts if part)


def extension(asset, preset=None) -> str:
    """The extension of what a preset delivers (raw files keep their stored one)."""
    if asset.resource_type == "raw":
        return posixpath.splitext(asset.public_id or "")[1].lstrip(".").lower()
    version = getattr(asset, "approved_version", None)
    stored = (version.format if version else "") or asset.format or ""
    return ((preset.format if preset else "") or stored).lower()


def download_filename(asset, preset=None) -> str:
    """The name one download is saved under, e.g. ``ridge-runner-box_web-1200.webp``."""
    ext = extension(asset, preset)
    stem = download_stem(asset, preset, fmt=ext)
    return f"{stem}.{ext}" if ext else stem


def archive_stem(preset=None, *, count: int = 0) -> str:
    """The ZIP's own name without ``.zip``: which preset, how many files."""
    part = preset_part(preset, preset.format if preset else "") or "originals"
    return f"assets-{count}_{part}" if count else f"assets_{part}"

"""ZIP copies: what makes a ZIP's entries carry the preset (``ridge-runner-box_web-1200.webp``).

A ZIP is Cloudinary's archive link (`download_zip_url`), so its bytes never pass through the
portal, and Cloudinary names each entry itself: after the public id (its last part with
`flatten_folders`) or the stored original file name (`use_original_filename`), plus the
transformation's syntax unless `skip_transformation_name` (Cloudinary's generate_archive
parameters; nothing lets a caller name an entry). So for a ZIP of a preset, each image goes in
as a *ZIP copy*: an `authenticated` image of the portal's own holding that preset's
derivative, made by Cloudinary from a signed, expiring link to the partner copy through the
preset, at ``<the partner copy's folder>/zip/<file name>``. The archive then needs no
transformation and the entry is the copy's name.

A copy is made the first time a ZIP of that (version, preset) is asked for, one Upload API
call per image (not rate-limited), and reused until the partner copy is renamed (a
revocation: assets.releases deletes the ZIP copies too) or the preset's transformation
changes. Videos and raw files go in as they are, under their own names.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils.text import slugify

from assets import filenames
from assets.cloudinary import client
from assets.cloudinary.delivery import preset_source_url
from assets.models import AssetVersion

log = logging.getLogger(__name__)
FOLDER = "zip"
PARALLEL = 8  # Upload API calls at once when a ZIP needs several new copies


def needs_copies(preset) -> bool:
    """Whether a ZIP of `preset` transforms images at all (Originals go in as stored)."""
    return preset is not None and bool(preset.transformation or preset.format)


def entry_name(asset, preset, qualifier: str = "") -> str:
    """The entry's file name without extension: ``<asset>[_<qualifier>]_<preset>``."""
    fmt = filenames.extension(asset, preset)
    stem = filenames.asset_stem(asset)
    parts = [stem, qualifier, filenames.preset_part(preset, fmt)]
    return "_".join(part for part in parts if part)


def rendering(preset) -> str:
    """What a copy's bytes depend on: the preset's transformation and format, and the named
    transformation it goes through. A community's own definition of a preset (its override,
    assets.downloads._as_offered) keeps the slug but renders differently."""
    named = preset.named_transformation if getattr(preset, "delivered_through_name", False) \
        else ""
    return f"{preset.transformation or ''}|{preset.format or ''}|{named}"


def _digest(preset) -> str:
    # names a rendering (not a secret): copies of different renderings never share a public id
    return hashlib.sha256(rendering(preset).encode()).hexdigest()[:10]


def copy_public_id(asset, preset, qualifier: str = "") -> str:
    """Where the ZIP copy of the partner copy through `preset` lives: a folder per rendering,
    so EU retailers' own Mobile 640 and everyone else's are two copies of one entry name
    (the archive flattens folders: the entry is the last part)."""
    folder = posixpath.dirname(asset.release_public_id)
    return f"{folder}/{FOLDER}/{_digest(preset)}/{entry_name(asset, preset, qualifier)}"


def qualifiers(assets, preset) -> dict[int, str]:
    """What tells apart images of one selection that would share an entry name (two assets
    both called ``hero``): their master's folder (``hero_road_web-1920``, ``hero_trail_...``),
    else ``asset-<pk>``. Images whose names are unique get none, so the common case reuses one
    copy per (version, preset) whatever else is selected."""
    by_name: dict[str, list] = {}
    for asset in assets:
        by_name.setdefault(entry_name(asset, preset), []).append(asset)
    found = {}
    for group in (g for g in by_name.values() if len(g) > 1):
        folders = {a.pk: _folder_slug(a) for a in group}
        for asset in group:
            folder = folders[asset.pk]
            unique = folder and list(folders.values()).count(folder) == 1
            found[asset.pk] = folder if unique else f"asset-{asset.pk}"
    return found


def _folder_slug(asset) -> str:
    named = asset.master if asset.master_id else asset
    return slugify(posixpath.basename(posixpath.dirname(named.public_id or "")))[:40]


def _key(preset, qualifier: str) -> str:
    key = f"{preset.slug}:{_digest(preset)}"
    return f"{key}@{qualifier}" if qualifier else key


def _fresh(asset, preset, copy: dict | None, qualifier: str) -> bool:
    return bool(copy) and copy.get("source") == asset.release_public_id and \
        copy.get("rendering") == rendering(preset) and \
        copy.get("public_id") == copy_public_id(asset, preset, qualifier)


def zip_copies(assets, preset) -> dict[int, dict]:
    """The ZIP copy of each image asset for `preset` ({asset pk: copy}), made where missing
    or stale; images that would share an entry name get distinct ones. Raises
    client.CloudinaryError when Cloudinary cannot make one."""
    if not needs_copies(preset):
        return {}
    images = [a for a in assets if a.resource_type == "image" and a.release_public_id
              and a.approved_version is not None]
    extra = qualifiers(images, preset)
    found, missing = {}, []
    for asset in images:
        qualifier = extra.get(asset.pk, "")
        copy = (asset.approved_version.zip_copies or {}).get(_key(preset, qualifier))
        if _fresh(asset, preset, copy, qualifier):
            found[asset.pk] = copy
        else:
            missing.append((asset, qualifier, preset_source_url(asset, preset),
                            copy_public_id(asset, preset, qualifier)))
    if missing:
        # network only in the threads; the first ZIP of 200 images must not wait 200 calls
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(missing))) as pool:
            answers = list(pool.map(lambda item: _upload(*item[2:]), missing))
        for (asset, qualifier, *_), answer in zip(missing, answers, strict=True):
            found[asset.pk] = _remember(asset, preset, qualifier, answer)
    return found


def _upload(source_url: str, public_id: str) -> dict:
    """Cloudinary fetches the derivative itself (no database, no bytes here)."""
    return client.copy_to_delivery(source_url=source_url, public_id=public_id,
                                   resource_type="image")


def _remember(asset, preset, qualifier: str, answer: dict) -> dict:
    """Record a new copy on its version; one it replaces (made from a partner copy since
    renamed) is deleted, so no copy is left behind unrecorded."""
    version, key = asset.approved_version, _key(preset, qualifier)
    copy = {"public_id": answer["public_id"], "version": int(answer["version"]),
            "format": answer.get("format", ""), "source": asset.release_public_id,
            "rendering": rendering(preset)}
    with transaction.atomic():
        locked = AssetVersion.objects.select_for_update().get(pk=version.pk)
        replaced = (locked.zip_copies or {}).get(key)
        locked.zip_copies = {**(locked.zip_copies or {}), key: copy}
        locked.save(update_fields=["zip_copies"])
    version.zip_copies = locked.zip_copies
    if replaced and replaced.get("public_id") != copy["public_id"]:
        _forget(replaced)
    log.info("made ZIP copy %s of %s for %s", copy["public_id"], version, preset.slug)
    return copy


def _forget(copy: dict) -> None:
    try:
        client.delete_delivery(public_id=copy["public_id"], resource_type="image")
    except client.CloudinaryError as error:  # a leftover; the next revocation cannot see it
        log.warning("could not delete replaced ZIP copy %s: %s", copy["public_id"], error)


def delete_zip_copies(version) -> int:
    """Remove a version's ZIP copies from Cloudinary (a revocation: links to them must stop
    working too) and forget them; idempotent ("not found" is done)."""
    copies = dict(version.zip_copies or {})
    for copy in copies.values():
        client.delete_delivery(public_id=copy["public_id"], resource_type="image")
    if copies:
        AssetVersion.objects.filter(pk=version.pk).update(zip_copies={})
        version.zip_copies = {}
    return len(copies)

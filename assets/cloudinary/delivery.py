"""Delivery and download URLs: the only place the portal builds links to media.

Nothing here calls Cloudinary; URLs are computed and signed locally with the
SDK, so a catalog page of 50 thumbnails costs no network round trip.

What partners are served is never the brand's master but the portal's protected
copy of the approved version (`Asset.release_public_id`, delivery type
`authenticated`, made by assets.releases). So:

* overwriting the master in Cloudinary changes nothing for partners until the new
  version is approved and released;
* an `authenticated` asset is delivered only through a signed URL or, with
  CLOUDINARY_AUTH_TOKEN_KEY (Cloudinary's token-based access, the recommended
  configuration), through a URL-bound `__cld_token__` that expires: page images
  after PREVIEW_LINK_TTL, downloads after DOWNLOAD_LINK_TTL. Without the key,
  resized-preset links are signed but do not expire (`check --deploy` warns);
* a preset without a transformation (Original, Print-ready PDF) becomes a
  `private_download_url` with `expires_at` and `attachment`: it always expires;
* several assets become one `download_zip_url` archive link (signed, expiring) with
  `resource_type="auto"` and fully qualified public ids, whatever their types;
* revoking (rejection, retirement, unpublication) renames the copy, so every link
  handed out before stops working at the CDN.

Staff review the master itself (`master=True`): signed, with a token when configured.
"""

import functools
import math
import time
from dataclasses import dataclass

import cloudinary.utils
from django.conf import settings

from assets import filenames
from assets.cloudinary.config import ensure_configured

THUMBNAIL_WIDTHS = (240, 360, 480, 720)
THUMBNAIL_BOX = (360, 270)  # the 4:3 tile a grid letterboxes each thumbnail into
PREVIEW_WIDTHS = (640, 960, 1280, 1920)
SIGNED_TYPES = frozenset({"authenticated", "private"})
DELIVERY_TYPE = "authenticated"  # the portal's protected copies
# Page-image tokens expire on a boundary of this many seconds, so a page reloaded within
# it gets the same URLs (the browser's cache keeps working).
TOKEN_BUCKET = 300


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: int | None  # unix seconds; None: a signed CDN URL without a token


@dataclass(frozen=True)
class Target:
    """What a URL points at: the partner copy of an approved version, or a staff view of the
    master as Cloudinary holds it now."""

    public_id: str
    resource_type: str
    type: str
    version: int
    format: str


def partner_target(asset) -> Target | None:
    """The protected copy of the version partners get (None until it is released)."""
    if not asset.release_public_id:
        return None
    version = asset.approved_version
    return Target(asset.release_public_id, asset.resource_type, DELIVERY_TYPE,
                  asset.release_version, (version.format if version else asset.format) or "")


def master_target(asset) -> Target:
    """The master as Cloudinary holds it now (staff review of a proposed version)."""
    return Target(asset.public_id, asset.resource_type, asset.delivery_type, asset.version,
                  asset.format or "")


def _is_document(target) -> bool:
    return (target.format or "").lower() == "pdf"


def _secure() -> bool:
    """HTTPS unless configured otherwise, or unless the API itself is plain HTTP (an emulator)."""
    config = cloudinary.config()
    if config.secure is not None:
        return bool(config.secure)
    return not str(config.upload_prefix or "").startswith("http://")


def _token_key() -> str:
    return getattr(settings, "CLOUDINARY_AUTH_TOKEN_KEY", "") or ""


def _page_expiry() -> int:
    """When page-image tokens expire: PREVIEW_LINK_TTL from now, on a TOKEN_BUCKET boundary."""
    return math.ceil((time.time() + settings.PREVIEW_LINK_TTL) / TOKEN_BUCKET) * TOKEN_BUCKET


def _url(target: Target, transformation: list[dict], fmt: str | None, *,
         expires_at: int | None = None) -> str:
    """A signed delivery URL; with a token key, an expiring token instead of the signature.

    Memoised (issue #17: a catalog page builds ~120 of them, ~0.3 ms of the SDK's Python
    each): a URL is a pure function of the copy (public id and version: a new version or a
    revocation renames the copy), the transformation, the token's expiry bucket and the
    account's configuration, and all of them are in the key.
    """
    ensure_configured()
    key = _token_key()
    config = cloudinary.config()
    arguments = (target, tuple(tuple(sorted(step.items())) for step in transformation), fmt,
                 (expires_at or _page_expiry()) if key else None, key, _secure(),
                 (config.cloud_name, config.api_secret, config.secure_distribution,
                  config.cname, config.private_cdn, config.upload_prefix))
    try:
        # a download's own expiry (expires_at) is unique to it: not worth remembering
        return (_signed_url if expires_at is None else _signed_url.__wrapped__)(*arguments)
    except TypeError:  # a step with a list or dict in it (not hashable): built each time
        return _signed_url.__wrapped__(*arguments)


@functools.lru_cache(maxsize=20_000)
def _signed_url(target: Target, steps: tuple, fmt: str | None, expires_at: int | None,
                key: str, secure: bool, account: tuple) -> str:
    transformation = [dict(step) for step in steps]
    options = {
        "resource_type": target.resource_type,
        "type": target.type,
        "transformation": transformation,
        "sign_url": True,
        "secure": secure,
    }
    if target.version:
        options["version"] = target.version
    if fmt:
        options["format"] = fmt
    if key:
        options["auth_token"] = {"key": key, "expiration": expires_at}
    else:
        options["auth_token"] = False
    url, _ = cloudinary.utils.cloudinary_url(target.public_id, **options)
    return url


def _still_format(target) -> str | None:
    """The image format that shows a still of `target` (first PDF page, video frame)."""
    if target.resource_type == "video" or _is_document(target):
        return "jpg"
    return None


def _target(asset, master: bool) -> Target | None:
    if asset.resource_type == "raw":
        return None
    return master_target(asset) if master else partner_target(asset)


def thumbnail_url(asset, width: int, height: int | None = None, *, master: bool = False
                  ) -> str | None:
    """A still of the whole of `asset` within `width` x `height` (None for raw files, or
    before partners get a version). Never cropped: a packaging shot or a compliance label
    must show all its text, so grids letterbox it instead (`c_limit`, no upscaling)."""
    target = _target(asset, master)
    if target is None:
        return None
    step = {"crop": "limit", "width": width, "quality": "auto"}
    if height:
        step["height"] = height
    if _is_document(target):
        step["page"] = 1
    if _still_format(target) is None:
        step["fetch_format"] = "auto"
    return _url(target, [step], _still_format(target))


def thumbnail_srcset(asset, widths=THUMBNAIL_WIDTHS, ratio: float = 0.75) -> str:
    """`srcset` candidates of whole-image thumbnails within 4:3 boxes of several widths."""
    if partner_target(asset) is None or asset.resource_type == "raw":
        return ""
    return ", ".join(f"{thumbnail_url(asset, w, round(w * ratio))} {w}w" for w in widths)


def fitted_size(width, height, box: tuple[int, int] = THUMBNAIL_BOX) -> tuple[int, int]:
    """The size of an image of `width` x `height` scaled to fit `box` (the `width`/`height`
    attributes that reserve its shape before it loads); the box itself when unknown."""
    if not width or not height:
        return box
    scale = min(box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def preview_url(asset, width: int = 1280, *, master: bool = False) -> str | None:
    """A large, unstretched still for the asset page (first page of a PDF, video poster)."""
    target = _target(asset, master)
    if target is None:
        return None
    step = {"crop": "limit", "width": width, "quality": "auto"}
    if _is_document(target):
        step["page"] = 1
    if _still_format(target) is None:
        step["fetch_format"] = "auto"
    return _url(target, [step], _still_format(target))


def preview_srcset(asset) -> str:
    """`srcset` of the preview: the responsive breakpoints Cloudinary chose for the copy
    when staff asked for them (each `<base>/c_scale,w_<w>`, the derived images it made), else
    the fixed preview widths."""
    target = partner_target(asset)
    if target is None or asset.resource_type == "raw":
        return ""
    points = getattr(asset.approved_version, "breakpoints", None) or {}
    if asset.resource_type == "image" and points.get("widths") and points.get("transformation"):
        base = {"raw_transformation": points["transformation"]}
        return ", ".join(f"{_url(target, [base, {'crop': 'scale', 'width': w}], None)} {w}w"
                         for w in sorted(set(points["widths"])))
    return ", ".join(f"{preview_url(asset, w)} {w}w" for w in PREVIEW_WIDTHS)


def video_url(asset, *, master: bool = False) -> str | None:
    """A web-playable rendition of a video for the HTML5 player."""
    if asset.resource_type != "video":
        return None
    target = _target(asset, master)
    if target is None:
        return None
    return _url(target, [{"crop": "limit", "width": 1280, "quality": "auto"}], "mp4")


def master_original_url(asset, *, ttl: int | None = None) -> str:
    """A signed, expiring link to the master's original bytes (staff "full size", and the
    source Cloudinary fetches to make a delivery copy)."""
    ensure_configured()
    fmt = "" if asset.resource_type == "raw" else (asset.format or "")
    return cloudinary.utils.private_download_url(
        asset.public_id, fmt, resource_type=asset.resource_type, type=asset.delivery_type,
        expires_at=int(time.time()) + (ttl or settings.DOWNLOAD_LINK_TTL))


def master_transformed_url(asset, transformation: list[dict]) -> str:
    """A signed (tokened) URL of the master through a transformation (staff and the demo)."""
    return _url(master_target(asset), transformation, asset.format or None,
                expires_at=_expiry())


def _expiry() -> int:
    return int(time.time()) + settings.DOWNLOAD_LINK_TTL


def download_link(asset, preset) -> DownloadLink:
    """A signed, expiring link to the partner copy rendered through `preset` (attachment),
    saved under the name assets.filenames gives it (``fl_attachment:<name>``)."""
    target = partner_target(asset)
    if target is None:
        raise LookupError("No approved version of this asset has been released yet.")
    ensure_configured()
    # raw files are delivered as stored: their extension is part of the public id
    fmt = None if asset.resource_type == "raw" else (preset.format or target.format or None)
    expires_at = _expiry()
    if not preset.transformation:
        # Cloudinary names it after the copy's last public-id part, which is the asset's
        # file name (assets.releases.new_delivery_id).
        url = cloudinary.utils.private_download_url(
            target.public_id, fmt or "", resource_type=target.resource_type,
            type=target.type, expires_at=expires_at, attachment=True)
        return DownloadLink(url, expires_at)
    name = filenames.download_stem(asset, preset, fmt=fmt or "")
    steps = [{"raw_transformation": _preset_transformation(preset)},
             {"flags": f"attachment:{name}"}]
    url = _url(target, steps, fmt, expires_at=expires_at)
    return DownloadLink(url, expires_at if _token_key() else None)


def _preset_transformation(preset) -> str:
    """``t_<name>`` once Cloudinary holds the preset as a named transformation (allowed under
    strict transformations, and the derivative generated ahead at release), else its string."""
    if getattr(preset, "delivered_through_name", False):
        return f"t_{preset.named_transformation}"
    return preset.transformation


def preset_source_url(asset, preset) -> str:
    """A signed, expiring link to the partner copy rendered through `preset` (not an
    attachment): the source Cloudinary fetches to make a ZIP copy (assets.zip_copies)."""
    target = partner_target(asset)
    if target is None:
        raise LookupError("No approved version of this asset has been released yet.")
    steps = [{"raw_transformation": _preset_transformation(preset)}] if preset.transformation \
        else []
    return _url(target, steps, preset.format or target.format or None, expires_at=_expiry())


def zip_link(assets, preset=None, copies: dict | None = None) -> DownloadLink:
    """One signed, expiring ZIP archive link for the partner copies of every type.

    ``resource_type="auto"`` with fully qualified public ids lets one archive hold images,
    videos and raw files together. Cloudinary names entries after the last public-id part
    (``flatten_folders``), never after the transformation (``skip_transformation_name``).
    With `copies` (assets.zip_copies: asset pk -> the image's ZIP copy for `preset`, one for
    every image) the images go in as their ZIP copies, already rendered and named
    ``<asset>_<preset>``, and no transformation is sent; without, a preset's transformation
    makes the images' derived versions, named after the asset only. Videos and raw files
    go in as stored.
    """
    ensure_configured()
    released = [a for a in assets if a.release_public_id]
    copies = copies or {}
    images = [a for a in released if a.resource_type == "image"]
    use_copies = bool(images) and all(a.pk in copies for a in images)
    expires_at = _expiry()
    options = {
        "resource_type": "auto",
        "fully_qualified_public_ids": [
            f"{a.resource_type}/{DELIVERY_TYPE}/"
            f"{copies[a.pk]['public_id'] if use_copies and a.pk in copies else a.release_public_id}"
            for a in released],
        "expires_at": expires_at,
        "flatten_folders": True,
        "skip_transformation_name": True,
        "target_public_id": filenames.archive_stem(preset, count=len(released)),
    }
    if preset is not None and (preset.transformation or preset.format) and not use_copies:
        step = {"format": preset.format or ""}
        if preset.transformation:
            step["raw_transformation"] = _preset_transformation(preset)
        options["transformations"] = [step]
    return DownloadLink(cloudinary.utils.download_zip_url(**options), expires_at)


def derivative_url(asset, raw_transformation: str, fmt: str | None = None) -> str | None:
    """A page image of the partner copy through `raw_transformation` (rendering previews:
    the derivative a preset delivers, before/after a fix). None before a release."""
    target = partner_target(asset)
    if target is None or asset.resource_type != "image":
        return None
    return _url(target, [{"raw_transformation": raw_transformation}], fmt or None)


def version_preview_url(version, width: int = 480) -> str | None:
    """A signed, expiring still of one released version's protected copy (None when it has
    no copy, or is raw). For short-lived server-side use, e.g. an email's inline preview."""
    asset = version.asset
    if asset.resource_type == "raw" or not version.delivery_public_id:
        return None
    target = Target(version.delivery_public_id, asset.resource_type, DELIVERY_TYPE,
                    version.delivery_version, version.format or asset.format or "")
    step = {"crop": "limit", "width": width, "quality": "auto"}
    if _is_document(target):
        step["page"] = 1
    return _url(target, [step], _still_format(target) or "jpg")

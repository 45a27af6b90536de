"""Delivery and download URLs: the only place the portal builds links to media.

Nothing here calls Cloudinary; URLs are computed and signed locally with the
SDK, so a catalog page of 50 thumbnails costs no network round trip.

How a download link is made (chosen so it works on real Cloudinary and on the
emulator alike):

* A preset without a transformation (Original, Print-ready PDF) becomes a
  `private_download_url`: the API's signed download link with `expires_at`
  (DOWNLOAD_LINK_TTL, default 10 minutes) and `attachment`. It works for every
  delivery type and really expires. The SDK's `private_download_url` sends no
  transformation, and Cloudinary documents none for that endpoint, so it is
  not used for resized presets.
* A preset with a transformation becomes a signed CDN URL (`s--SIG--`) of the
  derived file with `fl_attachment`: a partner cannot alter the transformation,
  and authenticated assets are reachable only through such signed URLs. When
  CLOUDINARY_AUTH_TOKEN_KEY is set (Cloudinary's token-based access), the URL
  also carries a `__cld_token__` that expires after DOWNLOAD_LINK_TTL; without
  it a signed CDN URL does not expire on its own, which `DownloadLink.expires_at
  = None` reports honestly.
* Several assets become `download_zip_url` archive links (signed, expiring), one
  per (resource type, delivery type) because Cloudinary archives one type at a time.
"""

import time
from dataclasses import dataclass
from itertools import groupby

import cloudinary.utils
from django.conf import settings

from assets.cloudinary.config import ensure_configured

THUMBNAIL_WIDTHS = (240, 360, 480, 720)
PREVIEW_WIDTHS = (640, 960, 1280, 1920)
SIGNED_TYPES = frozenset({"authenticated", "private"})


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: int | None  # unix seconds; None: a signed CDN URL without a token


def _is_document(asset) -> bool:
    return (asset.format or "").lower() == "pdf"


def _secure() -> bool:
    """HTTPS unless configured otherwise, or unless the API itself is plain HTTP (an emulator)."""
    config = cloudinary.config()
    if config.secure is not None:
        return bool(config.secure)
    return not str(config.upload_prefix or "").startswith("http://")


def _url(asset, transformation: list[dict], fmt: str | None, *, sign: bool | None = None,
         auth_token: dict | None = None) -> str:
    ensure_configured()
    options = {
        "resource_type": asset.resource_type,
        "type": asset.delivery_type,
        "transformation": transformation,
        "sign_url": asset.delivery_type in SIGNED_TYPES if sign is None else sign,
        "secure": _secure(),
    }
    if asset.version:
        options["version"] = asset.version
    if fmt:
        options["format"] = fmt
    if auth_token:
        options["auth_token"] = auth_token
    url, _ = cloudinary.utils.cloudinary_url(asset.public_id, **options)
    return url


def _still_format(asset) -> str | None:
    """The image format that shows a still of `asset` (first PDF page, video frame)."""
    if asset.resource_type == "video" or _is_document(asset):
        return "jpg"
    return None


def thumbnail_url(asset, width: int, height: int | None = None) -> str | None:
    """A cropped still of `asset` (None for raw files, which have no picture)."""
    if asset.resource_type == "raw":
        return None
    step = {"crop": "fill", "gravity": "auto", "width": width, "quality": "auto"}
    if height:
        step["height"] = height
    if _is_document(asset):
        step["page"] = 1
    if _still_format(asset) is None:
        step["fetch_format"] = "auto"
    return _url(asset, [step], _still_format(asset))


def thumbnail_srcset(asset, widths=THUMBNAIL_WIDTHS, ratio: float = 0.75) -> str:
    """`srcset` candidates of 4:3 thumbnails at several widths."""
    if asset.resource_type == "raw":
        return ""
    return ", ".join(f"{thumbnail_url(asset, w, round(w * ratio))} {w}w" for w in widths)


def preview_url(asset, width: int = 1280) -> str | None:
    """A large, unstretched still for the asset page (first page of a PDF, video poster)."""
    if asset.resource_type == "raw":
        return None
    step = {"crop": "limit", "width": width, "quality": "auto"}
    if _is_document(asset):
        step["page"] = 1
    if _still_format(asset) is None:
        step["fetch_format"] = "auto"
    return _url(asset, [step], _still_format(asset))


def preview_srcset(asset) -> str:
    if asset.resource_type == "raw":
        return ""
    return ", ".join(f"{preview_url(asset, w)} {w}w" for w in PREVIEW_WIDTHS)


def video_url(asset) -> str | None:
    """A web-playable rendition of a video for the HTML5 player."""
    if asset.resource_type != "video":
        return None
    return _url(asset, [{"crop": "limit", "width": 1280, "quality": "auto"}], "mp4")


def _expiry() -> int:
    return int(time.time()) + settings.DOWNLOAD_LINK_TTL


def download_link(asset, preset) -> DownloadLink:
    """A signed link to `asset` rendered through `preset`, served by Cloudinary (attachment)."""
    ensure_configured()
    # raw files are delivered as stored: their extension is part of the public id
    fmt = None if asset.resource_type == "raw" else (preset.format or asset.format or None)
    if not preset.transformation:
        expires_at = _expiry()
        url = cloudinary.utils.private_download_url(
            asset.public_id, fmt or "", resource_type=asset.resource_type,
            type=asset.delivery_type, expires_at=expires_at, attachment=True)
        return DownloadLink(url, expires_at)
    steps = [{"raw_transformation": preset.transformation}, {"flags": "attachment"}]
    token_key = getattr(settings, "CLOUDINARY_AUTH_TOKEN_KEY", "")
    if token_key:
        expires_at = _expiry()
        token = {"key": token_key, "expiration": expires_at}
        return DownloadLink(_url(asset, steps, fmt, sign=True, auth_token=token), expires_at)
    return DownloadLink(_url(asset, steps, fmt, sign=True, auth_token=None), None)


def _group_key(asset):
    return (asset.resource_type, asset.delivery_type)


def zip_links(assets, preset=None, *, name: str = "assets") -> list[DownloadLink]:
    """Signed, expiring ZIP archive links for `assets` (one per resource and delivery type)."""
    ensure_configured()
    links = []
    ordered = sorted(assets, key=_group_key)
    for (resource_type, delivery_type), group in groupby(ordered, key=_group_key):
        expires_at = _expiry()
        options = {
            "public_ids": [a.public_id for a in group],
            "resource_type": resource_type,
            "type": delivery_type,
            "expires_at": expires_at,
            "flatten_folders": True,
            "target_public_id": name if len(links) == 0 else f"{name}-{resource_type}",
        }
        if preset is not None and preset.transformation and resource_type == "image":
            options["transformations"] = [{"raw_transformation": preset.transformation,
                                           "format": preset.format or ""}]
        links.append(DownloadLink(cloudinary.utils.download_zip_url(**options), expires_at))
    return links

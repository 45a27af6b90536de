"""Put real images into the Cloudinary emulator through the SDK, and mirror them as assets."""

import io

import cloudinary.uploader
from PIL import Image

from tests import factories as f


def png_bytes(width: int, height: int, colour=(20, 110, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload_image(public_id: str, width: int = 2400, height: int = 1600,
                 delivery_type: str = "authenticated") -> dict:
    """Upload a generated PNG with the real SDK; returns Cloudinary's answer."""
    return cloudinary.uploader.upload(io.BytesIO(png_bytes(width, height)),
                                      public_id=public_id, type=delivery_type,
                                      resource_type="image")


def asset_from_upload(result: dict, **fields):
    """An approved Asset row matching an upload (what the mirror's sync would create),
    released for real: Cloudinary holds the protected copy partners are served."""
    from assets.models import AssetVersion
    from assets.releases import deliver_asset

    asset = f.AssetFactory(
        asset_id=result["asset_id"], public_id=result["public_id"],
        resource_type=result["resource_type"], delivery_type=result["type"],
        format=result.get("format", ""), width=result.get("width"),
        height=result.get("height"),
        bytes=result["bytes"], version=result["version"], **fields)
    AssetVersion.objects.filter(asset=asset).update(
        etag=result.get("etag", ""), delivery_public_id="", delivery_version=0)
    type(asset).objects.filter(pk=asset.pk).update(approved_version=None, release_public_id="",
                                                   release_version=0)
    deliver_asset(asset.pk)
    asset.refresh_from_db()
    assert asset.release_public_id, "the release copy was not made"
    return asset

"""Inline previews for supersede emails: both versions side by side, fetched at send time.

Why CID parts, not links: a partner's mailbox keeps the email for months, and the portal's
delivery URLs are signed and expire (PREVIEW_LINK_TTL) by design — links would break, and
public never-expiring CDN URLs would defeat the protected delivery. So at send time the
outbox asks Cloudinary (the SDK's signed URL, a 480 px still) for each version's bytes and
embeds them; the email then needs nothing from the CDN when it is read.
"""

from __future__ import annotations

import requests

from assets.models import AssetVersion

SOURCE = "version-preview"
MAX_BYTES = 1_500_000
TIMEOUT = 10


def source(version: AssetVersion) -> str:
    return f"{SOURCE}:{version.pk}"


def fetch_bytes(url: str) -> tuple[bytes, str] | None:
    """The one network seam: GET a signed preview, capped in size and time."""
    with requests.get(url, timeout=TIMEOUT, stream=True) as response:
        if response.status_code != 200:
            return None
        kind = response.headers.get("Content-Type", "image/jpeg").split(";")[0]
        data = response.raw.read(MAX_BYTES + 1, decode_content=True)
    if not kind.startswith("image/") or len(data) > MAX_BYTES:
        return None
    return data, kind


def fetch_version_preview(rest: str) -> tuple[bytes, str] | None:
    from assets.cloudinary.delivery import version_preview_url

    version = AssetVersion.objects.select_related("asset").filter(pk=int(rest)).first()
    url = version_preview_url(version) if version else None
    return fetch_bytes(url) if url else None

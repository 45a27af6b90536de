"""Inline previews for supersede emails: both versions side by side, fetched at send time.

Why CID parts, not links: a partner's mailbox keeps the email for months, and the portal's
delivery URLs are signed and expire (PREVIEW_LINK_TTL) by design — links would break, and
public never-expiring CDN URLs would defeat the protected delivery. So at send time the
outbox asks Cloudinary (the SDK's signed URL, a 480 px still) for each version's bytes and
embeds them; the email then needs nothing from the CDN when it is read.
"""

from __future__ import annotations

import requests

from assets.models import Asset, AssetVersion

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


def for_notices(user, notices) -> dict[int, dict]:
    """What a notice of a new version shows in the notification centre beside its text, by
    notice id: `previews`, the versions side by side (the email's inline images, as signed
    stills made now, so they expire like any delivery link, and only of assets the user can
    still see), and `confirm`, the organisation's pending acknowledgement it asks for (one
    click). A handful of queries for a page of notices."""
    from assets.cloudinary.delivery import version_preview_url
    from compliance.models import Acknowledgement
    from compliance.services import open_for

    wanted: dict[int, list[tuple[str, int]]] = {}
    reminded: dict[int, int] = {}
    for notice in notices:
        for image in notice.images or []:
            prefix, _, rest = str(image.get("source", "")).partition(":")
            if prefix == SOURCE and rest.isdigit():
                wanted.setdefault(notice.pk, []).append((str(image.get("caption", "")),
                                                         int(rest)))
        parts = notice.key.split(":")
        if notice.kind == "ack_due" and parts[0] == "ack-reminder" and parts[1].isdigit():
            reminded[notice.pk] = int(parts[1])
    versions = {v.pk: v for v in AssetVersion.objects.select_related("asset").filter(
        pk__in={pk for pairs in wanted.values() for _, pk in pairs})}
    visible = set(Asset.objects.visible_to(user).filter(
        pk__in={v.asset_id for v in versions.values()}).values_list("pk", flat=True))
    reminder_assets = dict(Acknowledgement.objects.filter(pk__in=reminded.values())
                           .values_list("pk", "asset_id"))
    pending = {ack.asset_id: ack for ack in open_for(user)}
    details: dict[int, dict] = {}
    for notice in notices:
        shown = [(caption, versions[pk]) for caption, pk in wanted.get(notice.pk, [])
                 if pk in versions and versions[pk].asset_id in visible]
        previews = [{"caption": caption, "url": url} for caption, version in shown
                    if (url := version_preview_url(version))]
        asset_id = (shown[-1][1].asset_id if shown
                    else reminder_assets.get(reminded.get(notice.pk)))
        confirm = pending.get(asset_id) if notice.kind == "ack_due" else None
        if previews or confirm:
            details[notice.pk] = {"previews": previews, "confirm": confirm}
    return details

"""Download presets as Cloudinary named transformations, and their derivatives made ahead.

- `preset_sync_transformation`: after a preset is saved, Cloudinary gets (or keeps) the named
  transformation `portal_<slug>` with the preset's definition, allowed under strict
  transformations. Idempotent: it reads first and changes only what differs (`unsafe_update`
  for a changed definition, so only newly generated derivatives use it).
- `derivatives_request`: when a version is released, the derivatives of the presets of the
  communities that will see it (and the global ones) are generated ahead with `explicit` +
  eager (async, notified to `/hooks/cloudinary/`), one `DerivativeFact` row per preset.
- `derivatives_recorded`: the eager answer or notification fills in each derivative's real
  format, pixel size and bytes ("JPG · 1200 × 800 · ~180 KB").

Network calls happen outside transactions; each write is one transaction, audited.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets.cloudinary import variants as cloud
from assets.cloudinary.delivery import DELIVERY_TYPE
from assets.models import AssetVersion, DerivativeFact, DownloadPreset
from assets.selectors import preset_applies
from audit import record

log = logging.getLogger(__name__)
ACTOR = "portal-presets"


def eager_spec(preset: DownloadPreset, original_format: str) -> tuple[str, str]:
    """``(transformation, format)`` Cloudinary is asked for: ``t_<name>`` once synced."""
    transformation = (f"t_{preset.named_transformation}" if preset.delivered_through_name
                      else preset.transformation)
    return transformation, (preset.format or original_format or "").lower()


# -- named transformations ------------------------------------------------------------
def preset_sync_transformation(*, preset_id: int) -> str:
    """Make Cloudinary hold `portal_<slug>` = the preset's transformation (idempotent)."""
    preset = DownloadPreset.objects.filter(pk=preset_id).first()
    if preset is None or not preset.transformation:
        return "nothing to do"
    if preset.delivered_through_name:
        return "already in Cloudinary"
    name, definition = preset.transformation_name, preset.transformation
    try:
        current = cloud.named_transformation(name)
        if current is None:
            cloud.create_named_transformation(name, definition)
            outcome = "created"
        else:
            cloud.update_named_transformation(name, definition)
            outcome = "updated"
    except cloud.CloudinaryError as exc:
        DownloadPreset.objects.filter(pk=preset.pk).update(sync_error=str(exc)[:2000])
        if exc.transient:
            raise
        return f"refused: {exc}"
    with transaction.atomic():
        DownloadPreset.objects.filter(pk=preset.pk, transformation=definition).update(
            named_transformation=name, synced_definition=definition, sync_error="")
        record("preset.transformation_synced", actor=ACTOR, target=preset,
               payload={"name": name, "definition": definition, "outcome": outcome})
    return outcome


def queue_transformation_sync(preset: DownloadPreset) -> None:
    """After the caller's transaction: push the preset to Cloudinary (a task)."""
    from assets.tasks import sync_preset_transformation

    transaction.on_commit(lambda pk=preset.pk: sync_preset_transformation.delay(pk))


# -- derivatives ahead ----------------------------------------------------------------
def presets_for_communities(asset, community_ids) -> list[DownloadPreset]:
    """Active presets with a transformation that apply to `asset`: the global ones and those
    of `community_ids` (the communities that will see it)."""
    presets = (DownloadPreset.objects.filter(active=True).exclude(transformation="")
               .filter(Q(communities__isnull=True) | Q(communities__in=list(community_ids)))
               .distinct().prefetch_related("kinds").order_by("position", "pk"))
    return [p for p in presets if preset_applies(p, asset)]


def derivatives_request(*, version_pk: int, community_ids) -> str:
    """Ask Cloudinary to generate ahead the derivatives partners will download."""
    version = (AssetVersion.objects.select_related("asset").filter(pk=version_pk).first())
    if version is None or not version.delivery_public_id or version.asset.resource_type != "image":
        return "nothing to do"
    presets = presets_for_communities(version.asset, community_ids)
    wanted = {p.pk: eager_spec(p, version.format) for p in presets}
    done = set(DerivativeFact.objects.filter(version=version, preset_id__in=list(wanted))
               .exclude(state=DerivativeFact.State.FAILED)
               .values_list("preset_id", "transformation"))
    todo = {pk: spec for pk, spec in wanted.items() if (pk, spec[0]) not in done}
    if not todo:
        return "already requested"
    answer = cloud.generate_eager(
        public_id=version.delivery_public_id, resource_type=version.asset.resource_type,
        delivery_type=DELIVERY_TYPE,
        notification_url=settings.CLOUDINARY_EAGER_NOTIFICATION_URL or None,
        eager=[f"{t}/{fmt}" if fmt else t for t, fmt in todo.values()])
    with transaction.atomic():
        for preset_pk, (transformation, fmt) in todo.items():
            DerivativeFact.objects.update_or_create(
                version=version, preset_id=preset_pk,
                defaults={"transformation": transformation, "format": fmt,
                          "state": DerivativeFact.State.PENDING, "width": None,
                          "height": None, "bytes": None, "error": "",
                          "batch_id": str(answer.get("batch_id") or ""),
                          "requested_at": timezone.now(), "generated_at": None})
        record("asset.derivatives_requested", actor=ACTOR, target=version.asset,
               asset_version=version.version,
               payload={"presets": sorted(todo), "batch_id": answer.get("batch_id")})
        if answer.get("eager"):
            _fill(version.delivery_public_id, answer["eager"])
    return f"requested {len(todo)}"


def _fill(public_id: str, entries: list[dict]) -> int:
    facts = {f.transformation: f for f in DerivativeFact.objects.select_for_update().filter(
        version__delivery_public_id=public_id)}
    filled = 0
    for entry in entries:
        fact = facts.get(str(entry.get("transformation") or ""))
        if fact is None:
            continue
        fact.state = DerivativeFact.State.READY
        fact.format = str(entry.get("format") or fact.format)[:10]
        fact.width, fact.height = entry.get("width"), entry.get("height")
        fact.bytes, fact.generated_at = entry.get("bytes"), timezone.now()
        fact.save(update_fields=["state", "format", "width", "height", "bytes",
                                 "generated_at"])
        filled += 1
    return filled


def derivatives_recorded(*, payload: dict) -> tuple[bool, str]:
    """Apply an `eager` notification (inside the notification's transaction)."""
    public_id, entries = payload.get("public_id"), payload.get("eager") or []
    if not public_id or not isinstance(entries, list):
        return False, "eager notification without public_id or eager"
    filled = _fill(str(public_id), [e for e in entries if isinstance(e, dict)])
    if filled:
        version = AssetVersion.objects.filter(delivery_public_id=public_id).first()
        record("asset.derivatives_generated", actor=ACTOR, target=version.asset,
               asset_version=version.version, payload={"derivatives": filled})
    return bool(filled), f"derivative facts recorded: {filled}"

"""Masters and locale variants: who is whose variant, from Cloudinary.

An asset with a `locale` can be a locale variant of a master. The relation is read, in order:

1. the convention (`ASSET_VARIANTS`): a structured-metadata field or context key `master`
   holding the master's public id or asset id. It costs no API call;
2. Cloudinary's related assets (`resource_by_asset_id(related=True)`, one Admin call per 100
   related assets). Relations are two-way, so the direction is decided here: the master is
   the one related asset without a locale; failing that (none, or several), the earliest
   created of the asset and the assets related to it — when that is the asset itself, it
   is a master, not a variant. Assets without a locale are never variants.

Cost: one Admin call per *new or changed* localized asset without the convention field, so
at most 1,000 calls per 1,000 assets on a first full sync when every asset is a localized
one (the demo: 27 of 96), none for unchanged pages, and none at all with the convention.
Cloudinary sends no notification when relations change, so they are also re-read when a
notification about the asset arrives and by `sync_assets --relations` (all localized assets).
Network calls happen first; each write is one transaction, audited (`asset.master_changed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from assets.cloudinary import variants as cloud
from assets.models import Asset
from audit import record
from communities import grants

log = logging.getLogger(__name__)
ACTOR = "cloudinary-sync"


@dataclass
class Relation:
    """What the sources said about one asset: its master (an Asset) or None, and from where."""

    asset: Asset
    master: Asset | None
    source: str


def convention_master(asset: Asset) -> str:
    """The master's public id or asset id named by the `master` field or key, or ""."""
    conf = settings.ASSET_VARIANTS
    metadata = asset.metadata if isinstance(asset.metadata, dict) else {}
    context = asset.context if isinstance(asset.context, dict) else {}
    return str(metadata.get(conf["master_metadata"]) or context.get(conf["master_context"])
               or "").strip()


def _by_reference(reference: str) -> Asset | None:
    return (Asset.objects.live().filter(Q(asset_id=reference) | Q(public_id=reference))
            .order_by("pk").first())


def _earliest(assets: list[Asset]) -> Asset:
    return min(assets, key=lambda a: (a.cloudinary_created_at is None,
                                      a.cloudinary_created_at, a.pk))


def master_among(asset: Asset, related: list[Asset]) -> Asset | None:
    """The master of `asset` among the assets related to it (None: it is no variant)."""
    if not asset.locale or not related:
        return None
    unlocalized = [a for a in related if not a.locale]
    if len(unlocalized) == 1:
        chosen = unlocalized[0]
    else:
        chosen = _earliest([asset, *related])
        if chosen.pk == asset.pk:
            return None
    # a master is never itself a variant: follow one step up if the data says so
    return chosen.master if chosen.master_id and chosen.master_id != asset.pk else chosen


def read_relations(asset_ids: list[str]) -> list[Relation]:
    """Ask the sources about these assets (network calls; call outside transactions)."""
    relations = []
    # only localized assets and former variants have a relation to read (a sync page's
    # other rows are not loaded at all)
    assets = list(Asset.objects.live().filter(asset_id__in=list(asset_ids)).filter(
        ~Q(locale="") | Q(master__isnull=False)).order_by("pk"))
    for asset in assets:
        if not asset.locale:
            if asset.master_id:
                relations.append(Relation(asset, None, ""))
            continue
        reference = convention_master(asset)
        if reference:
            master = _by_reference(reference)
            relations.append(Relation(asset, master if master and master.pk != asset.pk
                                      else None, "convention"))
            continue
        if not settings.ASSET_VARIANTS["related_assets"]:
            continue
        found = cloud.related_assets(asset.asset_id)
        if found is None:
            continue  # gone from Cloudinary: the sync retires it
        ids = [str(item.get("asset_id")) for item in found if item.get("asset_id")]
        related = list(Asset.objects.live().filter(asset_id__in=ids))
        master = master_among(asset, related)
        relations.append(Relation(asset, master, "related"))
        if master is None:
            # `asset` is a master: variants mirrored before it (no master then) join it now
            relations += [Relation(other, asset, "related") for other in related
                          if other.locale and other.master_id is None
                          and not convention_master(other)]
    return relations


def apply_relations(relations: list[Relation], *, actor: str = ACTOR) -> int:
    """Write the masters that changed, in one transaction, audited; returns how many."""
    changed = 0
    with transaction.atomic():
        for relation in relations:
            asset = Asset.objects.select_for_update().get(pk=relation.asset.pk)
            master_pk = relation.master.pk if relation.master else None
            source = relation.source if master_pk else ""
            if asset.master_id == master_pk and asset.master_source == source:
                continue
            previous = asset.master_id
            asset.master_id, asset.master_source = master_pk, source
            asset.save(update_fields=["master", "master_source"])
            # this asset's own variants move to its master (no chains)
            if master_pk:
                moved = list(Asset.objects.filter(master=asset).values_list("pk", flat=True))
                Asset.objects.filter(pk__in=moved).update(master_id=master_pk)
                grants.refresh_assets(moved)  # a queryset update sends no signal
            record("asset.master_changed", actor=actor, target=asset,
                   payload={"master": relation.master.asset_id if relation.master else None,
                            "previous_master_pk": previous, "source": source})
            changed += 1
    return changed


def refresh_relations(asset_ids, *, actor: str = ACTOR) -> int:
    """Read and write the master relation of these assets (idempotent)."""
    asset_ids = list(asset_ids)
    if not asset_ids:
        return 0
    return apply_relations(read_relations(asset_ids), actor=actor)


def refresh_all(batch: int = 500, *, actor: str = ACTOR) -> int:
    """Re-read every live localized asset's relations (`sync_assets --relations`)."""
    changed, last = 0, 0
    while True:
        ids = list(Asset.objects.live().exclude(locale="").filter(pk__gt=last).order_by("pk")
                   .values_list("pk", "asset_id")[:batch])
        if not ids:
            return changed
        last = ids[-1][0]
        changed += refresh_relations([a for _, a in ids], actor=actor)

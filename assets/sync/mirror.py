"""Upsert Cloudinary resources into the catalog, many at a time.

`upsert_resources` is shared by the full and delta syncs (a page of 500) and by webhook
notifications (one resource). It reads the existing rows once, skips unchanged ones by
fingerprint (one narrow query per page, no row locked), ignores stale data (a version
older than the one we hold), and writes the rest with lean multi-row INSERTs
(assets/sync/bulk.py) and per-row UPDATEs, recording an audit event per asset it changes.

A new asset and its first version are each written once: their ids are taken from the
sequences first, so the asset row is INSERTed already pointing at its version and carrying
its delivery flag. Unchanged rows are not written at all; a full run records what it saw
per page (`SyncRunPage`, assets/sync/runs.py) from `Counts.seen_pks`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from assets import releases
from assets.cloudinary.client import parse_time
from assets.models import ApprovalState, Asset, AssetVersion, ReviewState
from assets.search import compose_search_document
from assets.services import auto_approves
from assets.signals import send_version_added
from assets.sync.bulk import allocate_ids, insert_objects, insert_rows
from assets.taxonomy import TermCache, Terms, context_of, resolve
from audit import record_many
from communities import grants

ACTOR = "cloudinary-sync"
MIRRORED = (
    "public_id", "resource_type", "delivery_type", "asset_folder", "title", "description",
    "format", "bytes", "width", "height", "duration", "pages", "locale", "tags", "context",
    "metadata", "version", "cloudinary_created_at", "cloudinary_updated_at", "kind_id",
    "product_line_id", "campaign_id", "search_document", "sync_fingerprint", "access_mode",
)
UPDATE_FIELDS = [*MIRRORED, "retired", "retired_at", "approval_state", "approval_at",
                 "approval_by", "approval_reason", "current_version", "synced_at"]


@dataclass
class Counts:
    """What an upsert did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    asset_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)  # created or updated
    seen_pks: list[int] = field(default_factory=list)  # every row the page holds now

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _updated_at(resource: dict) -> str | None:
    last = resource.get("last_updated")
    if isinstance(last, dict) and last.get("updated_at"):
        return last["updated_at"]
    return resource.get("updated_at")


def fingerprint_source(resource: dict, terms: Terms, context: dict | None = None) -> dict:
    """Everything the catalog mirrors of a resource, in a canonical shape."""
    context = context_of(resource) if context is None else context
    metadata = resource.get("metadata") if isinstance(resource.get("metadata"), dict) else {}
    public_id = str(resource.get("public_id") or "")
    title = (metadata.get("title") or context.get("title") or resource.get("display_name")
             or public_id.rsplit("/", 1)[-1])
    return {
        "public_id": public_id,
        "resource_type": str(resource.get("resource_type") or "image"),
        "delivery_type": str(resource.get("type") or "upload"),
        "asset_folder": str(resource.get("asset_folder") or ""),
        "title": str(title)[:300],
        "description": str(context.get("description") or ""),
        "alt": str(context.get("alt") or ""),
        "format": str(resource.get("format") or ""),
        "bytes": _int(resource.get("bytes")) or 0,
        "width": _int(resource.get("width")) or None,
        "height": _int(resource.get("height")) or None,
        "duration": _float(resource.get("duration")),
        "pages": _int(resource.get("pages")) or None,
        "locale": str(metadata.get("locale") or context.get("locale") or "")[:35],
        "tags": sorted(str(t) for t in resource.get("tags") or []),
        "context": context,
        "metadata": metadata,
        "version": _int(resource.get("version")) or 0,
        "created_at": resource.get("created_at"),
        "updated_at": _updated_at(resource),
        "moderation_status": resource.get("moderation_status") or _moderation(resource),
        "access_mode": str(resource.get("access_mode") or "")[:20],
        "terms": [terms.product_line, terms.campaign, terms.kind, list(terms.markets)],
    }


def _moderation(resource: dict) -> str | None:
    entries = resource.get("moderation")
    if isinstance(entries, list) and entries and isinstance(entries[-1], dict):
        return entries[-1].get("status")
    return None


def fingerprint(source: dict) -> str:
    raw = json.dumps(source, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _fields(source: dict, terms: Terms, cache: TermCache, digest: str) -> dict:
    names = [cache.name("product_line", terms.product_line), cache.name("campaign", terms.campaign),
             cache.name("kind", terms.kind), *(cache.name("market", m) for m in terms.markets)]
    document = compose_search_document(
        title=source["title"], tags=source["tags"], names=names,
        description=" ".join(filter(None, [source["description"], source["alt"]])),
        public_id=source["public_id"])
    return {
        **{k: source[k] for k in ("public_id", "resource_type", "delivery_type", "asset_folder",
                                  "title", "description", "format", "bytes", "width", "height",
                                  "duration", "pages", "locale", "tags", "context", "metadata",
                                  "version", "access_mode")},
        "cloudinary_created_at": parse_time(source["created_at"]),
        "cloudinary_updated_at": parse_time(source["updated_at"]),
        "kind_id": cache.pk("kind", terms.kind),
        "product_line_id": cache.pk("product_line", terms.product_line),
        "campaign_id": cache.pk("campaign", terms.campaign),
        "search_document": document,
        "sync_fingerprint": digest,
    }


@dataclass
class _Item:
    resource: dict
    terms: Terms
    source: dict
    digest: str
    asset: Asset | None = None
    previous_version: int | None = None
    changed: list[str] = field(default_factory=list)


def upsert_resources(resources: list[dict], *, cache: TermCache | None = None,
                     actor: str = ACTOR) -> Counts:
    """Mirror Cloudinary resources into the catalog (call inside a transaction).

    Writes nothing for resources the catalog already holds unchanged (or newer).
    """
    cache = cache or TermCache()
    items = _prepare(resources)
    cache.ensure(item.terms for item in items.values())
    counts = Counts(asset_ids=list(items))
    existing = _existing(items, counts)
    now = timezone.now()
    new, changed = [], []
    for asset_id, item in items.items():
        if asset_id in existing and existing[asset_id] is None:
            continue  # unchanged or stale: counted by _existing
        asset = existing.get(asset_id)
        values = _fields(item.source, item.terms, cache, item.digest)
        if asset is None:
            item.asset = Asset(asset_id=asset_id, synced_at=now, **values)
            _initial_approval(item.asset, item.source["moderation_status"], now,
                              item.terms.kind)
            new.append(item)
            continue
        item.asset, item.previous_version = asset, asset.version
        item.changed = [k for k, v in values.items()
                        if k not in ("sync_fingerprint", "search_document")
                        and getattr(asset, k) != v]
        for key, value in values.items():
            setattr(asset, key, value)
        asset.synced_at = now
        changed.append(item)
    events: list[dict] = []
    _free_public_ids([i.asset for i in new + changed], actor, events)
    _write(new, changed, now, cache)
    _apply_cloudinary_moderation(changed, now)
    _audit(new, changed, actor, events)
    record_many(events)
    releases.queue_pending([i.asset.pk for i in new if i.asset.delivery_pending])
    releases.mark_pending([i.asset.pk for i in changed if _needs_delivery(i)])
    counts.created, counts.updated = len(new), len(changed)
    counts.changed_ids = [item.asset.asset_id for item in new + changed]
    counts.seen_pks += [item.asset.pk for item in new + changed]
    return counts


def _prepare(resources: list[dict]) -> dict[str, _Item]:
    items: dict[str, _Item] = {}
    for resource in resources:
        asset_id = resource.get("asset_id")
        if not asset_id or not resource.get("public_id"):
            continue  # nothing to key it on; Cloudinary always sends both
        if releases.is_portal_copy(resource["public_id"]):
            continue  # the portal's own delivery copy of an approved version
        context = context_of(resource)
        terms = resolve(resource, context)
        source = fingerprint_source(resource, terms, context)
        items[str(asset_id)] = _Item(resource, terms, source, fingerprint(source))
    return items


def _existing(items: dict[str, _Item], counts: Counts) -> dict[str, Asset | None]:
    """The rows we hold for `items`: None for those to skip (unchanged or stale), the
    locked row for those to write.

    A narrow query decides first, without locking, so an unchanged page (most of them)
    loads no full row and writes nothing (a row lock would dirty every row's page). The
    rows to write are locked and decided again, as a webhook may have written them since.
    """
    existing, load = {}, []
    for pk, asset_id, version, digest, retired in Asset.objects.filter(
            asset_id__in=list(items)).values_list(
            "pk", "asset_id", "version", "sync_fingerprint", "retired"):
        counts.seen_pks.append(pk)
        if _skip(items[asset_id], version, digest, retired, counts):
            existing[asset_id] = None
        else:
            load.append(asset_id)
    if load:
        for asset in Asset.objects.select_for_update().filter(asset_id__in=load).order_by("pk"):
            skip = _skip(items[asset.asset_id], asset.version, asset.sync_fingerprint,
                         asset.retired, counts)
            existing[asset.asset_id] = None if skip else asset
    return existing


def _skip(item: _Item, version: int, digest: str, retired: bool, counts: Counts) -> bool:
    """Whether the row we hold needs no write: it is newer (stale data) or the same."""
    if item.source["version"] < version:
        counts.stale += 1
        return True
    if digest == item.digest and not retired:
        counts.unchanged += 1
        return True
    return False


def _initial_approval(asset: Asset, moderation_status: str | None, now, kind: str | None
                      ) -> None:
    """New assets are pending unless Cloudinary already decided or their kind auto-approves."""
    if moderation_status in (ApprovalState.APPROVED, ApprovalState.REJECTED):
        asset.approval_state = moderation_status
        asset.approval_at = now
        asset.approval_reason = "decided in Cloudinary"
    elif auto_approves(kind):
        asset.approval_state, asset.approval_at = ApprovalState.APPROVED, now
        asset.approval_reason = "approved automatically (kind set to auto-approve)"


def _event(action: str, actor: str, asset: Asset, **payload) -> dict:
    return {"action": action, "actor": actor, "target": asset, "asset_version": asset.version,
            "payload": payload}


def _free_public_ids(assets: list[Asset], actor: str, events: list[dict]) -> None:
    """Retire live rows that hold a public id Cloudinary now gives to another asset."""
    keys = {(a.resource_type, a.delivery_type, a.public_id): a.asset_id for a in assets}
    if not keys:
        return
    holders = Asset.objects.live().filter(public_id__in={k[2] for k in keys}).exclude(
        asset_id__in=set(keys.values()))
    for holder in holders:
        taker = keys.get((holder.resource_type, holder.delivery_type, holder.public_id))
        if taker:
            holder.retired, holder.retired_at = True, timezone.now()
            holder.save(update_fields=["retired", "retired_at"])
            releases.revoke_asset_links([holder.pk], reason="public id taken over")
            events.append(_event("asset.retired", actor, holder, replaced_by=taker,
                                 reason="public id now belongs to another asset"))


def _write(new: list[_Item], changed: list[_Item], now, cache: TermCache) -> None:
    _insert_new(new, now)
    for item in changed:
        if item.asset.retired:
            item.asset.retired, item.asset.retired_at = False, None
            item.changed.append("retired")
    versioned = [i for i in changed if i.asset.version != i.previous_version]
    if versioned:
        numbers = dict(AssetVersion.objects.filter(asset__in=[i.asset.pk for i in versioned])
                       .values("asset_id").annotate(n=Max("number"))
                       .values_list("asset_id", "n"))
        insert_objects([_version_row(i, numbers.get(i.asset.pk, 0) + 1, now)
                        for i in versioned], ignore_conflicts=True)
        # An undecided older version is never going to be released: the newer one waits.
        AssetVersion.objects.filter(
            asset_id__in=[i.asset.pk for i in versioned],
            review_state=ReviewState.PENDING, version__lt=F("asset__version"),
        ).update(review_state=ReviewState.SUPERSEDED)
    if changed:
        versions = {(v.asset_id, v.version): v for v in AssetVersion.objects.filter(
            asset__in=[i.asset for i in changed])}
        for item in changed:
            asset = item.asset
            asset.current_version = versions.get((asset.pk, asset.version),
                                                 asset.current_version)
            Asset.objects.filter(pk=asset.pk).update(
                **{name: getattr(asset, name) for name in UPDATE_FIELDS})
    _set_markets(new, changed, cache)
    # the rows were written in bulk (no model signals): their grants in the same transaction
    grants.refresh_assets([i.asset.pk for i in new + changed])
    _resummarize([i for i in changed if i.asset.version != i.previous_version])


def _insert_new(new: list[_Item], now) -> None:
    """Each new asset and its first version in one INSERT each, pointing at each other.

    The ids come from the sequences first; the asset's foreign key to its version is
    checked at commit (Django's foreign keys are deferrable, initially deferred).
    """
    if not new:
        return
    for item, pk, version_pk in zip(new, allocate_ids(Asset, len(new)),
                                    allocate_ids(AssetVersion, len(new)), strict=True):
        item.asset.pk, item.asset.current_version_id = pk, version_pk
        item.asset.delivery_pending = _needs_delivery(item, new=True)
    versions = [_version_row(item, 1, now) for item in new]
    for item, version in zip(new, versions, strict=True):
        version.pk = item.asset.current_version_id
    insert_objects([item.asset for item in new])
    insert_objects(versions)


def _resummarize(items: list[_Item]) -> None:
    """A new version changes an asset's summary only when it is approved or the first
    decision to come (a rejected asset with a new pending version is pending again)."""
    from assets.services import summarize

    for item in items:
        state = summarize(item.asset)
        if state != item.asset.approval_state:
            item.asset.approval_state = state
            Asset.objects.filter(pk=item.asset.pk).update(approval_state=state)


def _version_row(item: _Item, number: int, now) -> AssetVersion:
    """A version as Cloudinary reports it, with its review state.

    A first version takes Cloudinary's moderation decision; a new version of a known
    asset always waits for review (Cloudinary may still report the previous version's
    status), unless its kind is set to auto-approve.
    """
    asset, first = item.asset, number == 1
    state = ReviewState.PENDING
    if first and asset.approval_state in (ApprovalState.APPROVED, ApprovalState.REJECTED):
        state = asset.approval_state
    elif auto_approves(item.terms.kind):
        state = ReviewState.APPROVED
    return AssetVersion(
        asset_id=asset.pk, version=asset.version, number=number, bytes=asset.bytes,
        etag=str(item.resource.get("etag") or "")[:64], format=asset.format,
        width=asset.width, height=asset.height, duration=asset.duration, pages=asset.pages,
        tags=asset.tags, metadata=asset.metadata, review_state=state,
        reviewed_at=now if state != ReviewState.PENDING else None,
        review_reason=asset.approval_reason if state != ReviewState.PENDING else "",
        created_at=parse_time(item.resource.get("uploaded_at")) or parse_time(
            item.resource.get("created_at") if first else None) or
        asset.cloudinary_updated_at or asset.cloudinary_created_at or now)


def _set_markets(new: list[_Item], changed: list[_Item], cache: TermCache) -> None:
    through = Asset.markets.through
    if changed:  # new assets have no links yet
        through.objects.filter(asset_id__in=[i.asset.pk for i in changed]).delete()
    items = new + changed
    insert_rows(through, ["asset_id", "market_id"],
                [(item.asset.pk, cache.pk("market", slug))
                 for item in items for slug in item.terms.markets])


def _apply_cloudinary_moderation(changed: list[_Item], now) -> None:
    """Honour a decision made in Cloudinary unless ours is still on its way there."""
    from assets import services

    candidates = [
        i for i in changed
        if i.source["moderation_status"] in (ApprovalState.APPROVED, ApprovalState.REJECTED)
        and not i.asset.moderation_push_pending
        # a new version waits for review: the status may still be the old version's
        and i.asset.version == i.previous_version]
    if not candidates:
        return
    versions = {v.asset_id: v for v in AssetVersion.objects.filter(
        asset_id__in=[i.asset.pk for i in candidates], version=F("asset__version"))}
    for item in candidates:
        version, status = versions.get(item.asset.pk), item.source["moderation_status"]
        if version is None or version.review_state == status:
            continue
        version.asset = item.asset
        services.version_decide(version=version, state=status, actor=None,
                                source="cloudinary", decided_at=now)


def _needs_delivery(item: _Item, *, new: bool = False) -> bool:
    """Whether an asset has a version to release (a first version approved on arrival, a
    new version of an auto-approved kind) or a public master to restrict; decisions queue
    their own work."""
    asset = item.asset
    if new and asset.approval_state == ApprovalState.APPROVED:
        return True
    if not new and asset.version != item.previous_version and auto_approves(item.terms.kind):
        return True
    restrict = settings.CLOUDINARY_RESTRICT_MASTERS and settings.CLOUDINARY_AUTH_TOKEN_KEY
    return bool(restrict and asset.delivery_type == "upload"
                and asset.access_mode != "authenticated")


def _audit(new: list[_Item], changed: list[_Item], actor: str, events: list[dict]) -> None:
    for item in new:
        events.append(_event("asset.synced", actor, item.asset, created=True,
                             approval_state=item.asset.approval_state))
    for item in changed:
        asset = item.asset
        if "retired" in item.changed:
            events.append(_event("asset.restored", actor, asset,
                                 reason="present in Cloudinary again"))
        if asset.version != item.previous_version:
            events.append(_event("asset.version_added", actor, asset,
                                 previous_version=item.previous_version))
            transaction.on_commit(lambda a=asset, v=asset.current_version:
                                  send_version_added(a, v))
        fields = sorted(set(item.changed) - {"retired", "version"})
        if fields:
            events.append(_event("asset.synced", actor, asset, changed=fields))

"""Recomputing a kit's readiness: one SlotStatus per slot × market, a snapshot, embargoes.

`kit_recompute` reads the kit's candidates in a handful of queries whatever the catalog's
size (the campaign's assets, the hand-picked fills, their markets and measured
derivatives), judges every cell in Python, and writes only the cells that changed. Network
calls (measuring a preset's derivative) happen before, outside the transaction
(`measure_derivatives`).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets.cloudinary import client
from assets.models import ApprovalState, Asset, ReviewState
from launches import checks
from launches.models import (
    CellState,
    DerivativeFacts,
    KitConfirmation,
    LaunchKit,
    ReadinessSnapshot,
    SlotFill,
    SlotStatus,
)

log = logging.getLogger(__name__)
RANK = {CellState.READY: 0, CellState.PENDING: 1, CellState.FAILING: 2, CellState.MISSING: 3}
READY_STATES = (CellState.READY, CellState.SUPERSEDED)


def _candidates(kit) -> dict[int, Asset]:
    """The kit's campaign assets (rule fills) and its hand-picked ones, by pk."""
    fills = SlotFill.objects.filter(slot__kit=kit).values("asset_id")
    by_campaign = Q(campaign_id=kit.campaign_id, retired=False)
    if kit.product_line_id:
        by_campaign &= Q(product_line_id=kit.product_line_id)
    assets = (Asset.objects.filter(by_campaign | Q(pk__in=fills))
              .select_related("approved_version", "current_version")
              .only("pk", "title", "public_id", "kind_id", "tags", "retired", "resource_type",
                    "approval_state", "release_public_id", "approved_version",
                    "current_version", "campaign_id", "product_line_id"))
    return {asset.pk: asset for asset in assets}


def _markets_of(asset_ids) -> dict[int, set[int]]:
    markets = defaultdict(set)
    rows = Asset.markets.through.objects.filter(asset_id__in=asset_ids)
    for asset_id, market_id in rows.values_list("asset_id", "market_id"):
        markets[asset_id].add(market_id)
    return markets


def _rule_matches(slot, asset, markets: set[int], market_id: int) -> bool:
    if asset.retired or (markets and market_id not in markets):
        return False
    if slot.kind_id and asset.kind_id != slot.kind_id:
        return False
    return not slot.match_tag or slot.match_tag in (asset.tags or [])


def judge(asset, rules: dict, derivatives: dict) -> tuple[str, list[str], int | None]:
    """(state, reasons, version id that counts) for one asset against effective rules."""
    if asset.retired:
        return CellState.MISSING, ["the asset is retired"], None
    approved = asset.approved_version if asset.approval_state == ApprovalState.APPROVED else None
    current = asset.current_version
    newer_pending = current is not None and current.review_state == ReviewState.PENDING and (
        approved is None or current.version > approved.version)
    if approved is None:
        if newer_pending:
            return CellState.PENDING, [f"version {current.number} awaits approval"], None
        return CellState.MISSING, ["no approved version"], None
    if rules["preset_id"]:
        measured = derivatives.get((approved.pk, rules["preset_id"]))
        if measured is None:
            return CellState.PENDING, ["the preset's derivative is not measured yet"], approved.pk
        facts = checks.derivative_facts(measured, asset.resource_type, approved)
    else:
        facts = checks.version_facts(approved, asset.resource_type)
    reasons = checks.unmet(rules, facts)
    if reasons:
        return CellState.FAILING, reasons, approved.pk
    if newer_pending:
        return CellState.PENDING, [f"version {current.number} awaits approval; partners get "
                                   f"version {approved.number}"], approved.pk
    return CellState.READY, [], approved.pk


def _judge_cell(slot, market_id, rules, fills, candidates, markets, derivatives):
    fill = fills.get((slot.pk, market_id)) or fills.get((slot.pk, None))
    if fill is not None:
        options = [candidates[fill]] if fill in candidates else []
    elif slot.fills_by_rule:
        options = [a for a in candidates.values()
                   if _rule_matches(slot, a, markets.get(a.pk, set()), market_id)]
    else:
        options = []
    if not options:
        return CellState.MISSING, ["nothing fills this slot yet"], None, None
    best = None
    for asset in sorted(options, key=lambda a: a.pk):
        state, reasons, version_id = judge(asset, rules, derivatives)
        if best is None or RANK[state] < RANK[best[0]]:
            best = (state, reasons, asset.pk, version_id)
    return best


def _context(kit):
    slots = list(kit.slots.prefetch_related("market_rules"))
    market_ids = sorted(kit.markets.values_list("pk", flat=True))
    candidates = _candidates(kit)
    fills = {(f.slot_id, f.market_id): f.asset_id
             for f in SlotFill.objects.filter(slot__kit=kit)}
    markets = _markets_of(list(candidates))
    derivatives = {(d.version_id, d.preset_id): d for d in DerivativeFacts.objects.filter(
        version_id__in=[a.approved_version_id for a in candidates.values()
                        if a.approved_version_id])}
    return slots, market_ids, candidates, fills, markets, derivatives


def compute_cells(kit) -> list[SlotStatus]:
    """Every cell of the kit's matrix as it stands (unsaved)."""
    slots, market_ids, candidates, fills, markets, derivatives = _context(kit)
    cells = []
    for slot in slots:
        overrides = {r.market_id: r for r in slot.market_rules.all()}
        for market_id in market_ids:
            rules = checks.effective_rules(slot, overrides.get(market_id))
            state, reasons, asset_id, version_id = _judge_cell(
                slot, market_id, rules, fills, candidates, markets, derivatives)
            cells.append(SlotStatus(kit=kit, slot=slot, market_id=market_id, state=state,
                                    reasons=reasons, asset_id=asset_id, version_id=version_id))
    return cells


def measure_derivatives(kit) -> int:
    """Ask Cloudinary (explicit + eager) for the derivatives preset slots are judged on and
    that are not measured yet; outside any transaction. Returns how many were measured."""
    slots, market_ids, candidates, fills, markets, derivatives = _context(kit)
    wanted = set()
    for slot in slots:
        presets = {checks.effective_rules(slot, r)["preset_id"] for r in slot.market_rules.all()}
        presets.add(slot.preset_id)
        for preset_id in filter(None, presets):
            for market_id in market_ids:
                chosen = _chosen(slot, market_id, fills, candidates, markets)
                for asset in chosen:
                    version = asset.approved_version
                    if version and asset.release_public_id and (
                            version.pk, preset_id) not in derivatives:
                        wanted.add((asset, version, preset_id))
    measured = 0
    for asset, version, preset_id in sorted(wanted, key=lambda w: (w[1].pk, w[2])):
        measured += _measure(asset, version, preset_id)
    return measured


def _chosen(slot, market_id, fills, candidates, markets) -> list[Asset]:
    fill = fills.get((slot.pk, market_id)) or fills.get((slot.pk, None))
    if fill is not None:
        return [candidates[fill]] if fill in candidates else []
    if not slot.fills_by_rule:
        return []
    return [a for a in candidates.values()
            if _rule_matches(slot, a, markets.get(a.pk, set()), market_id)]


def _measure(asset, version, preset_id) -> int:
    from assets.models import DownloadPreset

    preset = DownloadPreset.objects.get(pk=preset_id)
    try:
        facts = client.derivative_facts(public_id=asset.release_public_id,
                                        resource_type=asset.resource_type,
                                        transformation=preset.transformation,
                                        fmt=preset.format)
    except client.CloudinaryError as exc:
        log.warning("derivative of %s for %s not measured: %s", version, preset.slug, exc)
        return 0
    DerivativeFacts.objects.update_or_create(
        version=version, preset=preset, transformation=preset.transformation,
        defaults={**facts, "format": facts["format"] or "", "fetched_at": timezone.now()})
    return 1


def _partner_markets(kit, partner_id, kit_markets: list[int]) -> list[int]:
    from communities.models import Community

    served = set(Community.markets.through.objects.filter(
        community__memberships__partner_id=partner_id,
        community__in=kit.communities.all()).values_list("market_id", flat=True))
    return [m for m in kit_markets if m in served] or kit_markets


def contents_for(kit, cells, partner_id) -> dict[str, int | None]:
    """What an organisation gets of the kit: "slot:market" → version id."""
    markets = set(_partner_markets(kit, partner_id, sorted({c.market_id for c in cells})))
    return {f"{c.slot_id}:{c.market_id}": c.version_id for c in cells if c.market_id in markets}


@transaction.atomic
def kit_recompute(kit_id: int) -> LaunchKit | None:
    """Rewrite the kit's matrix, readiness, snapshot, stale confirmations and embargoes."""
    from launches import services

    kit = LaunchKit.objects.select_for_update().filter(pk=kit_id).first()
    if kit is None:
        return None
    cells = compute_cells(kit)
    stale = _mark_stale_confirmations(kit, cells)
    superseded = _superseded_keys(kit, cells)
    for cell in cells:
        if cell.state == CellState.READY and (cell.slot_id, cell.market_id) in superseded:
            cell.state = CellState.SUPERSEDED
    _write_cells(kit, cells)
    required = [c for c in cells if c.slot.required]
    ready = sum(1 for c in required if c.state in READY_STATES)
    percent = round(100 * ready / len(required)) if required else 100
    last = kit.snapshots.order_by("-taken_at").first()
    if last is None or (last.readiness, last.ready, last.total) != (percent, ready, len(required)):
        ReadinessSnapshot.objects.create(kit=kit, readiness=percent, ready=ready,
                                         total=len(required))
    kit.readiness, kit.recomputed_at = percent, timezone.now()
    kit.save(update_fields=["readiness", "recomputed_at"])
    services.embargo_sync(asset_ids={c.asset_id for c in cells if c.asset_id})
    services.ask_to_confirm_again(kit=kit, partner_ids=stale)
    return kit


def _mark_stale_confirmations(kit, cells) -> list[int]:
    """Confirmations whose contents changed become stale; returns their partners."""
    stale = []
    for confirmation in KitConfirmation.objects.filter(kit=kit, stale=False):
        if contents_for(kit, cells, confirmation.partner_id) != confirmation.contents:
            stale.append(confirmation.partner_id)
    if stale:
        KitConfirmation.objects.filter(kit=kit, partner_id__in=stale).update(stale=True)
    return stale


def _superseded_keys(kit, cells) -> set[tuple[int, int]]:
    """Cells whose version differs from one an organisation confirmed (and must confirm again)."""
    keys = set()
    current = {(c.slot_id, c.market_id): c.version_id for c in cells}
    for contents in KitConfirmation.objects.filter(kit=kit, stale=True).values_list(
            "contents", flat=True):
        for key, version_id in contents.items():
            slot_id, _, market_id = key.partition(":")
            pair = (int(slot_id), int(market_id))
            if current.get(pair, version_id) != version_id:
                keys.add(pair)
    return keys


def _write_cells(kit, cells) -> None:
    existing = {(c.slot_id, c.market_id): c for c in kit.cells.all()}
    fields = ("state", "reasons", "asset_id", "version_id")
    changed, new = [], []
    for cell in cells:
        old = existing.pop((cell.slot_id, cell.market_id), None)
        if old is None:
            new.append(cell)
        elif any(getattr(old, f) != getattr(cell, f) for f in fields):
            for f in fields:
                setattr(old, f, getattr(cell, f))
            changed.append(old)
    SlotStatus.objects.bulk_create(new, batch_size=500)
    SlotStatus.objects.bulk_update(changed, ["state", "reasons", "asset", "version"],
                                   batch_size=500)
    if existing:
        SlotStatus.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()

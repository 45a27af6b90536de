"""Recomputing a kit's readiness: one SlotStatus per slot × market, a snapshot, embargoes.

`kit_recompute` reads the kit's candidates in a handful of queries whatever the catalog's
size (the campaign's assets, the hand-picked fills, their markets and measured
derivatives), judges every cell in Python, and writes only the cells that changed. Network
calls (measuring a preset's derivative, analysing an image's colours) happen before, outside
the transaction (`measure_derivatives`, `measure_colours`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
)
from django.utils import timezone

from assets.cloudinary import client
from assets.models import ApprovalState, Asset, ReviewState
from launches import candidates, checks
from launches.models import (
    CellState,
    ColourFacts,
    DerivativeFacts,
    KitConfirmation,
    LaunchKit,
    ReadinessSnapshot,
    SlotFill,
    SlotStatus,
)

log = logging.getLogger(__name__)
RANK = {CellState.READY: 0, CellState.PENDING: 1, CellState.UNPUBLISHED: 2,
        CellState.FAILING: 2, CellState.MISSING: 3}
READY_STATES = (CellState.READY, CellState.SUPERSEDED)
# slot_candidates' classes (0 ready, 1 pending, 2 failing, 3 missing) as RANK values.
RANK_OF_CLASS = {0: 0, 1: 1, 2: 2, 3: 3}


def judge(asset, rules: dict, derivatives: dict, colours: dict | None = None
          ) -> tuple[str, list[str], int | None]:
    """(state, reasons, version id that counts) for one asset against effective rules;
    `colours`: white share by version id (ColourFacts) for "on white" rules."""
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
    white = (colours or {}).get(approved.pk)
    if rules.get("min_white_percent") and asset.resource_type == "image" and white is None:
        return CellState.PENDING, ["its colours are not analysed yet"], approved.pk
    if rules["preset_id"]:
        measured = derivatives.get((approved.pk, rules["preset_id"]))
        if measured is None:
            return CellState.PENDING, ["the preset's derivative is not measured yet"], approved.pk
        facts = checks.derivative_facts(measured, asset.resource_type, approved, white)
    else:
        facts = checks.version_facts(approved, asset.resource_type, white)
    reasons = checks.unmet(rules, facts)
    if reasons:
        return CellState.FAILING, reasons, approved.pk
    if newer_pending:
        return CellState.PENDING, [f"version {current.number} awaits approval; partners get "
                                   f"version {approved.number}"], approved.pk
    return CellState.READY, [], approved.pk


def _base(kit, slot):
    """The kit's assets that a rule slot's kind and tag admit (not retired): indexed filters."""
    assets = Asset.objects.filter(campaign_id=kit.campaign_id, retired=False)
    if kit.product_line_id:
        assets = assets.filter(product_line_id=kit.product_line_id)
    if slot.kind_id:
        assets = assets.filter(kind_id=slot.kind_id)
    if slot.match_tag:
        if connection.vendor == "postgresql":
            assets = assets.filter(tags__contains=[slot.match_tag])
        else:  # SQLite has no JSON containment; the chosen asset is checked again in Python
            assets = assets.filter(tags__icontains=json.dumps(slot.match_tag))
    return assets


def _rule_groups(slot, market_ids):
    """The slot's effective rules and the markets that share them (market overrides)."""
    overrides = {r.market_id: r for r in slot.market_rules.all()}
    groups: dict = {}
    for market_id in market_ids:
        rules = checks.effective_rules(slot, overrides.get(market_id))
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in rules.items())
        groups.setdefault(key, (rules, []))[1].append(market_id)
    return list(groups.values())


def _slots_and_markets(kit):
    return (list(kit.slots.prefetch_related("market_rules")),
            sorted(kit.markets.values_list("pk", flat=True)))


def candidate_parts(kit, slots=None, market_ids=None, fills=None) -> list[tuple]:
    """(slot, rules, markets, SQL part) of every rule slot and rule group to ask about."""
    if slots is None:
        slots, market_ids = _slots_and_markets(kit)
    if fills is None:
        fills = set(SlotFill.objects.filter(slot__kit=kit).values_list("slot_id", "market_id"))
    parts = []
    for slot in slots:
        if not slot.fills_by_rule or (slot.pk, None) in fills:
            continue
        for rules, group in _rule_groups(slot, market_ids):
            if any((slot.pk, m) not in fills for m in group):
                parts.append((slot, rules, group,
                              candidates.slot_sql(kit, slot, rules, len(parts))))
    return parts


def candidate_statement(kit) -> tuple[str, list]:
    """The one SQL statement a recompute sends for its rule slots (the benchmark's floor)."""
    return candidates.statement([part for *_, part in candidate_parts(kit)])


def _load(asset_ids) -> dict[int, Asset]:
    assets = (Asset.objects.filter(pk__in=set(asset_ids))
              .select_related("approved_version", "current_version")
              .only("pk", "title", "public_id", "kind_id", "tags", "retired", "resource_type",
                    "approval_state", "release_public_id", "approved_version",
                    "current_version", "campaign_id", "product_line_id"))
    return {asset.pk: asset for asset in assets}


def compute_cells(kit) -> list[SlotStatus]:
    """Every cell of the kit's matrix as it stands (unsaved).

    Rule slots: one SQL statement (launches.candidates) picks, per slot and market, the
    best candidate; only those few assets are loaded and judged. Hand-picked fills are
    judged directly. Never a scan of the campaign's assets in Python."""
    slots, market_ids = _slots_and_markets(kit)
    fills = {(f.slot_id, f.market_id): f.asset_id
             for f in SlotFill.objects.filter(slot__kit=kit)}
    parts = candidate_parts(kit, slots, market_ids, fills)
    best: dict[tuple[int, int], list] = defaultdict(list)  # (slot, market) → [(class, id)]
    for group, market, cls, first in candidates.run([part for *_, part in parts]):
        slot, _, markets, _ = parts[group]
        for market_id in (markets if market is None else [market]):
            if market_id in markets:
                best[(slot.pk, market_id)].append((RANK_OF_CLASS[cls], first))
    plan = []  # (slot, market_id, rules, [candidate ids best first], by_rule)
    for slot in slots:
        for rules, group in _rule_groups(slot, market_ids):
            for market_id in group:
                fill = fills.get((slot.pk, market_id)) or fills.get((slot.pk, None))
                if fill is not None:
                    plan.append((slot, market_id, rules, [fill], False))
                elif slot.fills_by_rule:
                    ranked = [pk for _, pk in sorted(best.get((slot.pk, market_id), []))]
                    plan.append((slot, market_id, rules, ranked, True))
                else:
                    plan.append((slot, market_id, rules, [], False))
    wanted = {pk for *_, ranked, _ in plan for pk in ranked[:1]}
    assets = _load(wanted)
    derivatives, colours = _facts_of(assets, slots)
    outside = _outside_market({pk for _, _, _, ranked, by_rule in plan if not by_rule
                               for pk in ranked})
    cells, by_rule_cells = [], {}
    for slot, market_id, rules, ranked, by_rule in plan:
        asset = assets.get(ranked[0]) if ranked else None
        if asset is None or (by_rule and slot.match_tag not in ("", *(asset.tags or []))):
            state, reasons, asset_id, version_id = (CellState.MISSING,
                                                    ["nothing fills this slot yet"], None, None)
        else:
            state, reasons, version_id = judge(asset, rules, derivatives, colours)
            asset_id = asset.pk
            if not by_rule and market_id in outside.get(asset.pk, {}):
                # a hand fill is judged in the cell's market too: partners there lack it
                if state != CellState.MISSING:
                    state = CellState.FAILING
                reasons = [*reasons, f"not in market {outside[asset.pk][market_id]}"]
        cells.append(SlotStatus(kit=kit, slot=slot, market_id=market_id, state=state,
                                reasons=reasons, asset_id=asset_id, version_id=version_id))
        if by_rule:
            by_rule_cells[(slot.pk, market_id)] = (cells[-1], rules)
    visibility = _mark_unpublished(kit, cells)
    if visibility is not None:
        _prefer_seen(kit, parts, by_rule_cells, visibility)
    order = {m: i for i, m in enumerate(market_ids)}
    cells.sort(key=lambda c: (slots.index(c.slot), order[c.market_id]))
    return cells


def _outside_market(asset_ids) -> dict[int, dict[int, str]]:
    """Per asset with markets, the markets it is not for (id → "DE"); an asset without
    markets is valid everywhere."""
    from assets.models import Market

    if not asset_ids:
        return {}
    own = defaultdict(set)
    for asset_id, market_id in Asset.markets.through.objects.filter(
            asset_id__in=asset_ids).values_list("asset_id", "market_id"):
        own[asset_id].add(market_id)
    if not own:
        return {}
    labels = {pk: (country or slug).upper()
              for pk, country, slug in Market.objects.values_list("pk", "country", "slug")}
    return {asset_id: {m: label for m, label in labels.items() if m not in markets}
            for asset_id, markets in own.items()}


def _prefer_seen(kit, parts, by_rule_cells, visibility) -> None:
    """Rule-filled cells "not published" although another candidate that meets the slot is
    seen by every kit community of the market: that candidate fills the cell instead.

    One more statement, only when such cells exist: per rule group and set of communities
    (and date), the lowest ready candidate inside the subqueries of what each community
    sees (communities.visibility.community_sees_sql: the rule stays there)."""
    from communities.visibility import community_sees_sql

    by_market, at = visibility
    asks: dict[tuple[int, tuple, object], list[int]] = defaultdict(list)
    for index, (slot, _, markets, _) in enumerate(parts):
        for market_id in markets:
            entry = by_rule_cells.get((slot.pk, market_id))
            if entry and entry[0].state == CellState.UNPUBLISHED:
                signature = tuple(pk for pk, _ in by_market[market_id])
                asks[(index, signature, at[market_id])].append(market_id)
    if not asks:
        return
    sees = {}
    extra, owners = [], []
    for (index, signature, when), markets in asks.items():
        slot, rules, _, _ = parts[index]
        seen = [sees.setdefault((pk, when), community_sees_sql(pk, when)) for pk in signature]
        extra.append(candidates.seen_sql(kit, slot, rules, len(extra), markets, seen))
        owners.append((slot, markets))
    chosen: dict[tuple[int, int], int] = {}
    for group, market, _, first in candidates.run(extra):
        slot, markets = owners[group]
        for market_id in (markets if market is None else [market]):
            if market_id in markets:
                key = (slot.pk, market_id)
                chosen[key] = min(first, chosen.get(key, first))
    if not chosen:
        return
    assets = _load(chosen.values())
    derivatives, colours = _facts_of(assets, [slot for slot, _ in owners])
    replaced = []
    for key, asset_id in chosen.items():
        cell, rules = by_rule_cells[key]
        asset = assets.get(asset_id)
        if asset is None or cell.slot.match_tag not in ("", *(asset.tags or [])):
            continue
        state, reasons, version_id = judge(asset, rules, derivatives, colours)
        if state == CellState.READY:
            replaced.append((cell, (cell.state, cell.reasons, cell.asset_id, cell.version_id)))
            cell.state, cell.reasons, cell.asset_id, cell.version_id = (state, reasons,
                                                                        asset.pk, version_id)
    _mark_unpublished(kit, [cell for cell, _ in replaced])
    for cell, before in replaced:  # the visibility rule has the last word
        if cell.state != CellState.READY:
            cell.state, cell.reasons, cell.asset_id, cell.version_id = before


def _wants_colours(slots) -> bool:
    return any(slot.min_white_percent or any(r.min_white_percent for r in
                                             slot.market_rules.all()) for slot in slots)


def _facts_of(assets: dict, slots) -> tuple[dict, dict]:
    """Measured derivatives ((version, preset) → facts) and white shares (version → %) of
    the approved versions of `assets`; colours only when a slot judges "on white"."""
    version_ids = [a.approved_version_id for a in assets.values() if a.approved_version_id]
    derivatives = {(d.version_id, d.preset_id): d
                   for d in current_derivatives(version_id__in=version_ids)}
    colours = {}
    if version_ids and _wants_colours(slots):
        colours = dict(ColourFacts.objects.filter(version_id__in=version_ids)
                       .values_list("version_id", "white_percent"))
    return derivatives, colours


def current_derivatives(**lookup):
    """Measured derivatives of the presets' current definitions, transformation and format
    (a preset whose definition changed is measured again: launches.receivers.on_preset_saved)."""
    return DerivativeFacts.objects.filter(transformation=F("preset__transformation"),
                                          requested_format=F("preset__format"), **lookup)


def kit_communities_by_market(kit, market_ids) -> dict[int, list[tuple[int, str]]]:
    """Per market, the kit's communities (id, name) whose partners get it there: those that
    serve the market or serve no market in particular; when none does, all of them (as
    `_partner_markets` gives an organisation every market when it serves none)."""
    from communities.models import Community

    rows = list(kit.communities.order_by("name", "pk").values_list("pk", "name"))
    served = defaultdict(set)
    for community_id, market_id in Community.markets.through.objects.filter(
            community_id__in=[pk for pk, _ in rows]).values_list("community_id", "market_id"):
        served[community_id].add(market_id)
    return {m: [row for row in rows if not served[row[0]] or m in served[row[0]]] or rows
            for m in market_ids}


def _go_live_by_market(kit, market_ids) -> dict[int, object]:
    override = dict(kit.market_dates.values_list("market_id", "go_live_at"))
    return {m: override.get(m) or kit.go_live_at for m in market_ids}


def _mark_unpublished(kit, cells):
    """A ready cell whose asset partners of the market's kit communities would not see at
    go-live (or now, once it passed) becomes "not published", naming those communities.

    Judged by the visibility rule itself (communities.visibility.community_sees), so a kit
    embargo until go-live is not "unpublished"; one query per community and date, for every
    ready cell at once. Returns (communities by market, date judged at by market), or None
    when no cell was ready."""
    from communities.models import AssetGrant
    from communities.visibility import community_sees

    ready = [c for c in cells if c.state == CellState.READY and c.asset_id]
    if not ready:
        return None
    market_ids = sorted({c.market_id for c in ready})
    by_market = kit_communities_by_market(kit, market_ids)
    now = timezone.now()
    at = {m: max(now, when) for m, when in _go_live_by_market(kit, market_ids).items()}
    asked: dict[tuple[int, object], set[int]] = defaultdict(set)
    for c in ready:
        for community_id, _ in by_market[c.market_id]:
            asked[(community_id, at[c.market_id])].add(c.asset_id)
    seen = {key: community_sees(key[0], ids, key[1]) for key, ids in asked.items()}
    hidden = [(c, [(pk, name) for pk, name in by_market[c.market_id]
                   if c.asset_id not in seen[(pk, at[c.market_id])]]) for c in ready]
    hidden = [(c, missing) for c, missing in hidden if missing]
    if not hidden:
        return by_market, at
    granted = set(AssetGrant.objects.filter(
        asset_id__in={c.asset_id for c, _ in hidden},
        community_id__in={pk for _, missing in hidden for pk, _ in missing})
        .values_list("asset_id", "community_id"))
    for c, missing in hidden:
        c.state = CellState.UNPUBLISHED
        # Granted yet hidden while approved and not retired: an embargo later than go-live.
        c.reasons = [f"published to {name}, but embargoed there past go-live"
                     if (c.asset_id, pk) in granted else f"not published to {name}"
                     for pk, name in missing]
    return by_market, at


def _unmeasured(kit, measured_for) -> dict[tuple, int]:
    """Candidates lacking a measurement: {(approved version id, *key): asset id} of the
    released, approved assets each slot and rule group could choose in the kit's markets
    (its fills, and its rule's base). `measured_for(rules)` is None where the rules need no
    measurement, else (key, the measurement as a subquery on `approved_version_id`, extra
    filters on the candidates)."""
    slots, market_ids = _slots_and_markets(kit)
    asks = [(slot, group, needed) for slot in slots
            for rules, group in _rule_groups(slot, market_ids)
            if (needed := measured_for(rules)) is not None]
    if not asks:
        return {}
    fills = defaultdict(set)
    for slot_id, asset_id in SlotFill.objects.filter(slot__kit=kit).values_list("slot_id",
                                                                                 "asset_id"):
        fills[slot_id].add(asset_id)
    wanted: dict[tuple, int] = {}
    for slot, group, (key, measured, extra) in asks:
        chosen = Asset.objects.filter(pk__in=fills[slot.pk])
        if slot.fills_by_rule:
            chosen = chosen | _base(kit, slot).filter(
                Q(markets__isnull=True) | Q(markets__in=group))
        rows = (chosen.filter(approval_state=ApprovalState.APPROVED,
                              approved_version__isnull=False, retired=False, **extra)
                .exclude(release_public_id="").exclude(Exists(measured))
                .values_list("pk", "approved_version_id").distinct())
        for asset_id, version_id in rows:
            wanted[(version_id, *key)] = asset_id
    return wanted


def _loaded(wanted: dict[tuple, int]) -> list[tuple]:
    """(asset, approved version, *key) of `_unmeasured`'s answer, in version order."""
    assets = _load(wanted.values()) if wanted else {}
    return [(assets[a], assets[a].approved_version, *key)
            for (_, *key), a in sorted(wanted.items()) if a in assets]


def derivatives_to_measure(kit) -> list[tuple[Asset, object, int]]:
    """(asset, approved version, preset id) of preset slots' candidates whose derivative is not
    measured yet."""
    def measured_for(rules):
        if not rules["preset_id"]:
            return None
        return ((rules["preset_id"],), current_derivatives(
            version_id=OuterRef("approved_version_id"), preset_id=rules["preset_id"]), {})

    return _loaded(_unmeasured(kit, measured_for))


def measure_derivatives(kit) -> int:
    """Ask Cloudinary (explicit + eager) for the derivatives preset slots are judged on and
    that are not measured yet; outside any transaction. Returns how many were measured."""
    return sum(_measure(asset, version, preset_id)
               for asset, version, preset_id in derivatives_to_measure(kit))


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
        requested_format=preset.format or "",
        defaults={**facts, "format": facts["format"] or "", "fetched_at": timezone.now()})
    DerivativeFacts.objects.filter(version=version, preset=preset).exclude(
        transformation=preset.transformation, requested_format=preset.format or ""
    ).delete()  # facts of a former definition (transformation or format)
    return 1


def colours_to_measure(kit) -> list[tuple[Asset, object]]:
    """(asset, approved version) of the candidates of "on white" slots whose colours
    Cloudinary has not analysed yet (images only: nothing else has colours to analyse)."""
    analysed = ColourFacts.objects.filter(version_id=OuterRef("approved_version_id"))

    def measured_for(rules):
        return ((), analysed, {"resource_type": "image"}) if rules["min_white_percent"] else None

    return _loaded(_unmeasured(kit, measured_for))


def measure_colours(kit) -> int:
    """Ask Cloudinary (`explicit` with `colors=true`) for the colours of the candidates of
    "on white" slots not analysed yet; outside any transaction. Returns how many."""
    from assets.cloudinary import rendering

    measured = 0
    for asset, version in colours_to_measure(kit):
        try:
            answer = rendering.colours(public_id=asset.release_public_id)
        except client.CloudinaryError as exc:
            log.warning("colours of %s not analysed: %s", version, exc)
            continue
        ColourFacts.objects.update_or_create(version=version, defaults={
            **answer, "white_percent": checks.white_share(answer["colors"]),
            "fetched_at": timezone.now()})
        measured += 1
    return measured


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
    kit.matrix = stored_matrix(kit, cells)
    required = [c for c in cells if c.slot.required]
    ready = sum(1 for c in required if c.state in READY_STATES)
    percent = round(100 * ready / len(required)) if required else 100
    last = kit.snapshots.order_by("-taken_at").first()
    if last is None or (last.readiness, last.ready, last.total) != (percent, ready, len(required)):
        ReadinessSnapshot.objects.create(kit=kit, readiness=percent, ready=ready,
                                         total=len(required))
    kit.readiness, kit.recomputed_at = percent, timezone.now()
    kit.save(update_fields=["readiness", "recomputed_at", "matrix"])
    moved = services.embargo_sync(asset_ids={c.asset_id for c in cells if c.asset_id})
    if moved:  # another kit holding these assets may no longer have them by its go-live
        services.request_recompute(set(services.kits_for_assets(moved)) - {kit.pk})
    services.ask_to_confirm_again(kit=kit, partner_ids=stale)
    return kit


def stored_matrix(kit, cells) -> dict:
    """What the readiness page shows, kept on the kit with the cells (launches.rendering)."""
    from assets.models import AssetVersion, Market

    markets = list(Market.objects.filter(pk__in={c.market_id for c in cells})
                   .order_by("name").values_list("pk", "name"))
    titles = {pk: title or public_id for pk, title, public_id in Asset.objects.filter(
        pk__in={c.asset_id for c in cells if c.asset_id}).values_list("pk", "title",
                                                                        "public_id")}
    numbers = dict(AssetVersion.objects.filter(
        pk__in={c.version_id for c in cells if c.version_id}).values_list("pk", "number"))
    by_cell = {(c.slot_id, c.market_id): c for c in cells}
    slots = sorted({c.slot_id: c.slot for c in cells}.values(),
                   key=lambda s: (s.position, s.pk))
    presets = dict(_preset_names({s.preset_id for s in slots if s.preset_id}))
    rows = []
    for slot in slots:
        row = []
        for market_id, _ in markets:
            cell = by_cell.get((slot.pk, market_id))
            row.append(None if cell is None else [
                cell.state, titles.get(cell.asset_id), numbers.get(cell.version_id),
                list(cell.reasons)])
        rows.append({"id": slot.pk, "name": slot.name, "required": slot.required,
                     "preset": presets.get(slot.preset_id), "cells": row})
    return {"markets": [list(m) for m in markets], "rows": rows}


def _preset_names(ids):
    from assets.models import DownloadPreset

    return DownloadPreset.objects.filter(pk__in=ids).values_list("pk", "name") if ids else []


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

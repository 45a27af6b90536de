"""State changes of launch kits: fills, go-live, confirmations, flags, embargoes, reminders.

Each service is one transaction with its audit event; recomputes are queued on commit and
debounced per kit (`request_recompute`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import is_brand_staff, is_content_team
from assets.models import Asset, Market
from audit import record
from audit.actions import KIT_CHANGED, KIT_CONFIRMED, KIT_SLOT_FILLED
from communities.models import Embargo, Membership
from launches.models import KitCase, KitConfirmation, KitReminder, LaunchKit, Slot, SlotFill
from notifications.models import Notice
from notifications.services import notify


class KitError(ValueError):
    """A launch-kit action that cannot be done, with a message for the user."""


def request_recompute(kit_ids: Iterable[int]) -> list[int]:
    """Queue one recompute per kit (after commit) unless one is already queued: debounced."""
    from launches.tasks import recompute_kit

    queued = []
    now = timezone.now()
    for kit_id in sorted(set(kit_ids)):
        if LaunchKit.objects.filter(pk=kit_id, recompute_requested_at__isnull=True).update(
                recompute_requested_at=now):
            queued.append(kit_id)
            transaction.on_commit(lambda pk=kit_id: recompute_kit.apply_async(
                (pk,), countdown=settings.LAUNCH_RECOMPUTE_DEBOUNCE_SECONDS))
    return queued


def kits_for_assets(asset_ids: Iterable[int]) -> list[int]:
    """Kits an asset change may affect: its campaign's kits and kits that picked it."""
    ids = list(asset_ids)
    campaigns = Asset.objects.filter(pk__in=ids, campaign__isnull=False).values("campaign_id")
    return list(LaunchKit.objects.filter(
        Q(campaign_id__in=campaigns) | Q(slots__fills__asset_id__in=ids))
        .values_list("pk", flat=True).distinct())


def _require_content(user) -> None:
    if not is_content_team(user):
        raise PermissionDenied("Only the content team changes launch kits.")


@transaction.atomic
def slot_fill(*, slot: Slot, asset: Asset, actor, market: Market | None = None) -> SlotFill:
    """Choose `asset` for `slot` (in `market`, or in every market of the kit)."""
    _require_content(actor)
    if market is not None and not slot.kit.markets.filter(pk=market.pk).exists():
        raise KitError(f"{market} is not a market of this kit.")
    fill, _ = SlotFill.objects.update_or_create(
        slot=slot, market=market,
        defaults={"asset": asset, "filled_by": actor, "filled_at": timezone.now()})
    record(KIT_SLOT_FILLED, actor=actor, target=slot.kit, asset=asset,
           payload={"slot": slot.pk, "slot_name": slot.name,
                    "market": market.slug if market else None})
    request_recompute([slot.kit_id])
    return fill


@transaction.atomic
def kit_set_go_live(*, kit: LaunchKit, go_live_at: datetime, actor) -> LaunchKit:
    """Move the kit's go-live (its embargoes follow at the recompute)."""
    _require_content(actor)
    before = kit.go_live_at
    kit.go_live_at = go_live_at
    kit.save(update_fields=["go_live_at"])
    record(KIT_CHANGED, actor=actor, target=kit,
           payload={"go_live_at": [before.isoformat(), go_live_at.isoformat()]})
    request_recompute([kit.pk])
    return kit


@transaction.atomic
def kit_publish(*, kit: LaunchKit, actor, published: bool = True) -> LaunchKit:
    """Show (or hide) the kit to the partners of its communities."""
    _require_content(actor)
    kit.published = published
    kit.save(update_fields=["published"])
    record(KIT_CHANGED, actor=actor, target=kit, payload={"published": published})
    return kit


def embargo_sync(*, asset_ids: Iterable[int]) -> set[int]:
    """Rewrite the Embargo rows of `asset_ids` from the cells of embargoing kits (inside the
    caller's transaction): per market the latest go-live of the asset's kits, and the latest
    of all for every other market. Partners see the asset once its market's date passed.
    Returns the assets whose rows changed (other kits holding them may change readiness)."""
    from launches.models import SlotStatus

    ids = sorted(set(asset_ids))
    if not ids:
        return set()
    dates: dict[int, dict[int, datetime]] = defaultdict(dict)
    cells = list(SlotStatus.objects.filter(asset_id__in=ids, kit__embargo=True)
                 .values_list("asset_id", "market_id", "kit_id"))
    go_live = {}  # kit → {market: date, None: the kit's date}
    for kit in (LaunchKit.objects.filter(pk__in={k for *_, k in cells})
                .only("pk", "go_live_at").prefetch_related("market_dates")):
        go_live[kit.pk] = {None: kit.go_live_at,
                           **{d.market_id: d.go_live_at for d in kit.market_dates.all()}}
    for asset_id, market_id, kit_id in cells:
        when = go_live[kit_id].get(market_id) or go_live[kit_id][None]
        known = dates[asset_id].get(market_id)
        dates[asset_id][market_id] = max(when, known) if known else when
    wanted = {(a, m): d for a, by_market in dates.items() for m, d in by_market.items()}
    wanted.update({(a, None): max(by_market.values()) for a, by_market in dates.items()})
    existing = {(e.asset_id, e.market_id): e for e in Embargo.objects.filter(asset_id__in=ids)}
    gone = [e for key, e in existing.items() if key not in wanted]
    Embargo.objects.filter(pk__in=[e.pk for e in gone]).delete()
    changed, new = [], []
    for key, when in wanted.items():
        row = existing.get(key)
        if row is None:
            new.append(Embargo(asset_id=key[0], market_id=key[1], go_live_at=when))
        elif row.go_live_at != when:
            row.go_live_at = when
            changed.append(row)
    Embargo.objects.bulk_create(new, batch_size=1000)
    Embargo.objects.bulk_update(changed, ["go_live_at"], batch_size=1000)
    return {e.asset_id for e in (*gone, *changed, *new)}


def partner_kits(user):
    """The published kits of the communities `user` is a current member of."""
    communities = Membership.objects.current().filter(user=user).values("community_id")
    return (LaunchKit.objects.filter(published=True, communities__in=communities)
            .defer("matrix").distinct())


def _membership_for(user, kit) -> Membership:
    membership = (Membership.objects.current().filter(user=user, community__launch_kits=kit,
                                                      community__launch_kits__published=True)
                  .select_related("partner").order_by("pk").first())
    if membership is None:
        raise KitError("No such launch kit.")
    return membership


@transaction.atomic
def kit_confirm(*, kit: LaunchKit, user) -> KitConfirmation:
    """The user's organisation confirms it has the kit as it stands (audited, once per
    organisation; confirming again after a change replaces the old confirmation)."""
    from launches.readiness import contents_for

    membership = _membership_for(user, kit)
    contents = contents_for(kit, list(kit.cells.all()), membership.partner_id)
    confirmation, _ = KitConfirmation.objects.update_or_create(
        kit=kit, partner=membership.partner,
        defaults={"confirmed_by": user, "confirmed_at": timezone.now(), "contents": contents,
                  "stale": False})
    record(KIT_CONFIRMED, actor=user, target=kit, partner=membership.partner,
           community=membership.community, payload={"cells": len(contents)})
    request_recompute([kit.pk])  # cells "changed since confirmed" turn back to ready
    return confirmation


def ask_to_confirm_again(*, kit: LaunchKit, partner_ids: Iterable[int]) -> int:
    """Tell the members of organisations whose confirmation went stale (caller's transaction)."""
    ids = list(partner_ids)
    if not ids:
        return 0
    users = Membership.objects.current().filter(
        partner_id__in=ids, community__launch_kits=kit).values_list("user_id", flat=True)
    stamp = int(timezone.now().timestamp())
    return notify(set(users), kind=Notice.Kind.ACK_DUE, key=f"kit:{kit.pk}:reconfirm:{stamp}",
                  title=f"{kit.name} changed: please confirm the launch kit again",
                  url=reverse("launches:partner-kit", args=[kit.pk]))


FLAG_CATEGORIES = {"missing": "missing_asset", "alternate": "alternate_format"}


@transaction.atomic
def slot_flag(*, kit: LaunchKit, slot: Slot, user, what: str, body: str,
              market: Market | None = None):
    """A partner flags missing content or asks for an alternate format on a slot: a case
    linked to the kit and slot (and the asset, when the partner can see one), and a notice
    to the kit's owners."""
    from cases.services import case_open

    if slot.kit_id != kit.pk or what not in FLAG_CATEGORIES:
        raise KitError("No such slot.")
    membership = _membership_for(user, kit)
    cell = kit.cells.filter(slot=slot, **({"market": market} if market else {})).first()
    asset = None
    if cell and cell.asset_id:
        asset = Asset.objects.visible_to(user).filter(pk=cell.asset_id).first()
    label = "Missing content" if what == "missing" else "Alternate format"
    case = case_open(opener=user, asset=asset, community=membership.community,
                     category=FLAG_CATEGORIES[what],
                     subject=f"{label}: {kit.name} / {slot.name}"[:200], body=body)
    KitCase.objects.create(case=case, kit=kit, slot=slot, market=market)
    owners = list(kit.owners.values_list("pk", flat=True))
    notify(owners, kind=Notice.Kind.LAUNCH_FLAG, key=f"kit-flag:{case.pk}",
           title=f"{membership.partner}: {label.lower()} in {kit.name} ({slot.name})",
           url=reverse("launches:readiness", args=[kit.pk]))
    return case


def kit_reminders(at: datetime | None = None) -> int:
    """N days (LAUNCH_REMINDER_DAYS) before go-live, through the notification centre: each
    owner gets one digest of their incomplete kits, each partner organisation that has not
    confirmed (or must confirm again) one reminder naming its kits. Once a day: a rerun the
    same day sends nothing (KitReminder rows and per-day notice keys). Returns notices sent."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    horizon = at + timedelta(days=settings.LAUNCH_REMINDER_DAYS)
    kits = list(LaunchKit.objects.filter(go_live_at__gt=at, go_live_at__lte=horizon)
                .defer("matrix").prefetch_related("owners").order_by("go_live_at", "pk"))
    with transaction.atomic():
        sent = _owner_digests([k for k in kits if k.readiness < 100], day, at)
        sent += _partner_reminders([k for k in kits if k.published], day, at)
    return sent


def _days(kit, at) -> int:
    return (timezone.localtime(kit.go_live_at).date() - timezone.localdate(at)).days


def _once(kit, key: str) -> bool:
    """True the first time `key` is claimed for `kit` (concurrent runs: only one wins)."""
    return KitReminder.objects.get_or_create(kit=kit, key=key[:100])[1]


def _owner_digests(kits, day, at) -> int:
    by_owner: dict[int, list[LaunchKit]] = defaultdict(list)
    for kit in kits:
        if _once(kit, f"owners:{day.isoformat()}"):
            for owner in kit.owners.all():
                by_owner[owner.pk].append(kit)
    sent = 0
    for owner_id, mine in sorted(by_owner.items()):
        lines = [f"- {k.name}: {k.readiness}% ready, go-live {k.go_live_at:%-d %b %Y} "
                 f"(in {_days(k, at)} days)" for k in mine]
        title = (f"{mine[0].name} is {mine[0].readiness}% ready, {_days(mine[0], at)} days to "
                 "go-live" if len(mine) == 1 else f"{len(mine)} launch kits are not ready yet")
        sent += notify([owner_id], kind=Notice.Kind.LAUNCH_DIGEST,
                       key=f"kits-digest:{day.isoformat()}", title=title,
                       body="Incomplete launch kits going live soon:\n" + "\n".join(lines),
                       url=reverse("launches:readiness", args=[mine[0].pk]) if len(mine) == 1
                       else reverse("launches:kits"))
    return sent


def _partner_reminders(kits, day, at) -> int:
    """One reminder per organisation and day, naming every kit it has yet to confirm."""
    if not kits:
        return 0
    confirmed = set(KitConfirmation.objects.filter(kit__in=kits, stale=False)
                    .values_list("kit_id", "partner_id"))
    members = (Membership.objects.current().filter(community__launch_kits__in=kits)
               .values_list("community__launch_kits", "partner_id", "user_id"))
    waiting: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for kit_id, partner_id, user_id in members:
        if (kit_id, partner_id) not in confirmed:
            waiting[partner_id][kit_id].add(user_id)
    by_pk = {k.pk: k for k in kits}
    sent = 0
    for partner_id, per_kit in sorted(waiting.items()):
        due = [by_pk[k] for k in sorted(per_kit, key=lambda k: (by_pk[k].go_live_at, k))
               if _once(by_pk[k], f"partner:{partner_id}:{day.isoformat()}")]
        if not due:
            continue
        users = set().union(*(per_kit[k.pk] for k in due))
        title = (f"Please confirm you have the launch kit: {due[0].name} (go-live in "
                 f"{_days(due[0], at)} days)" if len(due) == 1
                 else f"Please confirm you have {len(due)} launch kits")
        sent += notify(users, kind=Notice.Kind.ACK_DUE,
                       key=f"kit-confirm:{partner_id}:{day.isoformat()}", title=title,
                       body="\n".join(f"- {k.name}: go-live {k.go_live_at:%-d %b %Y}"
                                      for k in due),
                       url=reverse("launches:partner-kit", args=[due[0].pk]) if len(due) == 1
                       else reverse("launches:mine"))
    return sent


def staff_can_see(user) -> bool:
    return is_brand_staff(user)

"""Reads of the audit trail for other apps' pages and the staff reports."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet

from audit.actions import ASSET_ACKNOWLEDGED, ASSET_DOWNLOADED, RECEIPT_ACTIONS
from audit.models import Event

ASSET_TYPE = "assets.asset"


def events_for(target_type: str, target_id) -> QuerySet[Event]:
    """Events about one object, newest first (e.g. events_for("cases.case", case.pk))."""
    return Event.objects.for_target(target_type, target_id).order_by("-sequence")


def events_for_asset(asset_id: int) -> QuerySet[Event]:
    """An asset's trail, newest first: its own events and those naming it (cases, downloads)."""
    return Event.objects.for_asset(asset_id).order_by("-sequence")


def asset_label(asset_id: int) -> str | None:
    """The asset's label as last recorded (it survives retirement), or None if never audited."""
    row = (Event.objects.filter(target_type=ASSET_TYPE, target_id=str(asset_id))
           .order_by("-sequence").values_list("target_label", flat=True).first())
    if row is None and Event.objects.for_asset(asset_id).exists():
        return f"Asset {asset_id}"
    return row


def find_assets(query: str, limit: int = 25) -> list[dict]:
    """Assets the trail knows, by id or by (recorded) title: [{"asset_id", "label"}]."""
    query = query.strip()
    if not query:
        return []
    match = Q(target_label__icontains=query)
    if query.isdigit():
        match |= Q(target_id=query)
    rows = (Event.objects.filter(match, target_type=ASSET_TYPE)
            .values("target_id").annotate(last=Max("sequence")).order_by("-last")[:limit])
    last_sequences = [row["last"] for row in rows]
    labels = dict(Event.objects.filter(sequence__in=last_sequences)
                  .values_list("sequence", "target_label"))
    return [{"asset_id": int(row["target_id"]), "label": labels[row["last"]]} for row in rows]


@dataclass
class Receipt:
    """One partner user's receipt of one version of an asset."""

    partner_id: int | None
    partner_label: str
    actor_label: str
    asset_version: int | None
    downloads: int = 0
    acknowledgements: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    first_downloaded_at: datetime | None = None
    acknowledged_at: datetime | None = None


@dataclass
class PartnerReceipts:
    partner_id: int | None
    partner_label: str
    versions: set = field(default_factory=set)
    receipts: list[Receipt] = field(default_factory=list)


def receipts_for_asset(asset_id: int) -> list[PartnerReceipts]:
    """Who received an asset: per partner organisation, per user and version (one query)."""
    rows = (Event.objects.filter(asset_id=asset_id, action__in=RECEIPT_ACTIONS)
            .values("partner_id", "actor_user_id", "actor_system", "asset_version", "action")
            .annotate(partner_label=Max("partner_label"), actor_label=Max("actor_label"),
                      first_at=Min("occurred_at"), last_at=Max("occurred_at"),
                      count=Count("sequence"))
            .order_by())
    receipts: dict[tuple, Receipt] = {}
    for row in rows:
        key = (row["partner_id"], row["actor_user_id"], row["actor_system"], row["asset_version"])
        receipt = receipts.setdefault(key, Receipt(
            row["partner_id"], row["partner_label"], row["actor_label"], row["asset_version"]))
        _merge(receipt, row)
    return _by_partner(receipts.values())


def _merge(receipt: Receipt, row: dict) -> None:
    receipt.first_at = min(filter(None, (receipt.first_at, row["first_at"])))
    receipt.last_at = max(filter(None, (receipt.last_at, row["last_at"])))
    if row["action"] == ASSET_DOWNLOADED:
        receipt.downloads, receipt.first_downloaded_at = row["count"], row["first_at"]
    elif row["action"] == ASSET_ACKNOWLEDGED:
        receipt.acknowledgements, receipt.acknowledged_at = row["count"], row["first_at"]


def _by_partner(receipts) -> list[PartnerReceipts]:
    partners: dict = {}
    for receipt in receipts:
        group = partners.setdefault(receipt.partner_id, PartnerReceipts(
            receipt.partner_id, receipt.partner_label or "(no partner organisation)"))
        group.versions.add(receipt.asset_version)
        group.receipts.append(receipt)
    for group in partners.values():
        group.receipts.sort(key=lambda r: (r.actor_label, -(r.asset_version or 0)))
    return sorted(partners.values(), key=lambda g: g.partner_label.lower())

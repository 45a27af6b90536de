"""The currency report: which organisations work from an asset's current version."""

from __future__ import annotations

from django.db.models import Max

from assets.models import Asset, AssetVersion
from audit.actions import ASSET_DOWNLOADED
from audit.models import Event
from communities.models import Partner
from compliance.models import Acknowledgement


def currency(asset: Asset, partner_ids=None) -> list[dict]:
    """One row per organisation that downloaded the asset or owes an acknowledgement.

    status is "on vN, acknowledged", "on vN, acknowledgement due", "on vN, overdue" or
    "on vN" (N: the version it last downloaded; acknowledging counts as being on it).
    """
    return currency_of([asset], partner_ids)[asset.pk]


def currency_of(assets, partner_ids=None) -> dict[int, list[dict]]:
    """`currency` of many assets at once, by asset id: four queries however many assets
    (the community and organisation reports list hundreds)."""
    assets = list(assets)
    ids = [asset.pk for asset in assets]
    numbers = {(a, v): n for a, v, n in AssetVersion.objects.filter(asset_id__in=ids)
               .values_list("asset_id", "version", "number")}
    downloads = Event.objects.filter(action=ASSET_DOWNLOADED, asset_id__in=ids,
                                     partner_id__isnull=False)
    acks = Acknowledgement.objects.filter(asset_id__in=ids).exclude(
        state=Acknowledgement.State.SUPERSEDED).select_related("version")
    if partner_ids is not None:
        downloads = downloads.filter(partner_id__in=partner_ids)
        acks = acks.filter(partner_id__in=partner_ids)
    last = {(a, p): v for a, p, v in downloads.values("asset_id", "partner_id")
            .annotate(v=Max("asset_version")).values_list("asset_id", "partner_id", "v")}
    latest_ack: dict[tuple[int, int], Acknowledgement] = {}
    for ack in acks.order_by("version__version"):
        latest_ack[(ack.asset_id, ack.partner_id)] = ack
    partners: dict[int, set[int]] = {}
    for asset_id, partner_id in [*last, *latest_ack]:
        partners.setdefault(asset_id, set()).add(partner_id)
    names = dict(Partner.objects.filter(pk__in=set().union(*partners.values()) if partners
                                        else []).values_list("pk", "name"))
    return {asset.pk: _rows_of(asset, partners.get(asset.pk, set()), numbers, last,
                               latest_ack, names) for asset in assets}


def _rows_of(asset, partners, numbers, last, latest_ack, names) -> list[dict]:
    current = asset.approved_version
    rows = []
    for pk in sorted(partners, key=lambda p: names[p].lower()):
        number = numbers.get((asset.pk, last.get((asset.pk, pk))))
        ack = latest_ack.get((asset.pk, pk))
        if ack and ack.state == Acknowledgement.State.ACKNOWLEDGED:
            number = max(number or 0, ack.version.number)
        on_current = bool(current and number and number >= current.number)
        status = f"on v{number}" if number else "not downloaded"
        if ack and ack.state == Acknowledgement.State.ACKNOWLEDGED:
            status += ", acknowledged"
        elif ack:
            status += ", overdue" if ack.overdue else ", acknowledgement due"
        rows.append({"partner_id": pk, "partner": names[pk], "last_downloaded_version": number,
                     "current_version": current.number if current else 0,
                     "on_current": on_current,
                     "acknowledgement": ack.state if ack else None,
                     "overdue": bool(ack and ack.overdue), "status": status})
    return rows


BUCKETS = [("on_current", "On the current version"), ("superseded", "Hold a superseded one"),
           ("due", "Acknowledgement due"), ("overdue", "Overdue"),
           ("acknowledged", "Acknowledged")]


def counts(rows: list[dict]) -> list[tuple[str, str, int]]:
    """The chart's bars: (key, label, count) over report rows."""
    tally = dict.fromkeys([key for key, _ in BUCKETS], 0)
    for row in rows:
        tally["on_current" if row["on_current"] else "superseded"] += 1
        if row["acknowledgement"] == "acknowledged":
            tally["acknowledged"] += 1
        elif row["acknowledgement"] == "pending":
            tally["overdue" if row["overdue"] else "due"] += 1
    return [(key, label, tally[key]) for key, label in BUCKETS]


def _assets_received(partner_ids, community=None) -> set[int]:
    """Assets the organisations downloaded (in `community`, when given) or owe or gave an
    acknowledgement for: every file whose currency they answer for, controlled or not."""
    acks = (Acknowledgement.objects.filter(partner_id__in=partner_ids)
            .exclude(state=Acknowledgement.State.SUPERSEDED).values_list("asset_id", flat=True))
    downloads = Event.objects.filter(action=ASSET_DOWNLOADED, partner_id__in=partner_ids,
                                     asset_id__isnull=False)
    if community is not None:
        downloads = downloads.filter(community_id=community.pk)
    return set(acks) | set(downloads.order_by().values_list("asset_id", flat=True).distinct())


def _rows(assets, partner_ids) -> list[dict]:
    assets = list(assets.select_related("approved_version").order_by("title", "pk"))
    by_asset = currency_of(assets, partner_ids)
    return [{**row, "asset_id": asset.pk, "asset": asset.title}
            for asset in assets for row in by_asset[asset.pk]]


def community_currency(community) -> list[dict]:
    """Report rows (with the asset) for every asset an organisation of the community
    downloaded there, or whose acknowledgement it owes or gave."""
    from communities.models import Membership

    partners = set(Membership.objects.filter(community=community)
                   .values_list("partner_id", flat=True))
    assets = Asset.objects.filter(pk__in=_assets_received(partners, community))
    return _rows(assets, partners)


PARTNER_REPORT_LIMIT = 500  # assets per organisation report (the CSV and API say so)


def partner_currency(user, partner_ids) -> list[dict]:
    """The partner admin's view of their own organisations: the same rows, for the assets
    they received that `user` can still see (the first PARTNER_REPORT_LIMIT by title)."""
    received = _assets_received(partner_ids)
    assets = Asset.objects.visible_to(user).filter(pk__in=received)
    return _rows(Asset.objects.filter(
        pk__in=list(assets.order_by("title", "pk").values_list("pk", flat=True)
                    [:PARTNER_REPORT_LIMIT])), partner_ids)

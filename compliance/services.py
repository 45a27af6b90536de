"""Supersede notices and acknowledgements: the operations, each one transaction.

`supersede()` runs (as a task) once partners were switched to a newer approved version: it
tells every partner user who downloaded an earlier version, and the partner admins of each
organisation that received one, in the portal and by email. For controlled kinds it also
opens one acknowledgement request per such organisation, superseding a pending request for
an older version instead of stacking a second.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetVersion, ReviewState
from assets.services import is_controlled
from audit import record
from audit.actions import ASSET_ACK_DUE_SET, ASSET_ACKNOWLEDGED, ASSET_DOWNLOADED
from audit.context import current_request
from audit.models import Event
from communities.models import Membership
from communities.selectors import communities_publishing
from communities.visibility import communities_seeing
from compliance.models import Acknowledgement, ApprovalDueDate, KindPolicy
from notifications.models import Notice
from notifications.services import mark_read_by_key, notify


class AcknowledgementError(Exception):
    """The user cannot acknowledge this (no request for their organisation, wrong version)."""


def _policy(asset: Asset) -> KindPolicy | None:
    return KindPolicy.objects.filter(kind_id=asset.kind_id).first() if asset.kind_id else None


def needs_acknowledgement(asset: Asset) -> bool:
    """Controlled kinds: the admin's `KindPolicy` for the kind, else ASSET_CONTROLLED_KINDS."""
    policy = _policy(asset)
    if policy is not None:
        return policy.controlled
    return is_controlled(asset.kind.slug if asset.kind_id else None)


def version_key(version: AssetVersion) -> str:
    return f"version:{version.pk}"


def _earlier_downloads(asset: Asset, version: AssetVersion):
    return Event.objects.filter(action=ASSET_DOWNLOADED, asset_id=asset.pk,
                                asset_version__lt=version.version)


def _previous(asset: Asset, version: AssetVersion) -> AssetVersion | None:
    return (AssetVersion.objects.filter(asset=asset, review_state=ReviewState.APPROVED,
                                        version__lt=version.version)
            .order_by("-version").first())


def _facts(version: AssetVersion | None) -> str:
    if version is None:
        return "—"
    size = f"{version.width}×{version.height} px, " if version.width and version.height else ""
    return f"{version.label}: {size}{(version.format or '').upper()}"


def notice_text(asset: Asset, version: AssetVersion, controlled: bool, due_at=None) -> tuple:
    previous = _previous(asset, version)
    title = f"New version of {asset.title}: {version.label}"
    if controlled:
        title += " — please confirm your organisation works from it"
    lines = [f"Now: {_facts(version)}", f"Before: {_facts(previous)}"]
    if version.review_reason:
        lines.append(f"What changed: {version.review_reason}")
    if controlled:
        lines.append(f"Confirm \"we work from version {version.number}\" by "
                     f"{timezone.localtime(due_at):%-d %b %Y}.")
    return title, "\n".join(lines)


def recipients(asset: Asset, version: AssetVersion, seeing: set[int]
               ) -> tuple[set[int], set[int]]:
    """(user ids, partner ids): who downloaded an earlier version and can still see the
    asset (a current member of one of the `seeing` communities), their organisations and
    those organisations' partner admins. A past downloader whose membership ended, or whose
    community no longer has the asset, is not told of the new version, nor is their
    organisation asked to confirm it. Distinct ids only: memory follows the audience."""
    downloads = _earlier_downloads(asset, version)
    members = Membership.objects.current().filter(community_id__in=seeing)
    users = set(members.filter(user_id__in=downloads.exclude(actor_user_id=None)
                               .values("actor_user_id"))
                .values_list("user_id", flat=True).distinct())
    partners = set(members.filter(partner_id__in=downloads.exclude(partner_id=None)
                                  .values("partner_id"))
                   .values_list("partner_id", flat=True).distinct())
    return users | _admins(partners), partners


def seeing_communities(asset: Asset) -> set[int]:
    """The communities the asset is published to whose members see it now (the one rule:
    embargoes, approval and retirement included)."""
    return communities_seeing(asset, communities_publishing(asset))


def _partners_in(seeing: set[int]) -> set[int]:
    """Organisations with a current member in one of `seeing` (communities that see the
    asset), whether or not they ever downloaded it."""
    return set(Membership.objects.current().filter(community_id__in=seeing)
               .values_list("partner_id", flat=True).distinct())


def _admins(partners: set[int]) -> set[int]:
    return set(Membership.objects.current()
               .filter(partner_id__in=partners, role=Membership.Role.PARTNER_ADMIN)
               .values_list("user_id", flat=True).distinct())


MAX_DUE_DAYS = 365


@transaction.atomic
def approval_due_date_set(*, version: AssetVersion, due_on: date, actor) -> ApprovalDueDate:
    """The reviewer's due date for acknowledging `version` (end of that day, site time):
    tomorrow at the earliest, a year ahead at the latest."""
    today = timezone.localdate()
    if not today < due_on <= today + timedelta(days=MAX_DUE_DAYS):
        raise AcknowledgementError(
            f"Choose a due date between tomorrow and {today + timedelta(days=MAX_DUE_DAYS)}.")
    due_at = timezone.make_aware(datetime.combine(due_on, time(23, 59)))
    row, _ = ApprovalDueDate.objects.update_or_create(version=version,
                                                      defaults={"due_at": due_at})
    record(ASSET_ACK_DUE_SET, actor=actor, target=version.asset, asset_version=version,
           payload={"due_on": due_on.isoformat(), "version": version.number})
    return row


def due_at_for(version: AssetVersion, now):
    """The due date the reviewer set when approving, else COMPLIANCE_ACK_DAYS from now."""
    chosen = ApprovalDueDate.objects.filter(version=version).values_list("due_at", flat=True)
    return chosen.first() or now + timedelta(days=settings.COMPLIANCE_ACK_DAYS)


@transaction.atomic
def supersede(asset: Asset, version: AssetVersion, *, due_days: int | None = None) -> int:
    """Tell everyone who received an older version; for controlled kinds, open acknowledgement
    requests for those organisations and every other one the asset is published to."""
    if version.number <= 1 or asset.approved_version_id != version.pk:
        return 0
    seeing = seeing_communities(asset)
    users, partners = recipients(asset, version, seeing)
    controlled = needs_acknowledgement(asset)
    now = timezone.now()
    due_at = (now + timedelta(days=due_days)) if due_days else due_at_for(version, now)
    if controlled:
        # Organisations it is published to need the request too, downloaded or not; their
        # partner admins are told (members see it on their home page).
        published = _partners_in(seeing) - partners
        users |= _admins(published)
        partners |= published
        stale = list(Acknowledgement.objects.pending().filter(asset=asset)
                     .exclude(version=version).values_list("pk", "version_id", "partner_id"))
        Acknowledgement.objects.filter(pk__in=[pk for pk, _, _ in stale]).update(
            state=Acknowledgement.State.SUPERSEDED)
        _clear_requests(stale)
        have = set(Acknowledgement.objects.filter(version=version)
                   .values_list("partner_id", flat=True))
        Acknowledgement.objects.bulk_create(
            [Acknowledgement(asset=asset, version=version, partner_id=pk, due_at=due_at,
                             requested_at=now) for pk in sorted(partners - have)],
            ignore_conflicts=True)
    title, body = notice_text(asset, version, controlled, due_at)
    kind = Notice.Kind.ACK_DUE if controlled else Notice.Kind.NEW_VERSION
    return notify(sorted(users), kind=kind, key=version_key(version), title=title, body=body,
                  url=reverse("assets:detail", args=[asset.pk]),
                  images=_previews(_previous(asset, version), version))


def _clear_requests(requests: list[tuple[int, int, int]]) -> None:
    """A request that is void (superseded by a newer version's) no longer asks anything of
    anyone: its "confirm version N" notice and reminders are marked read."""
    by_partner: dict[int, list[tuple[int, int]]] = {}
    for pk, version_id, partner_id in requests:
        by_partner.setdefault(partner_id, []).append((pk, version_id))
    for partner_id, pairs in by_partner.items():
        members = list(Membership.objects.filter(partner_id=partner_id)
                       .values_list("user_id", flat=True))
        for pk, version_id in pairs:
            mark_read_by_key(members, f"version:{version_id}")
            mark_read_by_key(members, f"ack-reminder:{pk}:")


def _previews(previous: AssetVersion | None, current: AssetVersion) -> list[dict]:
    """Both versions side by side in the email (fetched at send time, compliance.previews)."""
    from compliance.previews import source

    pairs = [("Before", previous), ("Now", current)] if previous else [("Now", current)]
    return [{"caption": f"{when}: {v.label}", "source": source(v)} for when, v in pairs]


def _partner_ids(user) -> set[int]:
    return set(Membership.objects.current().filter(user=user)
               .values_list("partner_id", flat=True))


@transaction.atomic
def acknowledge(*, user, asset: Asset | int, number: int | None = None) -> Acknowledgement:
    """`user`'s organisation works from the asset's current version (idempotent)."""
    asset_pk = getattr(asset, "pk", asset)
    partners = _partner_ids(user)
    if not partners:
        raise AcknowledgementError("Only members of a partner organisation acknowledge.")
    ack = (Acknowledgement.objects.select_for_update(of=("self",))
           .filter(asset_id=asset_pk, partner_id__in=partners)
           .exclude(state=Acknowledgement.State.SUPERSEDED)
           .select_related("version", "asset", "partner").order_by("-version__version").first())
    if ack is None:
        raise AcknowledgementError("Your organisation has nothing to confirm for this asset.")
    if number is not None and number != ack.version.number:
        raise AcknowledgementError(
            f"Version {number} is not the current one: confirm version {ack.version.number}.")
    if ack.state == Acknowledgement.State.ACKNOWLEDGED:
        return ack
    info = current_request.get()
    ack.state = Acknowledgement.State.ACKNOWLEDGED
    ack.acknowledged_at = timezone.now()
    ack.acknowledged_by = user
    ack.acknowledged_ip = (info.client_ip or "")[:45] if info else ""
    ack.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "acknowledged_ip"])
    record(ASSET_ACKNOWLEDGED, actor=user, target=ack.asset, asset_version=ack.version,
           partner=ack.partner, payload={"version": ack.version.number})
    members = Membership.objects.filter(partner=ack.partner).values_list("user_id", flat=True)
    mark_read_by_key(members, version_key(ack.version))
    mark_read_by_key(members, f"ack-reminder:{ack.pk}:")
    _close_escalations(ack)
    return ack


def _close_escalations(ack: Acknowledgement) -> int:
    """The cases the portal opened because the organisation was overdue on this asset (for
    this version or one it replaced) have done their job: closed, saying why."""
    from cases.models import Case
    from cases.services import close_by_portal

    cases = Case.objects.filter(
        pk__in=Acknowledgement.objects.filter(asset_id=ack.asset_id, partner_id=ack.partner_id)
        .exclude(escalated_case=None).values("escalated_case"),
        status__in=Case.OPEN_STATUSES)
    for case in cases:
        close_by_portal(case, note=f"{ack.partner.name} confirmed it works from "
                                   f"{ack.version.label}; nothing more is needed.")
    return len(cases)


def open_for(user):
    """The user's organisations' acknowledgements still due ("3 files need confirmation")."""
    return (Acknowledgement.objects.pending().filter(partner_id__in=_partner_ids(user))
            .select_related("asset", "version", "partner"))


@transaction.atomic
def remind(at=None) -> int:
    """Hourly: each member of an organisation with a request still due is reminded once a
    day, from 07:00 in their own time zone (notifications' per-user setting)."""
    from notifications.services import local_mornings

    at = at or timezone.now()
    due = (Acknowledgement.objects.pending().select_for_update(of=("self",))
           .filter(requested_at__lte=at - timedelta(hours=23))
           .select_related("asset", "version", "partner"))
    sent = 0
    for ack in due:
        users = (Membership.objects.current().filter(partner_id=ack.partner_id)
                 .values_list("user_id", flat=True).distinct())
        when = "overdue since" if ack.due_at < at else "due by"
        told = 0
        for day, user_ids in local_mornings(list(users), at).items():
            told += notify(
                user_ids, kind=Notice.Kind.ACK_DUE, key=f"ack-reminder:{ack.pk}:{day}",
                title=f"Reminder: confirm you work from {ack.asset.title} {ack.version.label}",
                body=f"Acknowledgement {when} {timezone.localtime(ack.due_at):%-d %b %Y}.",
                url=reverse("assets:detail", args=[ack.asset_id]))
        if told:
            Acknowledgement.objects.filter(pk=ack.pk).update(last_reminded_at=at)
        sent += told
    return sent


def blocks_when_overdue(asset: Asset) -> bool:
    """Whether superseded versions stop downloading once an organisation is overdue (the
    admin's `KindPolicy` for the kind, else COMPLIANCE_BLOCK_KINDS)."""
    policy = _policy(asset)
    if policy is not None:
        return policy.controlled and policy.block_when_overdue
    slug = (asset.kind.slug if asset.kind_id else "").replace("_", "-")
    return slug in {k.replace("_", "-") for k in settings.COMPLIANCE_BLOCK_KINDS}


def _block_superseded(asset: Asset) -> int:
    """Revoke every link handed out for the asset's superseded versions (CDN 404 after the
    rename); the portal's own download URL already serves only the current version."""
    from assets.releases import schedule_revocation

    versions = list(AssetVersion.objects.filter(asset=asset).exclude(pk=asset.approved_version_id)
                    .exclude(delivery_public_id="").filter(revoke_to="").select_related("asset"))
    schedule_revocation(versions)
    return len(versions)


def _open_case(ack: Acknowledgement):
    """One case for the overdue organisation, opened in the name of its partner admin (or a
    member who can see the asset) and saying it was opened by the portal."""
    from cases.models import Case
    from cases.services import CaseError, case_open

    members = (Membership.objects.current().filter(partner_id=ack.partner_id)
               .order_by("-role", "pk").select_related("user"))
    for membership in members:
        if not Asset.objects.visible_to(membership.user).filter(pk=ack.asset_id).exists():
            continue
        try:
            return case_open(
                opener=membership.user, asset=ack.asset, category=Case.Category.OTHER,
                subject=f"Overdue: confirm {ack.asset.title} {ack.version.label}"[:200],
                opened_by_portal=True,
                body=(f"Opened automatically by the portal: {ack.partner.name} has not "
                      f"confirmed it works from {ack.version.label} (due "
                      f"{timezone.localtime(ack.due_at):%-d %b %Y}). Downloads of superseded "
                      "versions are stopped until it does."))
        except CaseError:
            continue
    return None


@transaction.atomic
def escalate(at=None) -> int:
    """Overdue requests of blocking kinds: stop superseded downloads, open one case each."""
    at = at or timezone.now()
    overdue = (Acknowledgement.objects.overdue(at).select_for_update(of=("self",))
               .filter(escalated_case__isnull=True)
               .select_related("asset__kind", "version", "partner"))
    escalated = 0
    blocked: set[int] = set()
    for ack in overdue:
        if not blocks_when_overdue(ack.asset):
            continue
        if ack.asset_id not in blocked:
            _block_superseded(ack.asset)
            blocked.add(ack.asset_id)
        case = _open_case(ack)
        if case is not None:
            Acknowledgement.objects.filter(pk=ack.pk).update(escalated_case=case)
            escalated += 1
    return escalated

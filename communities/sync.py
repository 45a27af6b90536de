"""Mirror Trading Grid's directory: communities, partners, users and memberships.

One service serves `manage.py sync_communities`, the scheduled task and the demo seed:
`sync_directory()`. It reads each community's member list completely before writing
anything for it, then applies it in one transaction, so a failure half-way leaves every
community either fully synced or untouched. Only what changed is written (a second sync
writes nothing but its run record), and memberships that vanished from Trading Grid are
revoked. Webhook events are applied one at a time by `apply_event()`.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from assets.models import Market
from audit import record
from communities import tradinggrid
from communities.models import Community, DirectorySync, Membership, Partner, TradingGridEvent
from communities.services import (
    LANGUAGE_TAG,
    SYNC_ACTOR,
    MembershipTerms,
    membership_apply,
    membership_revoke,
)

logger = logging.getLogger(__name__)
STALE_RUN_AFTER = timedelta(hours=2)  # a "running" run older than this crashed


class SyncAlreadyRunning(Exception):
    """Another directory sync is in progress."""


# -- conversions -----------------------------------------------------------------------------


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def membership_terms(member: tradinggrid.RemoteMember, partner: Partner) -> MembershipTerms:
    """Trading Grid's member record as portal terms; validUntil is inclusive (whole day)."""
    until = member.valid_until + timedelta(days=1) if member.valid_until else None
    return MembershipTerms(
        partner=partner,
        role=(member.role if member.role in Membership.Role.values
              else Membership.Role.MEMBER),
        state=(Membership.State.ACTIVE if member.status == "active"
               else Membership.State.SUSPENDED),
        valid_from=_start_of(member.valid_from),
        valid_until=_start_of(until),
        tg_member_id=member.id,
        tg_updated_at=member.updated_at,
    )


def _check_member(member: tradinggrid.RemoteMember) -> None:
    validate_email(member.email)
    if not member.company.id:
        raise ValidationError(f"member {member.id} has no company id")


# -- upserts ---------------------------------------------------------------------------------


def _create_or_reread(create, reread):
    """`create()` in a savepoint; if a concurrent transaction inserted the same row first
    (the full sync and a webhook task can), `reread()` it instead of failing: (row, created).
    """
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        row = reread()
        if row is None:
            raise  # another constraint failed: a real error, not the race
        return row, False


def upsert_community(remote: tradinggrid.RemoteCommunity, counts: Counter) -> Community:
    """Create or update a community and its markets; writes only what differs."""
    kind = remote.kind if remote.kind in Community.Kind.values else Community.Kind.OTHER
    wanted = {"name": remote.name or remote.id, "kind": kind,
              "description": remote.description, "active": True,
              "tg_languages": _languages(remote.languages)}
    community = Community.objects.filter(tg_id=remote.id).first()
    created = False
    if community is None:
        community, created = _create_or_reread(
            lambda: Community.objects.create(tg_id=remote.id, synced_at=timezone.now(),
                                             **wanted),
            lambda: Community.objects.filter(tg_id=remote.id).first())
    if created:
        counts["communities_created"] += 1
    elif any(getattr(community, k) != v for k, v in wanted.items()):
        for field, value in wanted.items():
            setattr(community, field, value)
        community.synced_at = timezone.now()
        community.save()
        counts["communities_updated"] += 1
    slugs = sorted({m.strip().lower() for m in remote.markets if m.strip()})
    if sorted(community.markets.values_list("slug", flat=True)) != slugs:
        community.markets.set(_markets(slugs))
        counts["community_markets_changed"] += 1
    return community


def _languages(tags) -> list[str]:
    """Trading Grid's language tags as the portal keeps them: valid BCP 47, best first, once
    each (a malformed tag is dropped, not a failed sync)."""
    kept: list[str] = []
    for tag in tags:
        if LANGUAGE_TAG.match(tag) and tag.lower() not in {t.lower() for t in kept}:
            kept.append(tag)
    return kept


def _markets(slugs: list[str]) -> list[Market]:
    known = {m.slug: m for m in Market.objects.filter(slug__in=slugs)}
    for slug in set(slugs) - set(known):  # a market the catalog has not seen yet
        known[slug] = Market.objects.create(slug=slug, name=slug.upper(), auto_created=True)
    return list(known.values())


def upsert_partner(company: tradinggrid.RemoteCompany, cache: dict, counts: Counter
                   ) -> Partner:
    """The partner organisation for a Trading Grid company, created or renamed as needed."""
    if company.id in cache:
        return cache[company.id]
    partner = Partner.objects.filter(tg_company_id=company.id).first()
    name = company.name or company.id
    created = False
    if partner is None:
        partner, created = _create_or_reread(
            lambda: Partner.objects.create(tg_company_id=company.id, name=name,
                                           synced_at=timezone.now()),
            lambda: Partner.objects.filter(tg_company_id=company.id).first())
    if created:
        counts["partners_created"] += 1
    elif partner.name != name:
        partner.name, partner.synced_at = name, timezone.now()
        partner.save(update_fields=["name", "synced_at"])
        counts["partners_updated"] += 1
    cache[company.id] = partner
    return partner


def users_by_email(emails: set[str]) -> dict[str, User]:
    """Existing users for these (lower-cased) addresses, matched case-insensitively."""
    users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    return {u.email_lower: u for u in users}


def upsert_user(member: tradinggrid.RemoteMember, users: dict, counts: Counter) -> User:
    """The portal user for a member; new ones have no usable password (invite/reset/SSO)."""
    email = member.email.strip().lower()
    user = users.get(email)
    created = False
    if user is None:
        user, created = _create_or_reread(
            lambda: User.objects.create_user(email, password=None,
                                             first_name=member.given_name,
                                             last_name=member.family_name),
            lambda: User.objects.filter(email__iexact=email).first())
        users[email] = user
    if created:
        counts["users_created"] += 1
    elif (member.given_name and member.family_name
          and (user.first_name, user.last_name) != (member.given_name, member.family_name)):
        user.first_name, user.last_name = member.given_name, member.family_name
        user.save(update_fields=["first_name", "last_name"])
        counts["users_updated"] += 1
    return user


# -- full sync -------------------------------------------------------------------------------


def _claim_run() -> DirectorySync:
    DirectorySync.objects.filter(
        state=DirectorySync.State.RUNNING, started_at__lt=timezone.now() - STALE_RUN_AFTER,
    ).update(state=DirectorySync.State.FAILED, error="interrupted", finished_at=timezone.now())
    try:
        with transaction.atomic():
            return DirectorySync.objects.create()
    except IntegrityError:
        raise SyncAlreadyRunning("a Trading Grid directory sync is already running")


def sync_directory(*, url: str | None = None, page_size: int = tradinggrid.DEFAULT_PAGE_SIZE
                   ) -> DirectorySync:
    """Bring every community, partner, user and membership in line with Trading Grid.

    Raises SyncAlreadyRunning, or the client's TradingGridError (the run is then marked
    failed; communities already synced stay synced, nothing is revoked for the rest).
    """
    run = _claim_run()
    counts: Counter = Counter()
    try:
        client = tradinggrid.TradingGridClient(url)
        seen: list[str] = []
        for remote in client.iter_communities(page_size):
            members = list(client.iter_members(remote.id, page_size))
            with transaction.atomic():
                community = upsert_community(remote, counts)
                sync_members(community, members, counts)
            seen.append(remote.id)
        _retire_vanished_communities(seen, counts)
    except Exception as exc:
        run.state, run.error = DirectorySync.State.FAILED, f"{type(exc).__name__}: {exc}"
        run.counts, run.finished_at = dict(counts), timezone.now()
        run.save()
        raise
    run.state, run.counts, run.finished_at = DirectorySync.State.SUCCEEDED, dict(counts), \
        timezone.now()
    with transaction.atomic():
        run.save()
        if _changed(counts):
            record("sync.completed", actor=SYNC_ACTOR, target=run,
                   payload={"source": "tradinggrid", "counts": dict(counts)})
    return run


CHANGE_SUFFIXES = ("_created", "_updated", "_granted", "_revoked", "_deactivated", "_changed")


def _changed(counts: Counter) -> bool:
    return any(v for k, v in counts.items() if k.endswith(CHANGE_SUFFIXES))


def summary(counts: dict) -> str:
    """A one-line account of what a sync changed, for commands and logs."""
    changes = [f"{k.replace('_', ' ')}: {v}" for k, v in sorted(counts.items())
               if v and k.endswith(CHANGE_SUFFIXES)]
    seen = f"{counts.get('members_seen', 0)} members seen"
    if counts.get("members_invalid"):
        seen += f", {counts['members_invalid']} unreadable and skipped"
    return f"{seen}; " + ("; ".join(changes) if changes else "already in step")


def sync_members(community: Community, members: list[tradinggrid.RemoteMember],
                 counts: Counter) -> None:
    """Apply one community's complete member list; revoke memberships not on it."""
    valid, emails, skipped = [], set(), set()
    for member in members:
        try:
            _check_member(member)
        except ValidationError as exc:
            logger.warning("Trading Grid member skipped in %s: %s", community.tg_id, exc)
            counts["members_invalid"] += 1
            skipped.add((member.email or "").strip().lower())
            continue
        if member.email.strip().lower() not in emails:  # a person is listed once
            emails.add(member.email.strip().lower())
            valid.append(member)
    users = users_by_email(emails)
    existing = {m.user_id: m for m in Membership.objects.filter(community=community)
                .select_related("user", "partner", "community")}
    partners: dict = {}
    kept_users, tg_partners = set(), set()
    for member in valid:
        counts["members_seen"] += 1
        partner = upsert_partner(member.company, partners, counts)
        user = upsert_user(member, users, counts)
        _, outcome = membership_apply(user=user, community=community,
                                      terms=membership_terms(member, partner),
                                      actor=SYNC_ACTOR, existing=existing.get(user.pk))
        counts[f"memberships_{outcome}"] += 1
        kept_users.add(user.pk)
        tg_partners.add(partner.pk)
    for user_id, membership in existing.items():
        if user_id in kept_users or membership.user.email.lower() in skipped:
            continue  # an unreadable record is not a removal: keep what we had
        if membership.source == Membership.Source.INVITATION and \
                membership.partner_id in tg_partners:
            continue  # an invited colleague stays while their organisation is in the community
        membership_revoke(membership=membership, actor=SYNC_ACTOR,
                          reason="not in Trading Grid's member list")
        counts["memberships_revoked"] += 1


def _retire_vanished_communities(seen: list[str], counts: Counter) -> None:
    for community in Community.objects.filter(active=True).exclude(tg_id__in=seen):
        with transaction.atomic():
            sync_members(community, [], counts)
            community.active = False
            community.save(update_fields=["active"])
            counts["communities_deactivated"] += 1


# -- webhook events --------------------------------------------------------------------------


def store_event(event: tradinggrid.TradingGridEvent, payload: dict) -> tuple[TradingGridEvent,
                                                                             bool]:
    """Store a verified webhook once; (row, created). A redelivery returns the first row."""
    member_email = event.member.email.strip().lower() if event.member else ""
    row, created = TradingGridEvent.objects.get_or_create(
        event_id=event.id,
        defaults={"type": event.type, "payload": payload, "occurred_at": event.occurred_at,
                  "community_tg_id": event.community.id if event.community else "",
                  "member_email": member_email[:254]},
    )
    return row, created


def apply_event(row: TradingGridEvent) -> str:
    """Apply a stored event to the mirror; returns what happened (for the task's log)."""
    if row.type in tradinggrid.THREAD_EVENT_TYPES:  # discussion threads: cases/threads.py
        from communities.thread_events import dispatch

        return dispatch(row)
    event = _parse(row.payload)
    if event.community is None:
        return "ignored: no community"
    counts: Counter = Counter()
    with transaction.atomic():
        if event.type == "member.removed":
            return _apply_removal(event)
        community = upsert_community(event.community, counts)
        if event.type in ("member.added", "member.updated") and event.member:
            _check_member(event.member)
            partner = upsert_partner(event.member.company, {}, counts)
            user = upsert_user(event.member, users_by_email({event.member.email.lower()}),
                               counts)
            _, outcome = membership_apply(user=user, community=community,
                                          terms=membership_terms(event.member, partner),
                                          actor=SYNC_ACTOR, ignore_older=True)
            return f"membership {outcome}"
        if event.type == "community.updated":
            return "community " + ("changed" if counts else "unchanged")
    return f"ignored: {event.type}"


def _apply_removal(event: tradinggrid.TradingGridEvent) -> str:
    if event.member is None:
        return "ignored: no member"
    membership = (Membership.objects.select_for_update()
                  .select_related("user", "community", "partner")
                  .filter(community__tg_id=event.community.id,
                          user__email__iexact=event.member.email.strip()).first())
    if membership is None:
        return "membership already gone"
    removed_at = event.member.updated_at or event.occurred_at
    if membership.tg_updated_at and removed_at and membership.tg_updated_at > removed_at:
        return "ignored: the member was re-added after this removal"
    membership_revoke(membership=membership, actor=SYNC_ACTOR,
                      reason=f"Trading Grid event {event.id} (member.removed)")
    return "membership revoked"


def _parse(payload: dict) -> tradinggrid.TradingGridEvent:
    community, member = payload.get("community"), payload.get("member")
    occurred = payload.get("occurred_at")
    return tradinggrid.TradingGridEvent(
        id=payload["id"], type=payload["type"],
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        community=tradinggrid.RemoteCommunity.from_json(community) if community else None,
        member=tradinggrid.RemoteMember.from_json(member) if member else None,
    )

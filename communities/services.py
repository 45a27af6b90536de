"""Every change to communities, memberships, publications and invitations.

Each public service is one transaction and writes its own audit event inside it.
Actors are users, or system actor strings such as "tradinggrid-sync".
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assets.releases import revoke_asset_links
from audit import record
from communities.models import Community, Invitation, Membership, Partner, Publication
from communities.visibility import assets_exposed_by

SYNC_ACTOR = "tradinggrid-sync"
RULE_FIELDS = ("product_line", "campaign", "market", "kind")
# Membership fields whose change is worth an audit event (tg_updated_at is bookkeeping).
AUDITED_FIELDS = ("partner_id", "role", "state", "valid_from", "valid_until", "tg_member_id")


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) and hasattr(actor, "email") else None


# -- publications ----------------------------------------------------------------------------


def rule_payload(publication: Publication) -> dict:
    """A JSON description of a publication rule, for the audit trail."""
    payload = {"publication_id": publication.pk, "community": publication.community.tg_id}
    for field in RULE_FIELDS:
        term = getattr(publication, field)
        payload[field] = term.slug if term else None
    return payload


def publication_create(*, community: Community, actor, asset=None, product_line=None,
                       campaign=None, market=None, kind=None) -> Publication:
    """Publish one asset, or a rule on product line / campaign / market / kind, to a community.

    Publishing what is already published changes nothing and returns the existing row.
    A rule also covers matching assets that arrive later (the visibility rule evaluates
    it at read time).
    """
    terms = {"product_line": product_line, "campaign": campaign, "market": market,
             "kind": kind}
    if (asset is None) == (not any(terms.values())):
        raise ValidationError("Publish either a single asset or a rule naming at least one of "
                              "product line, campaign, market or kind, not both.")
    lookup = {"asset": asset, **terms}
    same = {(k if v is not None else f"{k}__isnull"): (v if v is not None else True)
            for k, v in lookup.items()}
    with transaction.atomic():
        existing = Publication.objects.filter(community=community, **same).first()
        if existing:
            return existing
        publication = Publication.objects.create(community=community, **lookup,
                                                 published_by=_user_or_none(actor))
        if asset is not None:
            record("asset.published", actor=actor, target=asset, community=community,
                   payload={"publication_id": publication.pk})
        else:
            record("asset.published", actor=actor, target=publication, community=community,
                   payload={"rule": rule_payload(publication)})
    return publication


def publication_create_many(*, community: Community, assets, actor) -> int:
    """Publish several assets at once (the admin's bulk action); returns how many were new."""
    created = 0
    with transaction.atomic():
        for asset in assets:
            before = Publication.objects.filter(community=community, asset=asset).exists()
            publication_create(community=community, asset=asset, actor=actor)
            created += not before
    return created


def publication_delete(*, publication: Publication, actor) -> None:
    """Withdraw a publication: its asset (or the rule's assets) leave the community at once."""
    with transaction.atomic():
        if publication.asset_id:
            record("asset.unpublished", actor=actor, target=publication.asset,
                   community=publication.community,
                   payload={"publication_id": publication.pk})
        else:
            record("asset.unpublished", actor=actor, target=publication,
                   community=publication.community, payload={"rule": rule_payload(publication)})
        # Links handed out through this publication stop working at the CDN; partners
        # who still see the asset through another community get fresh ones.
        exposed = list(assets_exposed_by(publication).values_list("pk", flat=True))
        publication.delete()
        revoke_asset_links(exposed, reason="unpublished")


# -- memberships -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipTerms:
    """What a membership should be, as Trading Grid (or an invitation) states it."""

    partner: Partner
    role: str = Membership.Role.MEMBER
    state: str = Membership.State.ACTIVE
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    tg_member_id: str = ""
    tg_updated_at: datetime | None = None

    def fields(self) -> dict:
        return {"partner_id": self.partner.pk, "role": self.role, "state": self.state,
                "valid_from": self.valid_from, "valid_until": self.valid_until,
                "tg_member_id": self.tg_member_id, "tg_updated_at": self.tg_updated_at}


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def membership_apply(*, user, community: Community, terms: MembershipTerms, actor,
                     existing: Membership | None = None, ignore_older: bool = False
                     ) -> tuple[Membership | None, str]:
    """Create or update `user`'s membership of `community` to match `terms`.

    Returns (membership, outcome) with outcome "granted", "updated", "unchanged",
    "stale" (an event older than what was last applied, when `ignore_older`) or
    "vanished" (None: the `existing` row given was deleted meanwhile). Writes nothing
    when nothing changed, so a repeated sync is free. Safe against a concurrent
    transaction creating the same membership: its row is then updated instead.
    """
    with transaction.atomic():
        if existing is None:
            existing = _locked_membership(user, community)
        if existing is None:
            membership = _create_membership_once(user=user, community=community,
                                                 fields=terms.fields())
            if membership is not None:
                record("membership.granted", actor=actor, target=membership,
                       community=community, partner=terms.partner,
                       payload={"role": terms.role, "state": terms.state,
                                "source": membership.source})
                return membership, "granted"
            # Someone else (a webhook task, the full sync) created it first: update theirs.
            existing = (Membership.objects.select_for_update()
                        .get(user=user, community=community))
        if (ignore_older and existing.tg_updated_at and terms.tg_updated_at
                and terms.tg_updated_at < existing.tg_updated_at):
            return existing, "stale"
        wanted = terms.fields()
        changed = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        if not changed:
            return existing, "unchanged"
        audited = {k: [_jsonable(getattr(existing, k)), _jsonable(v)]
                   for k, v in changed.items() if k in AUDITED_FIELDS}
        for field, value in changed.items():
            setattr(existing, field, value)
        existing.updated_at = timezone.now()
        if not Membership.objects.filter(pk=existing.pk).update(
                **changed, updated_at=existing.updated_at):
            # Removed since the caller read it (a member.removed webhook while a full sync
            # runs): a removal ends access at once, so it is not granted back here; the
            # next sync re-grants it if Trading Grid still lists the member.
            return None, "vanished"
        if audited:
            record("membership.updated", actor=actor, target=existing, community=community,
                   partner=terms.partner, payload={"changes": audited})
        return existing, "updated" if audited else "unchanged"


def _locked_membership(user, community: Community) -> Membership | None:
    """The membership, locked for this transaction (the read the race tests wrap)."""
    return Membership.objects.select_for_update().filter(user=user, community=community).first()


def _create_membership_once(*, user, community: Community, fields: dict) -> Membership | None:
    """Insert the membership, or return None when a concurrent transaction inserted it first.

    The savepoint keeps the caller's transaction usable after the unique constraint fires
    (PostgreSQL aborts the whole transaction otherwise), so the caller re-reads the winner's
    row and carries on instead of failing the whole community for this sync run.
    """
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, community=community, **fields)
    except IntegrityError:
        if not Membership.objects.filter(user=user, community=community).exists():
            raise  # another constraint failed: not the race, a real error
        return None


def membership_revoke(*, membership: Membership, actor, reason: str) -> None:
    """Remove a membership; whatever it granted is invisible from this commit on."""
    with transaction.atomic():
        record("membership.revoked", actor=actor, target=membership,
               community=membership.community, partner=membership.partner,
               payload={"reason": reason, "user": membership.user.email,
                        "role": membership.role, "source": membership.source})
        membership.delete()


# -- invitations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation an emailed token belongs to, pending or not; None if unknown."""
    return (Invitation.objects.select_related("community", "partner", "invited_by")
            .filter(token_hash=_token_hash(token)).first())


def _admin_membership(user, community: Community, at=None) -> Membership | None:
    return (Membership.objects.current(at)
            .filter(user=user, community=community, role=Membership.Role.PARTNER_ADMIN)
            .select_related("partner").first())


def invitation_create(*, inviter, community: Community, email: str,
                      now: datetime | None = None) -> tuple[Invitation, str]:
    """A partner admin invites a colleague into `community` on behalf of the admin's partner.

    Returns the invitation and its one-time token (only its hash is stored on the
    invitation); the email with the acceptance link goes through the outbox, sent by a task
    once the transaction commits. A newer
    invitation to the same address and community replaces a pending one.
    """
    now = now or timezone.now()
    email = (email or "").strip().lower()
    validate_email(email)
    with transaction.atomic():
        admin = _admin_membership(inviter, community, now)
        if admin is None:
            raise PermissionDenied("Only a partner admin of this community can invite.")
        if Membership.objects.filter(community=community, user__email__iexact=email).exists():
            raise ValidationError(f"{email} is already a member of {community}.")
        Invitation.objects.pending(now).filter(community=community, email=email).update(
            revoked_at=now)
        token = secrets.token_urlsafe(32)
        ttl = getattr(settings, "COMMUNITY_INVITATION_TTL_DAYS", 7)
        invitation = Invitation.objects.create(
            token_hash=_token_hash(token), email=email, community=community,
            partner=admin.partner, invited_by=inviter, created_at=now,
            expires_at=now + timedelta(days=ttl),
        )
        path = reverse("communities:accept_invitation", kwargs={"token": token})
        _queue_invitation_email(invitation, path)
    return invitation, token


def _queue_invitation_email(invitation: Invitation, path: str) -> None:
    """Through the one email outbox, in this transaction: never lost, sent once, retried."""
    from notifications.services import queue_email

    queue_email(kind="invitation", key=f"invitation:{invitation.pk}",
                recipient=invitation.email, link=path)


def invitation_accept(*, invitation: Invitation, user, now: datetime | None = None
                      ) -> Membership:
    """Accept an invitation as `user` (whose email must match): a member-role membership.

    Refused when the invitation is expired, used or revoked, or when its inviter is no
    longer a partner admin of the community.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending(now):
            raise ValidationError("This invitation has expired or was already used.")
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied("This invitation was sent to another email address.")
        if _admin_membership(invitation.invited_by, invitation.community, now) is None:
            raise ValidationError("This invitation is no longer valid: ask your partner "
                                  "admin for a new one.")
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        membership = Membership.objects.filter(user=user,
                                               community=invitation.community).first()
        if membership is not None:
            return membership
        membership = _create_membership_once(
            user=user, community=invitation.community,
            fields={"partner": invitation.partner, "role": Membership.Role.MEMBER,
                    "source": Membership.Source.INVITATION,
                    "invited_by": invitation.invited_by},
        )
        if membership is None:  # the sync added them a moment ago
            return Membership.objects.get(user=user, community=invitation.community)
        record("membership.granted", actor=invitation.invited_by, target=membership,
               community=invitation.community, partner=invitation.partner,
               payload={"source": "invitation", "invitation_id": invitation.pk,
                        "email": invitation.email})
    return membership


# -- a partner admin's own team --------------------------------------------------------------


def _require_team_admin(actor, community: Community, partner: Partner, at=None) -> None:
    admin = _admin_membership(actor, community, at)
    if admin is None or admin.partner_id != partner.pk:
        raise PermissionDenied("Only a partner admin of this organisation in this community "
                               "can do that.")


def membership_revoke_invited(*, membership: Membership, actor) -> None:
    """A partner admin removes a colleague whom their organisation invited; access ends now.

    Only invitation memberships of the admin's own organisation and community qualify:
    members who come from Trading Grid are removed there (the next sync would bring them
    back otherwise). Raises PermissionDenied or ValidationError, and changes nothing then.
    """
    with transaction.atomic():
        membership = (Membership.objects.select_for_update(of=("self",))
                      .select_related("user", "community", "partner")
                      .filter(pk=membership.pk).first())
        if membership is None:
            raise ValidationError("This membership was already removed.")
        _require_team_admin(actor, membership.community, membership.partner)
        if membership.source != Membership.Source.INVITATION:
            raise ValidationError("This member comes from OpenText Trading Grid: remove them "
                                  "there, and the portal follows.")
        if membership.user_id == actor.pk:
            raise ValidationError("You cannot revoke your own membership.")
        membership_revoke(membership=membership, actor=actor,
                          reason="revoked by a partner admin")


def invitation_withdraw(*, invitation: Invitation, actor, now: datetime | None = None) -> None:
    """A partner admin withdraws a pending invitation: its link stops working at once.

    Audited as `membership.revoked` (the access it promised), with `withdrawn` in the
    payload. Withdrawing one that is no longer pending is refused with ValidationError.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(of=("self",))
                      .select_related("community", "partner").get(pk=invitation.pk))
        _require_team_admin(actor, invitation.community, invitation.partner, now)
        if not invitation.is_pending(now):
            raise ValidationError("This invitation was already accepted, withdrawn or has "
                                  "expired.")
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        record("membership.revoked", actor=actor, target=invitation,
               community=invitation.community, partner=invitation.partner,
               payload={"reason": "invitation withdrawn by a partner admin",
                        "withdrawn": True, "invitation_id": invitation.pk,
                        "email": invitation.email})


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def community_set_defaults(*, community: Community, languages: list[str], presets, actor
                           ) -> bool:
    """Set a community's default languages (BCP 47, best first) and its own presets; one
    transaction, audited. A malformed tag is a ValueError naming it; nothing is saved."""
    cleaned = []
    for tag in languages:
        tag = str(tag).strip()
        if not tag:
            continue
        if not LANGUAGE_TAG.match(tag):
            raise ValueError(f"{tag!r} is not a language tag such as de-DE or ja")
        if tag.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(tag)
    preset_ids = sorted(p.pk for p in presets)
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        before_presets = sorted(locked.presets.values_list("pk", flat=True))
        before_languages = list(locked.languages or [])
        if before_languages == cleaned and before_presets == preset_ids:
            return False
        locked.languages = cleaned
        locked.save(update_fields=["languages"])
        locked.presets.set(preset_ids)
        record("community.defaults_changed", actor=actor, target=locked, community=locked,
               payload={"languages": cleaned, "presets": preset_ids,
                        "previous_languages": before_languages,
                        "previous_presets": before_presets})
    return True

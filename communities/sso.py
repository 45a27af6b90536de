"""Signing in with Trading Grid: who the member is here, and what they may see from now on.

The account is matched on the Trading Grid member id (`sub`), the same id the directory
sync stores on memberships, never on the email alone. A first sign-in creates the user
only when the member is in the mirrored directory, or when Trading Grid's directory lists
that member id in one of the communities the token claims (asked on the spot). Staff
accounts never sign in, and are never created, this way.

At every sign-in the person's Trading Grid memberships are reconciled with the token's
`communities` claim: a community missing from it is revoked, a new one is granted (as a
plain member; the next directory sync sets role and validity). Between sign-ins the
directory sync remains the authority. Every change is audited by the membership services,
with the actor "tradinggrid-sso", and the sign-in itself as `user.sso_login`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.roles import is_brand_staff
from audit import record
from communities import tradinggrid
from communities.models import Community, Membership
from communities.services import MembershipTerms, membership_apply, membership_revoke
from communities.sync import upsert_community, upsert_partner

logger = logging.getLogger(__name__)
SSO_ACTOR = "tradinggrid-sso"


def _client(url: str | None) -> tradinggrid.TradingGridClient:
    # Someone is waiting at the sign-in: one quick retry, not the sync's patient backoff.
    return tradinggrid.TradingGridClient(url, max_retries=1, backoff=0.2)


class SsoRefused(Exception):
    """This Trading Grid sign-in gets no portal session; the message is for the person."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SsoClaims:
    """The verified ID token's claims that the portal uses."""

    member_id: str
    email: str
    given_name: str
    family_name: str
    company_id: str
    company_name: str
    communities: tuple[str, ...]

    @classmethod
    def from_token(cls, claims: dict) -> SsoClaims:
        """Read the claims; SsoRefused when they cannot identify a member."""
        communities = claims.get("communities") or []
        email = str(claims.get("email") or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise SsoRefused("Your Trading Grid account has no usable email address.")
        if not claims.get("sub") or not isinstance(communities, list):
            raise SsoRefused("Trading Grid did not say which member you are.")
        return cls(member_id=str(claims["sub"]), email=email,
                   given_name=str(claims.get("given_name") or ""),
                   family_name=str(claims.get("family_name") or ""),
                   company_id=str(claims.get("company_id") or ""),
                   company_name=str(claims.get("company_name") or ""),
                   communities=tuple(sorted({str(c) for c in communities})))


@dataclass(frozen=True)
class SsoOutcome:
    """What a sign-in did."""

    user: User
    created: bool
    granted: tuple[str, ...]
    revoked: tuple[str, ...]


def sso_sign_in(*, claims: SsoClaims, linked_user: User | None = None,
                url: str | None = None) -> SsoOutcome:
    """The portal user for a verified Trading Grid sign-in, memberships reconciled.

    `linked_user`: the user already connected to this member id, if any. Raises
    SsoRefused (and changes nothing) for an unknown member, a staff or deactivated account,
    or when the directory cannot be asked.
    """
    with transaction.atomic():
        user, created = linked_user, False
        if user is None:
            user = _mirrored_user(claims.member_id)
        if user is None:
            user, created = _confirmed_user(claims, url)
        if user.is_staff or user.is_superuser or is_brand_staff(user):
            raise SsoRefused("Brand staff accounts do not sign in with Trading Grid. Sign in "
                             "with your email address and password.")
        if not user.is_active:
            raise SsoRefused("This portal account is deactivated.")
        granted, revoked = membership_reconcile_sso(user=user, claims=claims, url=url)
        record("user.sso_login", actor=user, target=user,
               payload={"member_id": claims.member_id, "created": created,
                        "communities": list(claims.communities),
                        "granted": granted, "revoked": revoked})
    return SsoOutcome(user=user, created=created, granted=tuple(granted),
                      revoked=tuple(revoked))


def _mirrored_user(member_id: str) -> User | None:
    membership = (Membership.objects.filter(tg_member_id=member_id,
                                            source=Membership.Source.TRADING_GRID)
                  .select_related("user").order_by("pk").first())
    return membership.user if membership else None


def _confirmed_user(claims: SsoClaims, url: str | None) -> tuple[User, bool]:
    """The user for a member the mirror does not know yet, if the directory lists them."""
    if not _directory_lists(claims, url):
        logger.info("Trading Grid sign-in refused: member %s is in no community",
                    claims.member_id)
        raise SsoRefused("Your Trading Grid account is not a member of any community this "
                         "portal serves. Ask your partner admin or the brand to add you.")
    user = User.objects.filter(email__iexact=claims.email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(claims.email, password=None, first_name=claims.given_name,
                                    last_name=claims.family_name), True


def _directory_lists(claims: SsoClaims, url: str | None) -> bool:
    client = _client(url)
    try:
        for community_id in claims.communities:
            for member in client.iter_members(community_id):
                if member.id == claims.member_id and \
                        member.email.strip().lower() == claims.email:
                    return True
    except tradinggrid.TradingGridNotFound:
        return False
    except tradinggrid.TradingGridError as exc:
        logger.warning("Trading Grid sign-in: the directory could not confirm %s: %s",
                       claims.member_id, exc)
        raise SsoRefused("Trading Grid cannot confirm your account right now. Please try "
                         "again in a few minutes.", status=503)
    return False


def membership_reconcile_sso(*, user: User, claims: SsoClaims, url: str | None = None
                             ) -> tuple[list[str], list[str]]:
    """Make `user`'s Trading Grid memberships match the token's communities claim.

    Returns the community ids (granted, revoked). Only current Trading Grid memberships
    are revoked (others grant nothing and stay the sync's business); invitations stay.
    """
    claimed = set(claims.communities)
    granted, revoked = [], []
    held = {m.community.tg_id: m for m in Membership.objects.filter(user=user)
            .select_related("community", "partner", "user")}
    for tg_id, membership in sorted(held.items()):
        if (tg_id not in claimed and membership.source == Membership.Source.TRADING_GRID
                and membership.is_current()):
            membership_revoke(membership=membership, actor=SSO_ACTOR,
                              reason="not in the communities of the Trading Grid sign-in")
            revoked.append(tg_id)
    partner = None
    for tg_id in sorted(claimed - set(held)):
        community = _community(tg_id, url)
        if community is None:
            continue
        partner = partner or _partner(claims)
        _, outcome = membership_apply(
            user=user, community=community, actor=SSO_ACTOR,
            terms=MembershipTerms(partner=partner, tg_member_id=claims.member_id))
        if outcome == "granted":
            granted.append(tg_id)
    return granted, revoked


def _community(tg_id: str, url: str | None) -> Community | None:
    community = Community.objects.filter(tg_id=tg_id).first()
    if community is not None:
        return community if community.active else None
    try:  # a community the mirror has not seen yet: the directory describes it
        return upsert_community(_client(url).get_community(tg_id),
                                Counter())
    except tradinggrid.TradingGridError as exc:
        logger.warning("Trading Grid sign-in: community %s skipped: %s", tg_id, exc)
        return None


def _partner(claims: SsoClaims):
    if not claims.company_id:
        raise SsoRefused("Your Trading Grid account names no company.")
    company = tradinggrid.RemoteCompany(id=claims.company_id, name=claims.company_name)
    return upsert_partner(company, {}, Counter())

"""Personal API tokens: create (the key is shown once), list, revoke; the staff MFA rule.

Tokens are django-rest-knox tokens (accounts.ApiToken): only a SHA-512 digest of the
key is stored, each has an expiry (API_TOKEN_TTL_DAYS by default, at most
API_TOKEN_MAX_TTL_DAYS), a user may hold several. They die when the password changes
(accounts.User.save) and when the user's TOTP authenticator is removed (receivers).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction

import audit
from accounts.models import ApiToken
from accounts.roles import is_brand_staff
from audit import actions


class TokenRefused(Exception):
    """The user may not create a token (e.g. staff without a second factor)."""


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    key: str  # the only moment the key exists outside the caller's hands


def has_second_factor(user) -> bool:
    """Whether the user has enrolled a TOTP authenticator."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def needs_second_factor(user) -> bool:
    """Staff (is_staff, content team, support) must have TOTP when PORTAL_REQUIRE_STAFF_MFA."""
    return bool(settings.PORTAL_REQUIRE_STAFF_MFA and getattr(user, "is_authenticated", False)
                and (user.is_staff or is_brand_staff(user)))


def lacks_required_second_factor(user) -> bool:
    return needs_second_factor(user) and not has_second_factor(user)


def ttl_choices() -> list[int]:
    """Lifetimes (days) offered on the token page, up to the maximum."""
    maximum = settings.API_TOKEN_MAX_TTL_DAYS
    days = {7, 30, 90, 180, 365, settings.API_TOKEN_TTL_DAYS, maximum}
    return sorted(d for d in days if d <= maximum)


def api_token_create(*, user, name: str, ttl_days: int | None = None) -> CreatedToken:
    """Create a token for `user` valid `ttl_days` (default API_TOKEN_TTL_DAYS, capped)."""
    if lacks_required_second_factor(user):
        raise TokenRefused("Staff accounts need two-factor authentication before "
                           "creating API tokens.")
    days = ttl_days or settings.API_TOKEN_TTL_DAYS
    if not 1 <= days <= settings.API_TOKEN_MAX_TTL_DAYS:
        raise ValueError(f"ttl_days must be between 1 and {settings.API_TOKEN_MAX_TTL_DAYS}")
    with transaction.atomic():
        token, key = ApiToken.objects.create(user=user, expiry=timedelta(days=days),
                                             name=name.strip())
        audit.record(actions.API_TOKEN_CREATED, actor=user, target=user,
                     payload={"name": token.name, "expiry": token.expiry.isoformat()})
    return CreatedToken(token=token, key=key)


def api_token_revoke(*, user, uid, acting_user=None) -> bool:
    """Revoke one of `user`'s tokens by uid; False when there is no such token."""
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, uid=uid).first()
        if token is None:
            return False
        token.delete()
        audit.record(actions.API_TOKEN_REVOKED, actor=acting_user or user, target=user,
                     payload={"reason": "revoked", "name": token.name, "count": 1})
    return True


def api_tokens_revoke_all(*, user, reason: str) -> int:
    """Revoke every token of `user` (password change or reset, MFA removed)."""
    with transaction.atomic():
        count, _ = ApiToken.objects.filter(user=user).delete()
        if count:
            audit.record(actions.API_TOKEN_REVOKED, actor=user, target=user,
                         payload={"reason": reason, "count": count})
    return count


def tokens_of(user):
    """The user's tokens, newest first (expired ones included until they are cleaned up)."""
    return ApiToken.objects.filter(user=user).order_by("-created")

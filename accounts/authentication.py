"""REST API authentication: personal API tokens, and the staff second-factor rule for every way in.

`ApiTokenAuthentication` is knox's (digest lookup, constant-time compare, expiry) plus
the portal's rules: a staff token works only while its owner has TOTP, and each use
stamps `last_used` (at most once a minute, so reads stay cheap).
`StaffSecondFactor` is a default permission: whichever authentication class let a staff
user in (session, token, anything added later), the request is refused without TOTP.
"""

from datetime import timedelta

from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from accounts.models import ApiToken
from accounts.tokens import lacks_required_second_factor

_MFA_MESSAGE = ("Staff accounts need two-factor authentication: enrol an authenticator app "
                "in the portal before using the API.")
_STAMP_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` with a hashed, expiring personal API token."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if lacks_required_second_factor(user):
            raise exceptions.AuthenticationFailed(_MFA_MESSAGE)
        now = timezone.now()
        if token.last_used is None or now - token.last_used > _STAMP_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return user, token


class StaffSecondFactor(BasePermission):
    """Staff without TOTP are refused by the API, however they authenticated."""

    message = _MFA_MESSAGE

    def has_permission(self, request, view) -> bool:
        return not lacks_required_second_factor(request.user)

"""Staff must enrol a second factor (TOTP) before using staff pages."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from accounts.tokens import lacks_required_second_factor

_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/hooks/")


class StaffMfaMiddleware:
    """Redirects staff without an authenticator to TOTP enrolment (PORTAL_REQUIRE_STAFF_MFA)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_enrol(request):
            messages.warning(request, "Staff accounts need two-factor authentication. "
                                      "Set up an authenticator app to continue.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_enrol(self, request) -> bool:
        if not settings.PORTAL_REQUIRE_STAFF_MFA or request.path.startswith(_EXEMPT_PREFIXES):
            return False
        # API tokens are checked by accounts.authentication (DRF authenticates after this).
        return lacks_required_second_factor(request.user)

"""Template helpers for the Trading Grid sign-in buttons."""

from django import template

from portal import sso

register = template.Library()


@register.simple_tag(takes_context=True)
def sso_single_logout_available(context) -> bool:
    """True when this session came from Trading Grid and the provider offers end-session."""
    request = context.get("request")
    return bool(request and request.session.get(sso.SESSION_KEY)
                and sso.end_session_url(request))


@register.simple_tag
def sso_required_for_partners() -> bool:
    """Whether partner password logins are refused (PORTAL_PARTNER_SSO_REQUIRED)."""
    return sso.sso_configured() and bool(sso.settings.PORTAL_PARTNER_SSO_REQUIRED)

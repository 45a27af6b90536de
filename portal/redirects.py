"""Redirect targets taken from a request are checked: only this site, never another host."""

from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target: str | None, fallback: str) -> str:
    """`target` when it is a URL on this site (same host, https when the request is),
    otherwise the resolved `fallback` (a URL name or path)."""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


def redirect_next(request, target: str | None, fallback: str):
    """A redirect to `safe_next(...)`."""
    return redirect(safe_next(request, target, fallback))

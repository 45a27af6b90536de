"""The user's own pages: personal API tokens (several, named, expiring, shown once)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import NewTokenForm
from accounts.tokens import (
    TokenRefused,
    api_token_create,
    api_token_revoke,
    lacks_required_second_factor,
    tokens_of,
)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """List the user's tokens; create one (its key is shown on this response only)."""
    form = NewTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(user=request.user, name=form.cleaned_data["name"],
                                       ttl_days=form.cleaned_data["ttl_days"])
        except TokenRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "New API token created. Copy it now: it is shown once.")
            form = NewTokenForm()
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "created": created, "tokens": tokens_of(request.user),
               "needs_mfa": lacks_required_second_factor(request.user)}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def revoke_token(request, uid):
    """Revoke one of the user's tokens (404-free: an unknown uid just says so)."""
    if api_token_revoke(user=request.user, uid=uid):
        messages.success(request, "The token was revoked.")
    else:
        messages.error(request, "No such token (it may have expired or been revoked).")
    return redirect("accounts:tokens")

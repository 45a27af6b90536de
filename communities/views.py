"""Partner pages: My communities, inviting a colleague, accepting an invitation."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.models import User
from communities.forms import AcceptInvitationForm, InviteForm
from communities.models import Community, Invitation, Membership
from communities.selectors import admin_teams, my_communities
from communities.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_withdraw,
    membership_revoke_invited,
)

AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@login_required
def mine(request, invite_form=None, invite_community=None, status=200):
    """The user's communities and partner organisation; admins also see their team."""
    entries = my_communities(request.user)
    context = {"entries": entries, "invite_form": invite_form,
               "invite_community": invite_community}
    return render(request, "communities/mine.html", context, status=status)


@login_required
@require_POST
def invite(request, community_pk: int):
    """A partner admin invites a colleague into one of the admin's communities."""
    admin_of = Membership.objects.current().filter(
        user=request.user, role=Membership.Role.PARTNER_ADMIN).values("community_id")
    community = get_object_or_404(Community.objects.filter(pk__in=admin_of), pk=community_pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(inviter=request.user, community=community,
                              email=form.cleaned_data["email"])
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("communities:mine")
    return mine(request, invite_form=form, invite_community=community, status=400)


@login_required
@require_POST
def revoke_member(request, membership_pk: int):
    """A partner admin revokes an invited colleague of their own organisation and community."""
    membership = get_object_or_404(
        Membership.objects.filter(admin_teams(request.user)).select_related("user"),
        pk=membership_pk)
    try:
        membership_revoke_invited(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{membership.user.email} no longer has access to "
                                  f"{membership.community}.")
    return redirect("communities:mine")


@login_required
@require_POST
def withdraw_invitation(request, invitation_pk: int):
    """A partner admin withdraws a pending invitation of their organisation and community."""
    invitation = get_object_or_404(Invitation.objects.filter(admin_teams(request.user)),
                                   pk=invitation_pk)
    try:
        invitation_withdraw(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("communities:mine")


def accept_invitation(request, token: str):
    """Accept an invitation: set a password (new account) or confirm (signed in)."""
    invitation = invitation_for_token(token)
    if invitation is None or not invitation.is_pending():
        return render(request, "communities/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation)
    if existing is not None and existing.has_usable_password():
        login_url = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(request, "communities/accept_invitation.html",
                      {"invitation": invitation, "login_url": login_url})
    form = AcceptInvitationForm(request.POST or None,
                                user=existing or User(email=invitation.email))
    if request.method == "POST" and form.is_valid():
        try:
            user = _accept_with_password(invitation, existing, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, f"Welcome to {invitation.community}. This is the "
                                      "catalog of the media shared with you.")
            return redirect("assets:catalog")
    return render(request, "communities/accept_invitation.html",
                  {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)


def _accept_with_password(invitation, existing, data: dict) -> User:
    with transaction.atomic():
        user = existing or User.objects.create_user(invitation.email, password=None)
        user.set_password(data["password1"])
        user.first_name, user.last_name = data["first_name"].strip(), data["last_name"].strip()
        user.save(update_fields=["password", "first_name", "last_name"])
        # The invitation reached this mailbox: the address is verified.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True})
        invitation_accept(invitation=invitation, user=user)
    return user


def _accept_signed_in(request, invitation):
    if request.user.email.lower() != invitation.email.lower():
        return render(request, "communities/accept_invitation.html",
                      {"invitation": invitation, "wrong_user": True}, status=403)
    if request.method != "POST":
        return render(request, "communities/accept_invitation.html",
                      {"invitation": invitation, "confirm": True})
    try:
        invitation_accept(invitation=invitation, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if hasattr(exc, "messages") else str(exc))
    else:
        messages.success(request, f"You joined {invitation.community}.")
        return redirect("assets:catalog")
    return redirect("communities:mine")

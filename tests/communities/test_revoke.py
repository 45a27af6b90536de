"""A partner admin revokes invited colleagues and withdraws pending invitations."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import Event
from communities.models import Invitation, Membership
from communities.services import (
    invitation_accept,
    invitation_create,
    invitation_withdraw,
    membership_revoke_invited,
)
from tests import factories as f


@pytest.fixture
def dora(alice, eu_retailers):
    """A colleague alice invited into EU Retailers, who accepted."""
    invitation, _ = invitation_create(inviter=alice, community=eu_retailers,
                                      email="dora@alpine-outfitters.example")
    user = f.UserFactory(email="dora@alpine-outfitters.example")
    invitation_accept(invitation=invitation, user=user)
    return user


@pytest.fixture
def pending(alice, eu_retailers):
    """A pending invitation of alice's, and its token."""
    return invitation_create(inviter=alice, community=eu_retailers,
                             email="emil@alpine-outfitters.example")


@pytest.fixture
def sakura_admin(sakura, jp_resellers, eu_retailers):
    """Charlie's partner admin, also an admin of Sakura in alice's community."""
    user = f.UserFactory(email="hana@sakura-trading.example")
    for community in (jp_resellers, eu_retailers):
        f.MembershipFactory(user=user, community=community, partner=sakura,
                            role=Membership.Role.PARTNER_ADMIN)
    return user


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _revoke(client, membership):
    return client.post(f"/communities/members/{membership.pk}/revoke/")


def _withdraw(client, invitation):
    return client.post(f"/communities/invitations/{invitation.pk}/withdraw/")


def test_alice_revokes_an_invited_colleague_whose_next_request_is_a_404(alice, dora,
                                                                          alice_asset):
    # given
    doras_client = _signed_in(dora)
    assert doras_client.get(f"/assets/{alice_asset.pk}/").status_code == 200
    membership = Membership.objects.get(user=dora)

    # when
    response = _revoke(_signed_in(alice), membership)

    # then
    assert response.status_code == 302
    assert not Membership.objects.filter(user=dora).exists()
    assert doras_client.get(f"/assets/{alice_asset.pk}/").status_code == 404
    event = Event.objects.get(action="membership.revoked")
    assert event.actor_user_id == alice.pk
    assert event.payload["source"] == "invitation"
    assert event.payload["user"] == "dora@alpine-outfitters.example"


def test_another_admin_of_the_organisation_can_revoke_alices_invitee(dora, eu_retailers,
                                                                      alpine):
    # given
    second_admin = f.UserFactory(email="max@alpine-outfitters.example")
    f.MembershipFactory(user=second_admin, community=eu_retailers, partner=alpine,
                        role=Membership.Role.PARTNER_ADMIN)

    # when
    response = _revoke(_signed_in(second_admin), Membership.objects.get(user=dora))

    # then
    assert response.status_code == 302
    assert not Membership.objects.filter(user=dora).exists()


def test_the_page_offers_revocation_only_for_invited_colleagues(alice, bob, dora, pending):
    # when
    html = _signed_in(alice).get("/communities/").content.decode()

    # then
    assert f"/communities/members/{Membership.objects.get(user=dora).pk}/revoke/" in html
    assert f"/communities/members/{Membership.objects.get(user=bob).pk}/revoke/" not in html
    assert f"/communities/invitations/{pending[0].pk}/withdraw/" in html
    assert "Managed in Trading Grid" in html
    assert "Trading Grid is the source of truth" in html


def test_bob_who_is_not_an_admin_cannot_revoke_or_withdraw(bob, dora, pending):
    # when
    client = _signed_in(bob)
    revoked = _revoke(client, Membership.objects.get(user=dora))
    withdrawn = _withdraw(client, pending[0])

    # then
    assert revoked.status_code == 404 and withdrawn.status_code == 404
    assert Membership.objects.filter(user=dora).exists()
    assert Invitation.objects.pending().filter(pk=pending[0].pk).exists()
    assert "Revoke access" not in client.get("/communities/").content.decode()


def test_charlies_admin_cannot_touch_alices_organisation(sakura_admin, charlie, dora, pending):
    # when
    client = _signed_in(sakura_admin)
    revoked = _revoke(client, Membership.objects.get(user=dora))
    withdrawn = _withdraw(client, pending[0])

    # then
    assert revoked.status_code == 404 and withdrawn.status_code == 404
    assert Membership.objects.filter(user=dora).exists()
    assert Invitation.objects.pending().filter(pk=pending[0].pk).exists()
    assert not Event.objects.filter(action="membership.revoked").exists()


def test_the_service_refuses_another_organisations_admin(sakura_admin, dora):
    with pytest.raises(PermissionDenied):
        membership_revoke_invited(membership=Membership.objects.get(user=dora),
                                  actor=sakura_admin)
    assert Membership.objects.filter(user=dora).exists()


def test_a_trading_grid_member_cannot_be_revoked_here(alice, bob, alice_asset):
    # given
    membership = Membership.objects.get(user=bob)
    assert membership.source == Membership.Source.TRADING_GRID

    client = _signed_in(alice)

    # when
    response = _revoke(client, membership)

    # then
    assert response.status_code == 302
    assert "comes from OpenText Trading Grid" in client.get("/communities/").content.decode()
    assert Membership.objects.filter(user=bob).exists()
    assert _signed_in(bob).get(f"/assets/{alice_asset.pk}/").status_code == 200
    assert not Event.objects.filter(action="membership.revoked").exists()
    with pytest.raises(ValidationError):
        membership_revoke_invited(membership=membership, actor=alice)


def test_revoking_needs_a_post(alice, dora):
    response = _signed_in(alice).get(
        f"/communities/members/{Membership.objects.get(user=dora).pk}/revoke/")
    assert response.status_code == 405
    assert Membership.objects.filter(user=dora).exists()


def test_alice_withdraws_a_pending_invitation_and_its_link_stops_working(alice, pending):
    # given
    invitation, token = pending

    # when
    response = _withdraw(_signed_in(alice), invitation)

    # then
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Client().get(f"/communities/invitations/{token}/").status_code == 404
    event = Event.objects.get(action="membership.revoked")
    assert event.actor_user_id == alice.pk
    assert event.payload["withdrawn"] is True
    assert event.payload["email"] == "emil@alpine-outfitters.example"


def test_withdrawing_an_accepted_invitation_is_refused(alice, dora):
    # given
    accepted = Invitation.objects.get(email="dora@alpine-outfitters.example")

    # when / then
    with pytest.raises(ValidationError):
        invitation_withdraw(invitation=accepted, actor=alice)
    assert _withdraw(_signed_in(alice), accepted).status_code == 302
    accepted.refresh_from_db()
    assert accepted.revoked_at is None
    assert Membership.objects.filter(user=dora).exists()

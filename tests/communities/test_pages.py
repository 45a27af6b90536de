"""My communities, invitations, and the communities API."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from audit.models import Event
from communities.models import Invitation, Membership
from tests import factories as f
from tests.helpers import count_queries


def test_my_communities_lists_the_users_communities_and_organisation(client_for, bob,
                                                                     charlie):
    # when
    response = client_for(bob).get("/communities/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "EU Retailers" in html and "Alpine Outfitters GmbH" in html
    assert "Japan Resellers" not in html
    assert "Send invitation" not in html  # bob is not a partner admin


def test_a_partner_admin_sees_their_organisations_members(client_for, alice, bob, charlie):
    html = client_for(alice).get("/communities/").content.decode()
    assert "bob@alpine-outfitters.example" in html
    assert "charlie@sakura-trading.example" not in html
    assert "Send invitation" in html


def test_the_page_shows_a_suspended_membership_as_such(client_for, bob):
    Membership.objects.filter(user=bob).update(state="suspended")
    assert "Suspended" in client_for(bob).get("/communities/").content.decode()


def test_my_communities_needs_a_signed_in_user(client, db):
    assert client.get("/communities/").status_code == 302


def test_the_page_query_count_does_not_grow_with_the_team(client_for, alice, eu_retailers,
                                                          alpine):
    # given
    client = client_for(alice)
    client.get("/communities/")
    with count_queries() as small:
        client.get("/communities/")
    for _ in range(10):
        f.MembershipFactory(community=eu_retailers, partner=alpine)

    # when
    with count_queries() as large:
        response = client.get("/communities/")

    # then
    assert response.content.decode().count("@partner.example") == 10
    assert len(small) == len(large)


def _invite(client, community, email):
    return client.post(f"/communities/{community.pk}/invite/", {"email": email})


def _accept_path():
    return re.search(r"https?://[^/]+(/communities/invitations/[^/\s]+/)",
                     mail.outbox[-1].body).group(1)


def test_a_partner_admin_invites_a_colleague_who_signs_up_and_joins(
        client_for, alice, eu_retailers, client, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(alice), eu_retailers, "Dora@Alpine-Outfitters.example")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["dora@alpine-outfitters.example"]
    client.logout()

    # when
    path = _accept_path()
    form = client.get(path)
    joined = client.post(path, {"first_name": "Dora", "last_name": "Keller",
                                "password1": "a long enough passphrase 42",
                                "password2": "a long enough passphrase 42"})

    # then: she is asked for her name, and lands on the catalog
    assert form.status_code == 200
    assert joined.status_code == 302 and joined["Location"] == "/catalog/"
    dora = User.objects.get(email="dora@alpine-outfitters.example")
    assert dora.get_full_name() == "Dora Keller"
    membership = Membership.objects.get(user=dora)
    assert (membership.community, membership.partner.name, membership.role,
            membership.source) == (eu_retailers, "Alpine Outfitters GmbH", "member",
                                   "invitation")
    assert dora.check_password("a long enough passphrase 42")
    assert client.get("/communities/").status_code == 200  # signed in
    granted = Event.objects.get(action="membership.granted", target_id=str(membership.pk))
    assert granted.actor_label == alice.email
    assert client.get(path).status_code == 404  # used once


def test_members_cannot_invite(client_for, bob, eu_retailers):
    assert _invite(client_for(bob), eu_retailers, "x@example.com").status_code == 404
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_into_another_community(client_for, alice, jp_resellers):
    assert _invite(client_for(alice), jp_resellers, "x@example.com").status_code == 404


def test_inviting_an_existing_member_is_explained(client_for, alice, bob, eu_retailers):
    response = _invite(client_for(alice), eu_retailers, bob.email)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_a_bad_email_is_explained(client_for, alice, eu_retailers):
    response = _invite(client_for(alice), eu_retailers, "not-an-email")
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_an_expired_invitation_cannot_be_accepted(client_for, alice, eu_retailers, client,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(alice), eu_retailers, "late@alpine-outfitters.example")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    assert client.get(_accept_path()).status_code == 404


def test_an_invitation_dies_with_its_inviters_admin_role(client_for, alice, eu_retailers,
                                                         client,
                                                         django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(alice), eu_retailers, "gus@alpine-outfitters.example")
    Membership.objects.filter(user=alice).update(role="member")
    client.logout()

    # when
    response = client.post(_accept_path(), {"first_name": "Gus", "last_name": "Gruber",
                                            "password1": "a long enough passphrase 42",
                                            "password2": "a long enough passphrase 42"})

    # then
    assert response.status_code == 400
    assert "no longer valid" in response.content.decode()
    assert not User.objects.filter(email="gus@alpine-outfitters.example").exists()


def test_an_existing_user_accepts_by_signing_in(client_for, alice, charlie, eu_retailers,
                                                django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(alice), eu_retailers, charlie.email)
    path = _accept_path()
    client = client_for(charlie)

    # when
    client.post(path)

    # then
    assert Membership.objects.filter(user=charlie, community=eu_retailers,
                                     partner__name="Alpine Outfitters GmbH").exists()


def test_the_wrong_signed_in_user_cannot_accept(client_for, alice, bob, eu_retailers,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(alice), eu_retailers, "hana@alpine-outfitters.example")
    path = _accept_path()
    assert client_for(bob).post(path).status_code == 403
    assert not User.objects.filter(email="hana@alpine-outfitters.example").exists()


# -- API ---------------------------------------------------------------------------------


def test_the_api_lists_the_users_communities(client_for, alice, charlie):
    # when
    body = client_for(alice).get("/api/v1/communities/").json()

    # then
    assert [c["tg_id"] for c in body["results"]] == ["COMM-EU-RETAIL"]
    assert body["results"][0]["membership"]["role"] == "partner_admin"
    assert body["results"][0]["membership"]["partner"]["tg_company_id"] == "TGC-1001"


def test_the_api_hides_other_communities_with_a_404(client_for, alice, charlie, jp_resellers):
    client = client_for(alice)
    hidden = client.get(f"/api/v1/communities/{jp_resellers.pk}/")
    missing = client.get(f"/api/v1/communities/{jp_resellers.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_api_is_read_only(client_for, alice, eu_retailers):
    response = client_for(alice).post("/api/v1/communities/", {"name": "x"})
    assert response.status_code == 405


def test_the_api_query_count_does_not_grow_with_communities(client_for, alice, alpine):
    client = client_for(alice)
    with count_queries() as one:
        client.get("/api/v1/communities/")
    for _ in range(10):
        community = f.CommunityFactory()
        community.markets.add(f.MarketFactory())
        f.MembershipFactory(user=alice, community=community, partner=alpine)
    with count_queries() as eleven:
        body = client.get("/api/v1/communities/").json()
    assert body["count"] == 11
    assert len(one) == len(eleven)


def test_the_api_schema_documents_the_communities_endpoint(client_for, content):
    schema = client_for(content).get("/api/schema/?format=json").json()
    assert "/api/v1/communities/" in schema["paths"]
    assert "Membership" in schema["components"]["schemas"]


@pytest.mark.parametrize("query,expected", [("kind=resellers", []),
                                            ("q=retail", ["COMM-EU-RETAIL"])])
def test_the_api_filters(client_for, alice, query, expected):
    body = client_for(alice).get(f"/api/v1/communities/?{query}").json()
    assert [c["tg_id"] for c in body["results"]] == expected


def test_the_community_admin_shows_trading_grids_languages_beside_the_content_teams(
        client_for, content, eu_retailers, jp_resellers):
    from django.urls import reverse

    from communities.models import Community

    Community.objects.filter(pk=eu_retailers.pk).update(tg_languages=["de-DE", "fr-FR"])
    Community.objects.filter(pk=jp_resellers.pk).update(tg_languages=["ja-JP"],
                                                        languages=["en"])

    listing = client_for(content).get(reverse("admin:communities_community_changelist"))
    page = client_for(content).get(reverse("admin:communities_community_change",
                                           args=[eu_retailers.pk]))

    assert listing.status_code == 200 and page.status_code == 200
    assert "de-DE, fr-FR (Trading Grid)" in listing.content.decode()
    assert ">en<" in listing.content.decode()  # the content team's list wins
    assert "Trading Grid languages" in page.content.decode()
    assert "de-DE, fr-FR" in page.content.decode()

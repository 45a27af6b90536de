"""The partner home (new for me, launches, open cases); API tokens: tests/accounts."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from tests import factories as f
from tests.catalog.fixtures import published_asset


def test_home_shows_what_changed_since_the_last_visit(client_for, bob, eu_retailers, charlie_asset):
    # given
    old = published_asset(eu_retailers, title="Old news")
    Asset.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    old.publications.update(published_at=timezone.now() - timedelta(days=3))
    bob.memberships.update(created_at=timezone.now() - timedelta(days=30))
    bob.last_catalog_visit = timezone.now() - timedelta(days=1)
    bob.save()
    fresh = published_asset(eu_retailers, title="Fresh banner")
    # when
    response = client_for(bob).get(reverse("home"))
    # then
    assert [c["asset"] for c in response.context["new_cards"]] == [fresh]
    assert response.context["new_count"] == 1
    assert "Summit Pro JP banner" not in response.content.decode()


def test_home_lists_upcoming_launches_in_my_communities(client_for, bob, eu_retailers,
                                                        jp_resellers):
    # given
    soon = f.CampaignFactory(slug="autumn", name="Autumn drop",
                             launch_date=timezone.localdate() + timedelta(days=10))
    past = f.CampaignFactory(slug="spring", name="Spring",
                             launch_date=timezone.localdate() - timedelta(days=10))
    hidden = f.CampaignFactory(slug="jp-only", name="JP only",
                               launch_date=timezone.localdate() + timedelta(days=5))
    published_asset(eu_retailers, campaign=soon)
    published_asset(eu_retailers, campaign=past)
    published_asset(jp_resellers, campaign=hidden)
    # when
    response = client_for(bob).get(reverse("home"))
    # then
    assert [x["campaign__name"] for x in response.context["launches"]] == ["Autumn drop"]


def test_home_lists_my_open_cases_only(client_for, bob, alice, alice_asset, alpine):
    # given
    mine = f.CaseFactory(opener=bob, partner=alpine, asset=alice_asset, subject="Wrong box")
    f.CaseFactory(opener=bob, partner=alpine, asset=alice_asset, status="resolved")
    f.CaseFactory(opener=alice, partner=alpine, asset=alice_asset)
    # when
    response = client_for(bob).get(reverse("home"))
    # then
    assert [case for case, _url in response.context["open_cases"]] == [mine]

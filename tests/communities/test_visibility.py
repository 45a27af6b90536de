"""The visibility rule: Asset.objects.visible_to(user), example by example."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import ApprovalState, Asset
from communities.models import Membership
from communities.visibility import visible_asset_or_404
from tests import factories as f
from tests.helpers import queries_for


def visible(user):
    return set(Asset.objects.visible_to(user))


def test_a_member_sees_an_asset_published_to_their_community(alice, bob, alice_asset):
    assert visible(alice) == {alice_asset} == visible(bob)


def test_it_requires_membership(charlie, alice_asset, charlie_asset):
    assert visible(charlie) == {charlie_asset}


@pytest.mark.parametrize("change", [
    {"approval_state": ApprovalState.PENDING},
    {"approval_state": ApprovalState.REJECTED},
    {"retired": True},
])
def test_only_approved_live_assets_are_visible(alice, alice_asset, change):
    # given
    Asset.objects.filter(pk=alice_asset.pk).update(**change)

    # then
    assert visible(alice) == set()


@pytest.mark.parametrize("window", [
    {"state": Membership.State.SUSPENDED},
    {"valid_until": timezone.now() - timedelta(days=1)},
    {"valid_from": timezone.now() + timedelta(days=1)},
])
def test_a_membership_that_is_not_current_grants_nothing(alice, alice_asset, window):
    # given
    Membership.objects.filter(user=alice).update(**window)

    # then
    assert visible(alice) == set()


def test_an_inactive_user_or_community_grants_nothing(alice, bob, alice_asset, eu_retailers):
    # given
    alice.is_active = False
    alice.save()

    # then
    assert visible(alice) == set()
    eu_retailers.active = False
    eu_retailers.save()
    assert visible(bob) == set()


def test_a_rule_matches_on_every_field_it_names(alice, eu_retailers):
    # given
    spring, de, fr = f.CampaignFactory(slug="spring-2027"), f.MarketFactory(slug="de"), \
        f.MarketFactory(slug="fr")
    banner = f.AssetKindFactory(slug="banner")
    match = f.AssetFactory(campaign=spring, markets=[de, fr], kind=banner)
    wrong_market = f.AssetFactory(campaign=spring, markets=[fr])
    wrong_campaign = f.AssetFactory(markets=[de])
    pending = f.AssetFactory(campaign=spring, markets=[de],
                             approval_state=ApprovalState.PENDING)

    # when
    f.PublicationFactory(community=eu_retailers, asset=None, campaign=spring, market=de)

    # then
    assert visible(alice) == {match}
    assert {wrong_market, wrong_campaign, pending}.isdisjoint(visible(alice))


def test_a_rule_covers_assets_that_arrive_later(alice, eu_retailers):
    # given
    line = f.ProductLineFactory(slug="trail")
    f.PublicationFactory(community=eu_retailers, asset=None, product_line=line)

    # when
    later = f.AssetFactory(product_line=line)

    # then
    assert visible(alice) == {later}


def test_brand_staff_see_every_asset_and_anonymous_users_none(content, support, alice_asset,
                                                              charlie_asset):
    # given
    unpublished = f.AssetFactory(approval_state=ApprovalState.PENDING)
    from django.contrib.auth.models import AnonymousUser

    # then
    assert visible(content) == visible(support) == {alice_asset, charlie_asset, unpublished}
    assert visible(AnonymousUser()) == set()


def test_a_single_object_goes_through_the_same_rule(charlie, alice_asset):
    from django.http import Http404

    with pytest.raises(Http404):
        visible_asset_or_404(charlie, pk=alice_asset.pk)
    with pytest.raises(Http404):
        visible_asset_or_404(charlie, pk=alice_asset.pk + 10_000)


def _page(user):
    return lambda: list(Asset.objects.visible_to(user).select_related("kind")[:50])


def test_the_query_count_does_not_grow_with_communities_and_rules(alice, eu_retailers):
    # given: one community with one rule, and a page of 50 matching assets
    market = f.MarketFactory(slug="de")
    f.PublicationFactory(community=eu_retailers, asset=None, market=market)
    for _ in range(50):
        f.AssetFactory(markets=[market])
    alice = type(alice).objects.get(pk=alice.pk)
    small = queries_for(_page(alice))
    assert len(_page(alice)()) == 50

    # when: 500 communities alice belongs to, and 2,000 rules among them
    _grow(alice, communities=500, rules=2_000)
    alice = type(alice).objects.get(pk=alice.pk)
    large = queries_for(_page(alice))

    # then
    # the user's groups (staff check), their current communities, then the page (the rules
    # are in the grant table, communities/grants.py, whatever their number)
    assert small == large == 3
    assert len(_page(alice)()) == 50


def _grow(user, *, communities: int, rules: int):
    from communities.models import Community, Partner, Publication

    partner = Partner.objects.create(tg_company_id="TGC-BULK", name="Bulk")
    made = Community.objects.bulk_create(
        Community(tg_id=f"COMM-BULK-{n}", name=f"Bulk {n}") for n in range(communities))
    Membership.objects.bulk_create(Membership(user=user, community=c, partner=partner)
                                   for c in made)
    lines = [f.ProductLineFactory(slug=f"bulk-line-{n}") for n in range(4)]
    Publication.objects.bulk_create(
        Publication(community=made[n % communities], product_line=lines[n // communities])
        for n in range(rules))
    assert Publication.objects.filter(asset__isnull=True).count() == rules + 1


@pytest.mark.parametrize("field", ["product_line", "campaign", "market", "kind"])
def test_a_rule_naming_one_field_hides_assets_that_differ_on_it(alice, eu_retailers, field):
    # given: two values of each taxonomy field; the asset has the first, the rule the second
    values = {
        "product_line": [f.ProductLineFactory(slug=f"pl-{i}") for i in (1, 2)],
        "campaign": [f.CampaignFactory(slug=f"cp-{i}") for i in (1, 2)],
        "market": [f.MarketFactory(slug=f"mk-{i}") for i in (1, 2)],
        "kind": [f.AssetKindFactory(slug=f"kd-{i}") for i in (1, 2)],
    }
    first = {k: v[0] for k, v in values.items()}
    asset = f.AssetFactory(**{k: v for k, v in first.items() if k != "market"},
                           markets=[first["market"]])

    # when
    f.PublicationFactory(community=eu_retailers, asset=None, **{field: values[field][1]})

    # then
    assert visible(alice) == set()
    f.PublicationFactory(community=eu_retailers, asset=None, **{field: values[field][0]})
    assert visible(alice) == {asset}


def test_a_masters_publication_carries_its_approved_variants_only(alice, charlie, alice_asset,
                                                                   charlie_asset):
    # given: alice_asset is published to alice's community; two variants are not published
    german = f.AssetFactory(master=alice_asset, locale="de-DE")
    french = f.AssetFactory(master=alice_asset, locale="fr-FR",
                            approval_state=ApprovalState.PENDING)
    retired = f.AssetFactory(master=alice_asset, locale="it-IT", retired=True)
    of_another = f.AssetFactory(master=charlie_asset, locale="ja-JP")

    # then: the approved live variant comes with its master; the others do not
    assert visible(alice) == {alice_asset, german}
    assert french not in visible(alice) and retired not in visible(alice)
    assert visible(charlie) == {charlie_asset, of_another}

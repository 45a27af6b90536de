"""The grant table (communities/grants.py) stays what the publications say, whatever the
order of the changes, and the repair command restores it after deliberate corruption."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.models import ApprovalState, Asset
from communities import grants, services
from communities.models import AssetGrant, Embargo, Membership, Publication
from tests import factories as f

N = 3  # assets, communities and taxonomy values in a generated world

operations = st.lists(st.one_of(
    st.tuples(st.just("publish_asset"), st.integers(0, N - 1), st.integers(0, N - 1)),
    st.tuples(st.just("publish_rule"), st.integers(0, N - 1),
              st.sampled_from(["product_line", "campaign", "kind", "market"]),
              st.integers(0, N - 1)),
    st.tuples(st.just("withdraw"), st.integers(0, 20)),
    st.tuples(st.just("retaxonomize"), st.integers(0, N - 1),
              st.sampled_from(["product_line", "campaign", "kind"]), st.integers(0, N - 1)),
    st.tuples(st.just("markets"), st.integers(0, N - 1),
              st.sets(st.integers(0, N - 1), max_size=2)),
    st.tuples(st.just("master"), st.integers(0, N - 1), st.integers(0, N - 1)),
    st.tuples(st.just("approval"), st.integers(0, N - 1),
              st.sampled_from([ApprovalState.APPROVED, ApprovalState.PENDING])),
    st.tuples(st.just("retire"), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("new_version"), st.integers(0, N - 1)),
    st.tuples(st.just("embargo"), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("membership"), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("new_asset"), st.integers(0, N - 1)),
), min_size=1, max_size=25)


class Rollback(Exception):
    pass


def _apply(op, world, content, partner, user):
    assets, communities, terms = world["assets"], world["communities"], world["terms"]
    name, *args = op
    if name == "publish_asset":
        services.publication_create(community=communities[args[0]], asset=assets[args[1]],
                                    actor=content)
    elif name == "publish_rule":
        community, field, value = args
        services.publication_create(community=communities[community], actor=content,
                                    **{field: terms[field][value]})
    elif name == "withdraw":
        publications = list(Publication.objects.order_by("pk"))
        if publications:
            services.publication_delete(publication=publications[args[0] % len(publications)],
                                        actor=content)
    elif name == "retaxonomize":
        asset, field, value = assets[args[0]], args[1], args[2]
        setattr(asset, field, terms[field][value])
        asset.save(update_fields=[field])
    elif name == "markets":
        assets[args[0]].markets.set([terms["market"][m] for m in args[1]])
    elif name == "master":
        variant, master = assets[args[0]], assets[args[1]]
        if variant.pk != master.pk and master.master_id is None and not Asset.objects.filter(
                master=variant).exists():
            variant.master, variant.locale = master, "de-DE"
            variant.save(update_fields=["master", "locale"])
    elif name == "approval":
        Asset.objects.filter(pk=assets[args[0]].pk).update(approval_state=args[1])
    elif name == "retire":
        asset = assets[args[0]]
        asset.retired = args[1]
        asset.save(update_fields=["retired"])
    elif name == "new_version":
        asset = assets[args[0]]
        asset.version += 1
        asset.save()
    elif name == "embargo":
        hours = 1 if args[1] else -1
        Embargo.objects.update_or_create(asset=assets[args[0]], market=None,
                                         defaults={"go_live_at": timezone.now()
                                                   + timedelta(hours=hours)})
    elif name == "membership":
        community = communities[args[0]]
        if args[1]:
            Membership.objects.get_or_create(user=user, community=community, partner=partner)
        else:
            Membership.objects.filter(user=user, community=community).delete()
    elif name == "new_asset":
        assets.append(f.AssetFactory(product_line=terms["product_line"][args[0]],
                                     markets=[terms["market"][args[0]]]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_the_grant_table_follows_every_sequence_of_changes(db, ops, content):
    from unittest import mock

    from communities import visibility

    try:
        with transaction.atomic():
            # given
            terms = {"product_line": [f.ProductLineFactory(slug=f"g-pl-{i}") for i in range(N)],
                     "campaign": [f.CampaignFactory(slug=f"g-cp-{i}") for i in range(N)],
                     "kind": [f.AssetKindFactory(slug=f"g-kd-{i}") for i in range(N)],
                     "market": [f.MarketFactory(slug=f"g-mk-{i}") for i in range(N)]}
            world = {"terms": terms,
                     "communities": [f.CommunityFactory() for _ in range(N)],
                     "assets": [f.AssetFactory(product_line=terms["product_line"][i],
                                               campaign=terms["campaign"][i],
                                               kind=terms["kind"][i]) for i in range(N)]}
            partner = f.PartnerFactory()
            user = f.UserFactory()
            f.MembershipFactory(user=user, community=world["communities"][0], partner=partner)
            # when
            for op in ops:
                _apply(op, world, content, partner, user)
                # then: after every step
                assert grants.check().clean, op
            seen = set(Asset.objects.visible_to(user).values_list("pk", flat=True))
            with mock.patch.object(visibility, "USE_GRANTS", False):
                assert seen == set(Asset.objects.visible_to(user).values_list("pk", flat=True))
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_the_repair_command_restores_a_corrupted_table(alice, alice_asset, eu_retailers,
                                                       capsys):
    # given: a rule and a direct publication, and a table someone damaged
    market = f.MarketFactory(slug="de")
    by_rule = [f.AssetFactory(markets=[market]) for _ in range(3)]
    f.PublicationFactory(community=eu_retailers, asset=None, market=market)
    before = set(AssetGrant.objects.values_list("asset_id", "community_id"))
    assert {(a.pk, eu_retailers.pk) for a in [alice_asset, *by_rule]} <= before
    AssetGrant.objects.filter(asset__in=by_rule[:2]).delete()
    AssetGrant.objects.create(asset=f.AssetFactory(), community=eu_retailers)
    assert not set(Asset.objects.visible_to(alice)) >= set(by_rule)

    # when
    with pytest.raises(CommandError, match="2 missing, 1 stale"):
        call_command("asset_grants", "--check")
    call_command("asset_grants", "--repair")

    # then
    assert "2 missing and 1 stale grants repaired" in capsys.readouterr().out
    assert set(AssetGrant.objects.values_list("asset_id", "community_id")) == before
    call_command("asset_grants", "--check")
    assert set(Asset.objects.visible_to(alice)) >= {alice_asset, *by_rule}


@pytest.mark.django_db
def test_the_nightly_task_repairs_drift_and_says_so(alice_asset, eu_retailers):
    from communities.tasks import repair_asset_grants

    assert repair_asset_grants() == "clean"
    AssetGrant.objects.all().delete()
    assert repair_asset_grants() == "repaired 1 missing, 0 stale"
    assert AssetGrant.objects.filter(asset=alice_asset, community=eu_retailers).exists()

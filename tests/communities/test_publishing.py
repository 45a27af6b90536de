"""Publishing: services, the Publication admin and the Asset admin's bulk action."""

import pytest
from django.core.exceptions import ValidationError

from assets.models import ApprovalState, Asset
from audit.models import Event
from communities.models import Publication
from communities.services import publication_create, publication_delete
from tests import factories as f


def test_publishing_a_rule_shows_matching_assets_including_later_ones(alice, content,
                                                                      eu_retailers):
    # given
    spring, de = f.CampaignFactory(slug="spring-2027"), f.MarketFactory(slug="de")
    now = f.AssetFactory(campaign=spring, markets=[de])

    # when
    publication = publication_create(community=eu_retailers, actor=content, campaign=spring,
                                     market=de)
    later = f.AssetFactory(campaign=spring, markets=[de])

    # then
    assert set(Asset.objects.visible_to(alice)) == {now, later}
    event = Event.objects.get(action="asset.published")
    assert event.target_type == "communities.publication"
    assert event.payload["rule"] == {"publication_id": publication.pk,
                                     "community": "COMM-EU-RETAIL", "product_line": None,
                                     "campaign": "spring-2027", "market": "de", "kind": None}
    assert publication.published_by == content


def test_unpublishing_hides_at_once_and_is_audited(alice, content, eu_retailers):
    # given
    asset = f.AssetFactory()
    publication = publication_create(community=eu_retailers, actor=content, asset=asset)

    # when
    publication_delete(publication=publication, actor=content)

    # then
    assert list(Asset.objects.visible_to(alice)) == []
    event = Event.objects.get(action="asset.unpublished")
    assert (event.target_type, event.target_id, event.community_label) == (
        "assets.asset", str(asset.pk), "EU Retailers")


def test_publishing_twice_changes_nothing(content, eu_retailers):
    asset = f.AssetFactory()
    first = publication_create(community=eu_retailers, actor=content, asset=asset)
    assert publication_create(community=eu_retailers, actor=content, asset=asset) == first
    assert Event.objects.filter(action="asset.published").count() == 1


@pytest.mark.parametrize("kwargs", [{}, {"asset": "asset", "market": "market"}])
def test_a_publication_is_an_asset_or_a_rule(content, eu_retailers, kwargs):
    values = {"asset": f.AssetFactory(), "market": f.MarketFactory()}
    with pytest.raises(ValidationError):
        publication_create(community=eu_retailers, actor=content,
                           **{k: values[v] for k, v in kwargs.items()})


@pytest.fixture
def content_client(client, content):
    client.force_login(content)
    return client


def test_the_content_team_adds_a_rule_in_the_admin(content_client, eu_retailers, alice):
    # given
    de = f.MarketFactory(slug="de")
    asset = f.AssetFactory(markets=[de])

    # when
    response = content_client.post("/admin/communities/publication/add/", {
        "community": eu_retailers.pk, "market": de.pk})

    # then
    assert response.status_code == 302, response.content
    assert list(Asset.objects.visible_to(alice)) == [asset]
    assert Event.objects.filter(action="asset.published").count() == 1


def test_the_admin_refuses_a_publication_naming_nothing(content_client, eu_retailers):
    response = content_client.post("/admin/communities/publication/add/",
                                   {"community": eu_retailers.pk})
    assert response.status_code == 200
    assert b"Choose either a single asset" in response.content
    assert not Publication.objects.exists()


def test_deleting_in_the_admin_goes_through_the_service(content_client, eu_retailers):
    # given
    publication = f.PublicationFactory(community=eu_retailers)

    # when
    response = content_client.post(
        "/admin/communities/publication/", {"action": "delete_selected", "post": "yes",
                                            "_selected_action": [publication.pk]})

    # then
    assert response.status_code == 302
    assert not Publication.objects.exists()
    assert Event.objects.filter(action="asset.unpublished").count() == 1


def test_the_publication_list_filters_by_community(content_client, eu_retailers,
                                                   jp_resellers):
    f.PublicationFactory(community=eu_retailers, asset=f.AssetFactory(title="EU only"))
    f.PublicationFactory(community=jp_resellers, asset=f.AssetFactory(title="JP only"))
    response = content_client.get("/admin/communities/publication/",
                                  {"community__id__exact": jp_resellers.pk})
    assert b"JP only" in response.content
    assert b"EU only" not in response.content


def test_the_bulk_action_publishes_the_approved_selection(content_client, eu_retailers,
                                                          alice):
    # given
    approved = [f.AssetFactory() for _ in range(2)]
    pending = f.AssetFactory(approval_state=ApprovalState.PENDING)
    selection = {"action": "publish_to_community",
                 "_selected_action": [a.pk for a in [*approved, pending]]}

    # when: the intermediate page, then the choice
    page = content_client.post("/admin/assets/asset/", selection)
    done = content_client.post("/admin/assets/asset/",
                               {**selection, "apply": "1", "community": eu_retailers.pk})

    # then
    assert page.status_code == 200
    assert b"Publish to a community" in page.content
    assert done.status_code == 302
    assert set(Asset.objects.visible_to(alice)) == set(approved)
    assert Event.objects.filter(action="asset.published").count() == 2


def test_the_bulk_action_is_offered_only_to_publishers(client, support, content):
    # given
    from django.contrib.admin import site

    from assets.models import Asset as AssetModel

    asset_admin = site._registry[AssetModel]

    # then
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/assets/asset/")
    request.user = content
    assert "publish_to_community" in asset_admin.get_actions(request)
    request.user = support
    assert "publish_to_community" not in asset_admin.get_actions(request)

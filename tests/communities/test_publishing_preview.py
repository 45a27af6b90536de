"""Publishing in the admin: a market mismatch (a US-only asset to EU Retailers) warns but does
not block, and a publication's page shows what it exposes, to how many organisations."""

import pytest

from assets.models import Asset
from communities.models import Publication
from communities.publishing import market_mismatches, publication_preview
from tests import factories as f


@pytest.fixture
def content_client(client, content):
    client.force_login(content)
    return client


@pytest.fixture
def markets(eu_retailers):
    de, fr, us = (f.MarketFactory(slug=s, name=n) for s, n in
                  [("de", "Germany"), ("fr", "France"), ("us", "United States")])
    eu_retailers.markets.set([de, fr])
    return {"de": de, "fr": fr, "us": us}


def test_a_us_only_asset_mismatches_eu_retailers_but_global_and_german_ones_do_not(
        eu_retailers, markets):
    us_only = f.AssetFactory(title="US sell sheet", markets=[markets["us"]])
    german = f.AssetFactory(title="DE box", markets=[markets["de"], markets["us"]])
    global_asset = f.AssetFactory(title="Logo")
    found = market_mismatches(eu_retailers, [us_only, german, global_asset])
    assert [(m.subject, m.markets) for m in found] == [("US sell sheet", ["United States"])]


def test_the_bulk_publish_warns_about_a_us_only_asset_and_publishes_when_confirmed(
        content_client, eu_retailers, markets, alice):
    # given
    us_only = f.AssetFactory(title="US sell sheet", markets=[markets["us"]])
    selection = {"action": "publish_to_community", "_selected_action": [us_only.pk],
                 "apply": "1", "community": eu_retailers.pk}
    # when: the first "Publish"
    warned = content_client.post("/admin/assets/asset/", selection)
    # then: a warning, nothing published yet
    page = warned.content.decode()
    assert warned.status_code == 200 and 'data-testid="market-warning"' in page
    assert "US sell sheet is for United States only." in page
    assert 'value="Publish anyway"' in page
    assert not Publication.objects.exists()
    # when: "Publish anyway"
    done = content_client.post("/admin/assets/asset/", {**selection, "confirm_markets": "1"})
    # then
    assert done.status_code == 302
    assert set(Asset.objects.visible_to(alice)) == {us_only}


def test_the_bulk_publish_of_matching_assets_asks_nothing(content_client, eu_retailers,
                                                         markets):
    german = f.AssetFactory(markets=[markets["de"]])
    done = content_client.post("/admin/assets/asset/", {
        "action": "publish_to_community", "_selected_action": [german.pk], "apply": "1",
        "community": eu_retailers.pk})
    assert done.status_code == 302 and Publication.objects.count() == 1


def test_adding_a_us_only_publication_saves_it_with_a_warning(content_client, eu_retailers,
                                                             markets):
    us_only = f.AssetFactory(title="US sell sheet", markets=[markets["us"]])
    response = content_client.post("/admin/communities/publication/add/", {
        "community": eu_retailers.pk, "asset": us_only.pk}, follow=True)
    assert Publication.objects.filter(asset=us_only).exists()
    assert "Check the markets: US sell sheet is for United States" in response.content.decode()


@pytest.fixture
def rule_world(eu_retailers, jp_resellers, alpine, sakura, markets):
    trail = f.ProductLineFactory(slug="trail", name="Trail Series")
    assets = [f.AssetFactory(title=f"Trail {n}", product_line=trail) for n in range(3)]
    f.AssetFactory(title="Road 1")  # another line: not exposed
    f.AssetFactory(title="Trail retired", product_line=trail, retired=True)
    for n, partner in enumerate([alpine, f.PartnerFactory(), f.PartnerFactory()]):
        for m in range(2):
            f.MembershipFactory(community=eu_retailers, partner=partner,
                                user=f.UserFactory(email=f"p{n}m{m}@partner.example"))
    f.MembershipFactory(community=jp_resellers, partner=sakura)  # another community
    return trail, assets


def test_the_preview_counts_what_a_rule_exposes_and_to_how_many_organisations(
        eu_retailers, rule_world):
    trail, assets = rule_world
    preview = publication_preview(Publication(community=eu_retailers, product_line=trail))
    assert (preview.asset_count, preview.partner_count, preview.member_count) == (3, 3, 6)
    assert preview.sample == sorted(a.title for a in assets)


def test_the_add_page_previews_a_rule_without_saving_it(content_client, eu_retailers,
                                                       rule_world):
    trail, _ = rule_world
    form = content_client.get("/admin/communities/publication/add/").content.decode()
    assert 'name="_preview" value="Preview what it exposes"' in form
    response = content_client.post("/admin/communities/publication/add/", {
        "community": eu_retailers.pk, "product_line": trail.pk, "_preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This rule makes 3 assets visible to 3 organisations" in page
    assert f'<option value="{trail.pk}" selected>' in page  # the form keeps the rule
    assert not Publication.objects.exists()


def test_a_rule_s_page_shows_what_it_exposes(content_client, eu_retailers, rule_world,
                                            markets):
    trail, _ = rule_world
    rule = f.PublicationFactory(community=eu_retailers, asset=None, product_line=trail,
                                market=markets["us"])
    f.AssetFactory(title="Trail US", product_line=trail, markets=[markets["us"]])
    page = content_client.get(f"/admin/communities/publication/{rule.pk}/change/")
    text = page.content.decode()
    assert "This rule makes 1 asset visible to 3 organisations" in text
    assert 'data-testid="market-warning"' in text  # a US rule in an EU community

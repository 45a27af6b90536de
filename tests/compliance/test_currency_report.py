"""The staff currency report: per asset and per community, an SVG chart and a CSV export."""

import csv
import io

import pytest

from compliance import services


@pytest.fixture
def received_and_released(bob, charlie, jp_resellers, packaging, presets, download, release):
    from tests import factories as f

    f.PublicationFactory(community=jp_resellers, asset=packaging)
    download(bob, packaging)
    download(charlie, packaging)
    release(packaging)
    return packaging


def test_staff_see_which_organisations_are_on_the_current_version_with_a_chart(
        received_and_released, alice, content, client_for):
    # given: alice confirms for Alpine; Sakura has not
    services.acknowledge(user=alice, asset=received_and_released)
    # when
    page = client_for(content).get(
        f"/staff/currency/assets/{received_and_released.pk}/").content.decode()
    # then
    assert "Alpine Outfitters GmbH</td><td>on v2, acknowledged" in page
    assert "Sakura Trading KK</td><td>on v1, acknowledgement due" in page
    assert "<svg" in page and "<title>Acknowledged: 1</title>" in page
    assert "<title>Acknowledgement due: 1</title>" in page


def test_the_csv_export_has_one_row_per_organisation(received_and_released, content,
                                                      client_for):
    # when
    response = client_for(content).get(
        f"/staff/currency/assets/{received_and_released.pk}/?format=csv")
    # then
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["partner"], r["status"]) for r in rows] == [
        ("Alpine Outfitters GmbH", "on v1, acknowledgement due"),
        ("Sakura Trading KK", "on v1, acknowledgement due")]


def test_the_community_report_lists_only_that_communitys_organisations(
        received_and_released, content, eu_retailers, client_for):
    # when
    page = client_for(content).get(
        f"/staff/currency/communities/{eu_retailers.pk}/").content.decode()
    csv_rows = client_for(content).get(
        f"/staff/currency/communities/{eu_retailers.pk}/?format=csv").content.decode()
    # then
    assert "Alpine Outfitters GmbH" in page and "Sakura Trading KK" not in page
    assert "Trailblazer 2 box front,Alpine Outfitters GmbH" in csv_rows


def test_partners_get_a_404_for_the_staff_report(received_and_released, alice, client_for):
    response = client_for(alice).get(f"/staff/currency/assets/{received_and_released.pk}/")
    assert response.status_code == 404


def test_the_report_of_many_assets_costs_what_the_report_of_one_does(
        bob, eu_retailers, presets, download, release, django_assert_num_queries):
    from assets.models import Asset
    from compliance import selectors
    from tests import factories as f

    # given: three packaging images bob downloaded, each with a newer version
    assets = []
    for n in range(3):
        asset = f.AssetFactory(title=f"Box {n}", kind=f.AssetKindFactory(slug="packaging"))
        f.PublicationFactory(community=eu_retailers, asset=asset)
        download(bob, asset)
        release(asset)
        assets.append(Asset.objects.select_related("approved_version").get(pk=asset.pk))
    # when / then: four queries, for one asset as for three (no query per asset)
    with django_assert_num_queries(4):
        one = selectors.currency_of(assets[:1])
    with django_assert_num_queries(4):
        three = selectors.currency_of(assets)
    assert one[assets[0].pk] == three[assets[0].pk] == selectors.currency(assets[0])
    assert [row["status"] for a in assets for row in three[a.pk]] == [
        "on v1, acknowledgement due"] * 3

"""The asset page: charlie's 404, facts, versions, last download, related assets, actions."""

import pytest
from django.urls import reverse

from audit import record
from tests import factories as f
from tests.catalog.fixtures import published_asset


def _page(asset):
    return reverse("assets:detail", args=[asset.pk])


def test_bob_sees_the_page_with_its_actions(client_for, bob, alice_asset, presets):
    # when
    response = client_for(bob).get(_page(alice_asset))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trailblazer 2 front view" in html
    assert reverse("assets:download", args=[alice_asset.pk, "web-1200-webp"]) in html
    assert f"/cases/new/?asset={alice_asset.pk}" in html
    assert "1600 × 1200 px" in html
    assert [p.slug for p, _fact in response.context["offers"]] == [
        "original", "web-1920-jpg", "web-1200-webp", "mobile-640", "thumbnail-400"]


@pytest.mark.parametrize("which", ["charlie_sees_alices", "missing"])
def test_not_visible_and_missing_are_the_same_404(client_for, charlie, alice_asset, which):
    # given
    pk = alice_asset.pk if which == "charlie_sees_alices" else alice_asset.pk + 1000
    # when
    response = client_for(charlie).get(reverse("assets:detail", args=[pk]))
    # then
    assert response.status_code == 404


def test_it_shows_the_history_and_that_a_newer_version_exists(client_for, bob, alice_asset):
    # given: bob downloaded the first version, then the brand approved and released a second
    first = alice_asset.version
    record("asset.downloaded", actor=bob, target=alice_asset, asset_version=first,
           payload={"preset": "original"})
    second = f.AssetVersionFactory(asset=alice_asset, version=first + 5, number=2,
                                   review_state="approved", delivery_public_id="copy/2",
                                   delivery_version=7)
    alice_asset.version, alice_asset.current_version = second.version, second
    alice_asset.approved_version, alice_asset.release_public_id = second, "copy/2"
    alice_asset.save()
    # when
    response = client_for(bob).get(_page(alice_asset))
    # then
    assert response.context["last_downloaded_version"] == first
    assert response.context["newer_than_downloaded"] is True
    assert [v.version for v in response.context["versions"]] == [second.version, first]
    assert "A newer version is available" in response.content.decode()


def test_related_assets_share_campaign_or_line_and_stay_visible(client_for, bob, eu_retailers,
                                                                jp_resellers):
    # given
    line = f.ProductLineFactory(slug="trail")
    asset = published_asset(eu_retailers, title="Main", product_line=line)
    sibling = published_asset(eu_retailers, title="Sibling", product_line=line)
    published_asset(jp_resellers, title="Hidden sibling", product_line=line)
    published_asset(eu_retailers, title="Stranger")
    # when
    response = client_for(bob).get(_page(asset))
    # then
    assert [c["asset"] for c in response.context["related"]] == [sibling]


def test_a_pdf_previews_its_first_page(client_for, bob, eu_retailers):
    # given
    sheet = published_asset(eu_retailers, title="Spec sheet", format="pdf")
    # when
    response = client_for(bob).get(_page(sheet))
    # then
    assert "/pg_1" in response.context["preview"] or ",pg_1" in response.context["preview"]
    assert response.context["preview"].endswith(".jpg")

"""Acknowledging in one click from the asset page, the home page count, and the API."""

from audit.models import Event
from compliance.models import Acknowledgement
from tests import factories as f
from tests.api.openapi import assert_matches_schema


def _three_packaging_files(eu_retailers, bob, download, release):
    assets = []
    for n in range(3):
        asset = f.AssetFactory(title=f"Box {n}", kind=f.AssetKindFactory(slug="packaging"))
        f.PublicationFactory(community=eu_retailers, asset=asset)
        download(bob, asset)
        release(asset)
        assets.append(asset)
    return assets


def test_alice_sees_three_files_to_confirm_on_her_home_page_and_clears_one_from_the_asset_page(
        alice, bob, eu_retailers, presets, download, release, client_for):
    # given
    assets = _three_packaging_files(eu_retailers, bob, download, release)
    client = client_for(alice)
    # when
    home = client.get("/").content.decode()
    detail = client.get(f"/assets/{assets[0].pk}/").content.decode()
    # then
    assert "3 files need your confirmation" in home
    assert "We work from version 2" in detail
    # when: one click on the asset page, which comes back to it
    response = client.post(f"/confirmations/{assets[0].pk}/",
                           {"version": "2", "next": f"/assets/{assets[0].pk}/"})
    assert response["Location"] == f"/assets/{assets[0].pk}/"
    assert client.post(f"/confirmations/{assets[1].pk}/", {
        "version": "2", "next": "https://evil.example/"})["Location"] == "/confirmations/"
    client.post(f"/confirmations/{assets[1].pk}/", {"version": "2"})
    # then
    assert "1 file needs your confirmation" in client.get("/").content.decode()
    assert "We work from version 2" not in client.get(f"/assets/{assets[0].pk}/").content.decode()


def test_the_api_acknowledges_the_current_version_and_lists_it(alice, bob, packaging, presets,
                                                               download, release, client_for):
    # given
    download(bob, packaging)
    release(packaging)
    client = client_for(alice)
    # when
    wrong = client.post("/api/v1/acknowledgements/", {"asset": packaging.pk, "version": 1},
                        content_type="application/json")
    bad = client.post("/api/v1/acknowledgements/", {"asset": "box"},
                      content_type="application/json")
    done = client.post("/api/v1/acknowledgements/", {"asset": packaging.pk, "version": 2},
                       content_type="application/json")
    again = client.post("/api/v1/acknowledgements/", {"asset": packaging.pk, "version": 2},
                        content_type="application/json")
    # then
    assert (wrong.status_code, bad.status_code) == (400, 400)
    assert "confirm version 2" in wrong.json()["detail"]
    assert done.status_code == 201 and done.json()["state"] == "acknowledged"
    assert_matches_schema(done)
    assert again.status_code == 201  # idempotent: still one event
    assert Event.objects.filter(action="asset.acknowledged").count() == 1
    response = client.get("/api/v1/acknowledgements/?state=acknowledged")
    assert_matches_schema(response)
    listed = response.json()
    assert [row["version"] for row in listed["results"]] == [2]
    assert client.get("/api/v1/acknowledgements/?state=nope").status_code == 400


def test_the_currency_api_gives_staff_every_organisation_and_partners_their_own(
        alice, bob, charlie, content, jp_resellers, packaging, presets, download, release,
        client_for):
    # given: charlie's organisation also got the packaging image
    f.PublicationFactory(community=jp_resellers, asset=packaging)
    download(bob, packaging)
    download(charlie, packaging)
    release(packaging)
    # when
    response = client_for(content).get(f"/api/v1/assets/{packaging.pk}/currency/")
    assert_matches_schema(response)
    staff = response.json()
    mine = client_for(alice).get(f"/api/v1/assets/{packaging.pk}/currency/").json()
    # then
    assert [row["status"] for row in staff] == ["on v1, acknowledgement due"] * 2
    assert [row["partner"] for row in mine] == ["Alpine Outfitters GmbH"]
    assert Acknowledgement.objects.count() == 2


def test_charlie_gets_a_404_for_the_currency_of_an_asset_he_cannot_see(charlie, packaging,
                                                                      client_for):
    response = client_for(charlie).get(f"/api/v1/assets/{packaging.pk}/currency/")
    assert response.status_code == 404


def test_the_notice_shows_both_versions_side_by_side_and_confirms_in_one_click(
        alice, bob, packaging, presets, download, release, client_for):
    import re

    # given: bob downloaded v1 of a packaging image; v2 is approved
    download(bob, packaging)
    v1 = packaging.versions.get(number=1)
    v2 = release(packaging)
    client = client_for(alice)
    # when
    page = client.get("/notifications/").content.decode()
    # then: both versions' stills, signed, captioned before / now
    previews = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert [alt for _, alt in previews] == [f"Before: {v1.label}", f"Now: {v2.label}"]
    assert v1.delivery_public_id in previews[0][0] and v2.delivery_public_id in previews[1][0]
    assert all("/s--" in url for url, _ in previews)  # signed, like every delivery link
    # ...and one button confirms for Alpine, back on the same page
    assert f"We work from {v2.label}" in page
    answer = client.post(f"/confirmations/{packaging.pk}/",
                         {"version": v2.number, "next": "/notifications/"})
    assert answer.status_code == 302 and answer["Location"] == "/notifications/"
    assert Acknowledgement.objects.get(version=v2).state == "acknowledged"
    assert "We work from" not in client.get("/notifications/").content.decode()


def test_a_user_who_can_no_longer_see_the_asset_gets_no_previews(
        bob, packaging, presets, download, release, client_for):
    # given: bob was told of v2, then left the community
    download(bob, packaging)
    release(packaging)
    bob.memberships.all().delete()
    # when
    page = client_for(bob).get("/notifications/").content.decode()
    # then: the notice's text stays, its pictures do not
    assert "Trailblazer 2 box front" in page and "<img src=" not in page


def _received(bob, packaging, alice_asset, download, release):
    """Bob downloaded v1 of a packaging image (controlled) and of a banner (not); both
    have a v2 now."""
    download(bob, packaging)
    download(bob, alice_asset)
    release(packaging)
    release(alice_asset)


def test_alice_sees_her_organisations_currency_over_every_file_it_received(
        alice, bob, charlie, packaging, alice_asset, presets, download, release, client_for):
    # given
    _received(bob, packaging, alice_asset, download, release)
    # when
    page = client_for(alice).get("/confirmations/").content.decode()
    csv_rows = client_for(alice).get("/confirmations/?format=csv").content.decode().splitlines()
    # then: both files, the uncontrolled one included, with where Alpine stands and a chart
    assert "Your organisation's files" in page and "<svg" in page
    assert "on v1, acknowledgement due" in page  # the packaging image
    assert page.count("· superseded") == 2  # both are on v1 while v2 is current
    assert csv_rows[0].startswith("asset,partner,status")
    assert sorted(row.split(",")[0] for row in csv_rows[1:]) == sorted(
        [packaging.title, alice_asset.title])
    # ...and charlie's organisation received none of it
    assert "has not received any file yet" in client_for(charlie).get(
        "/confirmations/").content.decode()


def test_the_community_report_includes_files_that_need_no_acknowledgement(
        alice, bob, eu_retailers, content, packaging, alice_asset, presets, download, release,
        client_for):
    # given
    _received(bob, packaging, alice_asset, download, release)
    # when
    page = client_for(content).get(
        f"/staff/currency/communities/{eu_retailers.pk}/").content.decode()
    # then
    assert packaging.title in page and alice_asset.title in page


def test_the_currency_api_per_community_for_staff_and_for_a_partners_own_organisation(
        alice, bob, charlie, eu_retailers, content, packaging, alice_asset, presets, download,
        release, client_for):
    # given
    _received(bob, packaging, alice_asset, download, release)
    # when
    staff = client_for(content).get(f"/api/v1/communities/{eu_retailers.pk}/currency/")
    own = client_for(alice).get("/api/v1/currency/")
    # then
    assert_matches_schema(staff)
    assert_matches_schema(own)
    assert sorted(row["asset"] for row in staff.json()) == sorted(
        [packaging.title, alice_asset.title])
    assert {row["partner"] for row in own.json()} == {"Alpine Outfitters GmbH"}
    assert {row["status"] for row in own.json()} == {"on v1", "on v1, acknowledgement due"}
    # ...partners get no community report, and charlie's organisation has nothing
    assert client_for(alice).get(f"/api/v1/communities/{eu_retailers.pk}/currency/"
                                 ).status_code == 404
    assert client_for(charlie).get("/api/v1/currency/").json() == []

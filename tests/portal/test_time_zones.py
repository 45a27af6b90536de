"""Times are shown to partners in their own time zone, labelled: their choice (a profile
setting on the preferences page), else their community's market's zone, else UTC."""

from datetime import UTC, datetime

import pytest

from cases import services
from portal.timezones import user_time_zone, zone_for_market
from tests import factories as f
from tests.catalog.fixtures import presets  # noqa: F401, F811
from tests.helpers import count_queries

AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, 19:00 in Tokyo


@pytest.mark.parametrize("fields, zone", [
    ({"slug": "de", "country": "DE"}, "Europe/Berlin"),
    ({"slug": "japan", "country": "JP"}, "Asia/Tokyo"),
    ({"slug": "emea-de", "language": "de-AT"}, "Europe/Vienna"),
    ({"slug": "fr"}, "Europe/Paris"),
    ({"slug": "global"}, None),
])
def test_a_market_s_zone_comes_from_its_country(db, fields, zone):
    assert zone_for_market(f.MarketFactory(**fields)) == zone


@pytest.fixture
def markets(eu_retailers, jp_resellers):
    eu_retailers.markets.set([f.MarketFactory(slug="de", name="Germany", country="DE")])
    jp_resellers.markets.set([f.MarketFactory(slug="jp", name="Japan", country="JP")])


def test_the_default_zone_follows_the_community_s_market(markets, bob, charlie, support):
    assert user_time_zone(bob) == ("Europe/Berlin", "community")
    assert user_time_zone(charlie) == ("Asia/Tokyo", "community")
    assert user_time_zone(support) == ("UTC", "default")


@pytest.fixture
def case_at_ten_utc(bob, alice_asset, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: AT)
    case = services.case_open(opener=bob, asset=alice_asset, category="quality",
                              subject="Slow banner", body="Slow.")
    monkeypatch.undo()
    return case


def test_bob_in_germany_sees_case_times_in_berlin_time_labelled(markets, case_at_ten_utc, bob,
                                                               client_for):
    page = client_for(bob).get(f"/cases/{case_at_ten_utc.reference}/").content.decode()
    assert "2026-12-02 11:00 CET" in page
    assert "2026-12-02 10:00" not in page
    assert "Times are shown in Europe/Berlin (CET), from your community's market" in page


def test_a_chosen_zone_wins_and_is_saved_from_the_preferences_page(markets, case_at_ten_utc,
                                                                  bob, client_for):
    # when
    client = client_for(bob)
    response = client.post("/notifications/preferences/", {
        "kind-new_version": "immediate", "kind-ack_due": "immediate",
        "kind-case_reply": "immediate", "kind-new_asset": "immediate",
        "timezone": "Asia/Tokyo"})
    # then
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.time_zone == "Asia/Tokyo" and bob.digest_schedule.timezone == "Asia/Tokyo"
    page = client.get(f"/cases/{case_at_ten_utc.reference}/").content.decode()
    assert "2026-12-02 19:00 JST" in page
    assert 'value="Asia/Tokyo"' in client.get("/notifications/preferences/").content.decode()


def test_the_preferences_page_offers_the_derived_zone(markets, charlie, client_for):
    page = client_for(charlie).get("/notifications/preferences/").content.decode()
    assert 'id="timezone" name="timezone" value="Asia/Tokyo"' in page


def test_the_api_stays_in_utc(markets, case_at_ten_utc, bob, client_for):
    body = client_for(bob).get(f"/api/v1/cases/{case_at_ten_utc.pk}/").json()
    assert body["created_at"].endswith("Z") and "T10:00:00" in body["created_at"]


def test_a_redirect_to_a_download_does_not_look_up_the_zone(markets, bob, client_for,
                                                            alice_asset, presets):  # noqa: F811
    # given: bob's zone comes from his community's market (one query on every page)
    client = client_for(bob)
    # when
    with count_queries() as queries:
        response = client.get(f"/assets/{alice_asset.pk}/download/original/")
    # then: the view is marked no_time_zone, so no market is read for it
    assert response.status_code == 302
    assert not [q for q in queries.captured_queries if '"assets_market"' in q["sql"]]
    with count_queries() as page_queries:
        assert client.get("/catalog/?sort=newest").status_code == 200
    assert [q for q in page_queries.captured_queries if '"assets_market"' in q["sql"]]

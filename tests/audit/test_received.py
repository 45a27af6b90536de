from datetime import UTC, datetime
from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from audit import record, selectors
from tests import factories as f
from tests.helpers import count_queries


def _at(day: int, hour: int = 12):
    return mock.patch("audit.services.timezone.now",
                      return_value=datetime(2026, 11, day, hour, 0, tzinfo=UTC))


@pytest.fixture
def receipts(alice, bob, charlie, alpine, sakura, eu_retailers, jp_resellers, alice_asset,
             content):
    """alice downloads v1 twice and acknowledges it; bob downloads v2; charlie's firm too."""
    v1 = alice_asset.current_version
    v2 = f.AssetVersionFactory(asset=alice_asset, version=v1.version + 1)
    with _at(1):
        record("asset.synced", actor="cloudinary-sync", target=alice_asset)
    seen = {"partner": alpine, "community": eu_retailers}
    with _at(2):
        record("asset.downloaded", actor=alice, target=alice_asset, asset_version=v1, **seen)
    with _at(3):
        record("asset.downloaded", actor=alice, target=alice_asset, asset_version=v1, **seen)
        record("asset.acknowledged", actor=alice, target=alice_asset, asset_version=v1, **seen)
    with _at(4):
        record("asset.downloaded", actor=bob, target=alice_asset, asset_version=v2, **seen)
        record("asset.downloaded", actor=charlie, target=alice_asset, asset_version=v2,
               partner=sakura, community=jp_resellers)
    return v1, v2


def test_it_groups_receipts_by_partner_user_and_version(receipts, alice_asset):
    # given
    v1, v2 = receipts
    # when
    partners = selectors.receipts_for_asset(alice_asset.pk)
    # then
    assert [p.partner_label for p in partners] == ["Alpine Outfitters GmbH", "Sakura Trading KK"]
    alpine_rows = [(r.actor_label, r.asset_version, r.downloads, r.acknowledgements)
                   for r in partners[0].receipts]
    assert alpine_rows == [("alice@alpine-outfitters.example", v1.version, 2, 1),
                           ("bob@alpine-outfitters.example", v2.version, 1, 0)]
    alice_v1 = partners[0].receipts[0]
    assert alice_v1.first_downloaded_at.day == 2 and alice_v1.acknowledged_at.day == 3
    assert (alice_v1.first_at.day, alice_v1.last_at.day) == (2, 3)
    assert partners[0].versions == {v1.version, v2.version}


def test_staff_see_who_received_an_asset(client_for, support, receipts, alice_asset):
    # when
    response = client_for(support).get(reverse("audit:received_asset", args=[alice_asset.pk]))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trailblazer 2 front view" in page
    assert "Alpine Outfitters GmbH" in page and "Sakura Trading KK" in page
    assert "alice@alpine-outfitters.example" in page
    assert "2026-11-02 12:00" in page and "2026-11-03 12:00" in page


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_partners_get_404(client_for, request, persona, receipts, alice_asset):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("audit:received_asset", args=[alice_asset.pk])).status_code == 404
    assert client.get(reverse("audit:received")).status_code == 404


def test_it_needs_a_sign_in(client, db, alice_asset):
    response = client.get(reverse("audit:received_asset", args=[alice_asset.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_asset_the_trail_never_saw_is_404(client_for, content, db):
    assert client_for(content).get(reverse("audit:received_asset", args=[999])).status_code == 404


def test_search_finds_assets_by_title_and_by_id(client_for, content, receipts, alice_asset,
                                                charlie_asset):
    # given
    record("asset.synced", actor="cloudinary-sync", target=charlie_asset)
    client = client_for(content)
    url = reverse("audit:received_asset", args=[alice_asset.pk])
    # when
    by_title = client.get(reverse("audit:received"), {"q": "trailblazer"})
    by_id = client.get(reverse("audit:received"), {"q": str(alice_asset.pk)})
    nothing = client.get(reverse("audit:received"), {"q": "no such thing"})
    # then
    assert by_title.context["results"] == [{"asset_id": alice_asset.pk,
                                            "label": "Trailblazer 2 front view"}]
    assert url in by_title.content.decode()
    assert alice_asset.pk in [r["asset_id"] for r in by_id.context["results"]]
    assert "No asset in the audit trail matches" in nothing.content.decode()


def test_a_retired_and_deleted_asset_keeps_its_report(client_for, content, receipts,
                                                      alice_asset):
    pk = alice_asset.pk
    alice_asset.delete()
    response = client_for(content).get(reverse("audit:received_asset", args=[pk]))
    assert response.status_code == 200
    assert "Alpine Outfitters GmbH" in response.content.decode()


def test_the_report_runs_a_fixed_number_of_queries(client_for, content, receipts, alice_asset):
    # given
    client = client_for(content)
    url = reverse("audit:received_asset", args=[alice_asset.pk])
    with count_queries() as few:
        client.get(url)
    for n in range(15):
        user = f.UserFactory()
        partner = f.PartnerFactory()
        record("asset.downloaded", actor=user, target=alice_asset, partner=partner)
    # when
    with count_queries() as many:
        response = client.get(url)
    # then
    assert len(response.context["partners"]) == 17
    # session, user, groups, asset label, receipts, the header's unread notices
    assert len(many) == len(few) == 6


def test_the_trail_template_renders_an_assets_events(receipts, alice_asset):
    html = render_to_string("audit/_trail.html",
                            {"events": selectors.events_for_asset(alice_asset.pk)})
    assert html.count("<tr>") == 1 + 6
    assert "cloudinary-sync (system)" in html
    assert "asset.acknowledged" in html


def test_events_for_returns_one_objects_events_newest_first(receipts, alice_asset, alice):
    case = f.CaseFactory(asset=alice_asset, opener=alice)
    record("case.opened", actor=alice, target=case)
    record("case.replied", actor=alice, target=case)
    events = selectors.events_for("cases.case", case.pk)
    assert [e.action for e in events] == ["case.replied", "case.opened"]

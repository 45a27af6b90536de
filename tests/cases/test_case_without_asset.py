"""A case need not name an asset: "Missing asset" reports, kit-slot flags, community threads."""

import pytest

from audit.models import Event
from cases import services
from cases.models import Case

pytestmark = pytest.mark.django_db


def test_a_partner_opens_a_missing_asset_case_without_an_asset(bob, alpine, eu_retailers):
    case = services.case_open(opener=bob, asset=None, category=Case.Category.MISSING_ASSET,
                              subject="No German spec sheet", body="We need the de-DE PDF.")
    assert case.asset is None and case.asset_version is None
    assert (case.partner, case.community) == (alpine, eu_retailers)
    assert Event.objects.filter(action="case.opened", target_id=str(case.pk)).exists()


def test_a_named_community_must_be_one_of_the_openers(bob, jp_resellers):
    with pytest.raises(services.CaseNotFound):
        services.case_open(opener=bob, asset=None, category=Case.Category.MISSING_ASSET,
                           subject="x", body="y", community=jp_resellers)


def test_the_api_opens_a_case_without_an_asset_and_pages_show_it(bob, client_for):
    client = client_for(bob)
    answer = client.post("/api/v1/cases/", {"category": "missing_asset", "subject": "No video",
                                            "body": "The teaser is missing."},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["asset"] is None or "asset" in answer.json()
    reference = answer.json()["reference"]
    assert b"Not in the catalog" in client.get(f"/cases/{reference}/").content
    assert b"Not in the catalog" in client.get("/cases/").content


def test_my_cases_offers_a_missing_asset_report(bob, client_for):
    page = client_for(bob).get("/cases/").content.decode()
    assert '<a href="/cases/new/">Report a missing asset</a>' in page

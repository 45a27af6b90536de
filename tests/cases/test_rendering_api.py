"""The rendering-report API: validated input, schema-valid answers, 404 for charlie."""

import pytest

from cases.models import RenderingReport
from tests.api.openapi import assert_matches_schema
from tests.cases.rendering_fixtures import PRODUCT_BOX, mirrored_product

pytestmark = pytest.mark.django_db
URL = "/api/v1/rendering-reports/"


@pytest.fixture
def product(protected_cloud, eu_retailers, content, django_capture_on_commit_callbacks):
    return mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)


def _payload(product, **changes):
    return {"asset": product.pk, "preset": "mobile-640", "problem": "poor_mobile",
            "body": "Blurry on my phone.", "device_class": "mobile", "viewport_width": 390,
            "viewport_height": 844, "page_url": "https://shop.example/p", **changes}


def test_a_partner_reports_a_rendering_problem_through_the_api(product, bob, client_for):
    response = client_for(bob).post(URL, _payload(product), content_type="application/json")

    assert response.status_code == 201, response.content
    assert_matches_schema(response)
    body = response.json()
    assert body["problem"] == "poor_mobile" and body["viewport_width"] == 390
    assert body["delivered_transformation"] == "c_fill,g_auto,w_640,h_800"
    assert body["case"]["category"] == "quality"


@pytest.mark.parametrize("changes", [{"problem": "ugly"}, {"viewport_width": 0},
                                     {"page_url": "javascript:alert(1)"}, {"preset": "nope"},
                                     {"body": ""}])
def test_bad_input_is_a_400_and_opens_nothing(product, bob, client_for, changes):
    response = client_for(bob).post(URL, _payload(product, **changes),
                                    content_type="application/json")

    assert response.status_code == 400, response.content
    assert_matches_schema(response)
    assert not RenderingReport.objects.exists()


def test_charlie_gets_a_404(product, charlie, client_for):
    response = client_for(charlie).post(URL, _payload(product), content_type="application/json")

    assert response.status_code == 404
    assert_matches_schema(response)


def test_the_report_and_its_fixes_are_readable_by_the_opener(
        product, bob, support, client_for, django_capture_on_commit_callbacks):
    from cases.rendering import rendering_fix_focal_point

    client = client_for(bob)
    case_pk = client.post(URL, _payload(product, problem="bad_crop"),
                          content_type="application/json").json()["case"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        rendering_fix_focal_point(case=RenderingReport.objects.get().case, actor=support,
                                  box=PRODUCT_BOX)

    response = client.get(f"/api/v1/cases/{case_pk}/rendering-report/")

    assert response.status_code == 200
    assert_matches_schema(response)
    fixes = response.json()["fixes"]
    assert [f["kind"] for f in fixes] == ["focal_point"]
    assert fixes[0]["after_coordinates"] == PRODUCT_BOX

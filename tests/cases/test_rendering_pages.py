"""Rendering-quality pages: the asset page's link, the report form, the staff diagnosis and
focal-point form, the partner's before/after, the staff report (real SDK, emulator)."""

import re

import pytest
import requests
from django.urls import reverse

from cases.models import Case, RenderingFix
from tests.cases.rendering_fixtures import PRODUCT_BOX, mirrored_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(protected_cloud, eu_retailers, content, django_capture_on_commit_callbacks):
    return mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)


def _open_report(client, product):
    url = reverse("cases:rendering_report")
    response = client.post(url, {
        "asset": product.pk, "preset": "mobile-640", "problem": "bad_crop",
        "body": "Cuts the product.", "device_class": "mobile", "viewport_width": "390",
        "viewport_height": "844", "page_url": "https://shop.example/p"})
    assert response.status_code == 302, response.content
    return Case.objects.get()


def test_the_asset_page_offers_a_report_link_next_to_each_resized_preset(
        product, bob, client_for):
    html = client_for(bob).get(reverse("assets:detail", args=[product.pk])).content.decode()

    links = re.findall(r'href="/cases/rendering/new/\?asset=\d+&amp;preset=([\w-]+)"', html)
    assert "mobile-640" in links and "original" not in links
    assert "Report a problem with this size" in html


def test_bad_input_is_refused_with_a_clear_error_and_opens_nothing(product, bob, client_for):
    response = client_for(bob).post(reverse("cases:rendering_report"), {
        "asset": product.pk, "preset": "mobile-640", "problem": "nonsense", "body": "",
        "viewport_width": "-3"})

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not Case.objects.exists()


def test_charlie_gets_a_404_for_the_report_form_of_an_asset_he_cannot_see(
        product, charlie, client_for):
    url = reverse("cases:rendering_report") + f"?asset={product.pk}&preset=mobile-640"
    assert client_for(charlie).get(url).status_code == 404


def test_support_diagnoses_and_fixes_from_the_case_page_and_bob_sees_before_and_after(
        product, bob, support, client, django_capture_on_commit_callbacks):
    client.force_login(bob)
    case = _open_report(client, product)
    client.force_login(support)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "What the partner got" in page and "Same preset with g_auto" in page
    assert re.search(r"JPG · 640 × 800 · [\d.]+ KB", page)
    assert "Quality analysis: score" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:rendering_focal_point", args=[case.reference]),
                               dict(zip("xywh", PRODUCT_BOX, strict=True)))
    assert response.status_code == 302

    fix = RenderingFix.objects.get()
    client.force_login(bob)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Fixed by: focal point moved" in page
    for role in ("before-preview", "after-preview"):
        src = re.search(rf'<img src="([^"]+)"[^>]*data-role="{role}"', page).group(1)
        assert requests.get(src.replace("&amp;", "&"), timeout=10).status_code == 200
    assert f"{fix.after_width} × {fix.after_height}" in page


def test_the_staff_report_lists_fixes_by_kind_with_a_chart(product, bob, support, client,
                                                            django_capture_on_commit_callbacks):
    from cases.rendering import rendering_fix_focal_point

    client.force_login(bob)
    case = _open_report(client, product)
    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_focal_point(case=case, actor=support, box=PRODUCT_BOX)

    client.force_login(support)
    html = client.get(reverse("cases:rendering_fixes")).content.decode()
    assert "<svg" in html and "Focal point moved" in html
    saving = (fix.before_bytes - fix.after_bytes) / 1024
    assert f"{saving:+.1f} KB" in html
    client.force_login(bob)
    assert client.get(reverse("cases:rendering_fixes")).status_code == 403

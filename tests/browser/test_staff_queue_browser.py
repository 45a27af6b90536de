"""In a real browser: support and the content team sign in and land on their queue (not the
partner home); support takes a case with "Assign to me" and finds it by number; bob says
"This fixed it" on the resolution. Every page passes axe (no serious violation)."""

import pytest

from cases import services
from cases.models import Case
from tests.browser.axe import blocking_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base_url, user, landing):
    page.goto(f"{base_url}/")  # signed out: /accounts/login/?next=/
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}{landing}")


@pytest.mark.django_db(transaction=True)
def test_support_lands_on_the_queue_and_takes_a_case(live_server, browser, support, bob,
                                                     alice_asset):
    from playwright.sync_api import expect

    # given
    case = services.case_open(opener=bob, asset=alice_asset, category="incorrect_asset",
                              subject="Wrong photo", body="Last year's box.")
    number = str(int(case.reference.rsplit("-", 1)[1]))
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    # when
    _sign_in(page, live_server.url, support, "/cases/queue/")
    page.get_by_label("Number, subject or opener").fill(f"#{number}")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("button", name=f"Assign to me ({case.reference})").click()
    # then
    expect(page.get_by_text("Assigned to you.")).to_be_visible()
    assert Case.objects.get().assignee_id == support.pk
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})  # the case page with its forms
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.django_db(transaction=True)
def test_the_content_team_lands_on_the_review_list(live_server, browser, content):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _sign_in(page, live_server.url, content, "/admin/assets/asset/?review=waiting")
    assert blocking_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_bob_says_this_fixed_it_and_support_sees_it(live_server, browser, bob, support,
                                                    alice_asset):
    from playwright.sync_api import expect

    # given: a resolved case
    case = services.case_open(opener=bob, asset=alice_asset, category="incorrect_asset",
                              subject="Wrong photo", body="Last year's box.")
    services.case_resolve(case=case, actor=support, resolution_kind="link",
                          link="https://brand.example/box.jpg", note="Use this one.")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _sign_in(page, live_server.url, bob, "/")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    assert blocking_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # 390 px
    # when
    page.get_by_role("button", name="This fixed it").click()
    # then
    expect(page.get_by_test_id("fixed-confirmed")).to_be_visible()
    assert Case.objects.get().fixed_confirmed_by_id == bob.pk
    assert blocking_violations(page) == []

"""The Content-Security-Policy breaks nothing: no violation on the pages a partner uses."""

import pytest

from tests.browser.test_catalog_browser import _sign_in, published  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_bob_s_pages_and_the_api_docs_load_without_a_csp_violation(live_server, browser,
                                                                   published, bob):  # noqa: F811
    # given
    page = browser.new_context().new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    _sign_in(page, live_server.url, bob)
    # when
    for path in ("/", "/catalog/?q=Trailblazer", f"/assets/{published['de'].pk}/",
                 "/me/tokens/", "/api/docs/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # then
    assert violations == []
    thumbnails = page.goto(live_server.url + "/catalog/?q=Trailblazer")
    assert thumbnails.ok
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
